"""Shared fixtures: the real data directory, the loaded Seine-Saint-Denis, small fake départements."""

import csv
import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def real_data_dir():
    candidates = [os.environ.get("PORTRAIT_DATA"), ROOT / ".." / "shared" / "data"]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate).resolve()
    pytest.skip("real data directory not found (set PORTRAIT_DATA)")


@pytest.fixture(scope="session")
def data_dir():
    return real_data_dir()


@pytest.fixture(scope="session")
def territory(data_dir):
    from indicators import load_territory

    return load_territory("93", data_dir)


def read_raw(path, sep=";"):
    """Rows of a raw CSV as dicts of strings, read independently of the code under test."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=sep))


def french_float(text):
    return float(text.replace(",", "."))


def square(x, y, size=0.01):
    return [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]


def write_fake_departement(
    root, dept="2A", codes=("2A001", "2A002", "2A003"), filosofi_rows=None, boundaries=True
):
    """A tiny département: commune boundaries, a Filosofi 2021 file and a comparateur extract."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    if boundaries:
        features = [
            {
                "type": "Feature",
                "properties": {"code": c, "nom": f"Commune {n}"},
                "geometry": {"type": "Polygon", "coordinates": square(8.7 + n * 0.01, 41.9)},
            }
            for n, c in enumerate(codes)
        ]
        (root / f"communes-{dept}.geojson").write_text(
            json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
        )
    header = "CODGEO;NBMENFISC21;NBPERSMENFISC21;MED21;PIMP21;TP6021;D121;D921;RD21"
    rows = filosofi_rows or [
        f"{c};{100 * (n + 1)};{250 * (n + 1)};{20000 + n * 1000};50,0;{10 + n},5;10000;35000;3,5"
        for n, c in enumerate(codes)
    ]
    (root / "cc_filosofi_2021_COM.csv").write_text(
        "\n".join([header, *rows]) + "\n", encoding="utf-8"
    )
    comparateur = ["CODGEO;P22_POP;P16_POP;SUPERF;P22_POP1564;P22_CHOM1564;P22_ACT1564"]
    comparateur += [
        f"{c};{1000 * (n + 1)};{900 * (n + 1)};{2 + n};{600 * (n + 1)};{60 * (n + 1)};{400 * (n + 1)}"
        for n, c in enumerate(codes)
    ]
    (root / "base_cc_comparateur.csv").write_text("\n".join(comparateur) + "\n", encoding="utf-8")
    return root
