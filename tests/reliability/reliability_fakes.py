"""A small but complete fake département for the reliability tests, and how to run the CLI on it.

Complete means every column the catalogue reads from Filosofi 2021 and the comparateur, with
plausible values (shares below 100 %, populations that grow a little), so that it loads without
any warning: a warning in a test is then the one the test provoked.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODES = ("2A001", "2A002", "2A003", "2A004")
FILOSOFI = "cc_filosofi_2021_COM.csv"
COMPARATEUR = "base_cc_comparateur.csv"
BOUNDARIES = "communes-2A.geojson"
FILOSOFI_RATES = (
    "PIMP", "TP60", "TP60AGE1", "TP60AGE2", "TP60AGE3", "TP60AGE4", "TP60AGE5", "TP60AGE6",
    "TP60TOL1", "TP60TOL2", "PACT", "PPSOC", "PPMINI", "PPLOGT",
)
COMPARATEUR_COUNTS = {  # per 1000 inhabitants in 2022
    "P22_POP": 1000, "P16_POP": 950, "SUPERF": 2, "NAIS1621": 70, "DECE1621": 40, "P22_MEN": 420, "NAISD24": 14,
    "P22_LOG": 470, "P22_RP": 420, "P22_LOGVAC": 30, "P22_RP_PROP": 160, "P22_EMPLT": 300,
    "P22_POP1564": 640, "P22_ACT1564": 460, "P22_CHOM1564": 60,
}


def square(n, size=0.01):
    x, y = 8.7 + n * size, 41.9
    return [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]


def feature(code, name, coordinates, kind="Polygon"):
    return {"type": "Feature", "properties": {"code": code, "nom": name}, "geometry": {"type": kind, "coordinates": coordinates}}


def write_boundaries(path, codes=CODES, names=None, shapes=None):
    names = names or [f"Commune {n}" for n in range(len(codes))]
    shapes = shapes or {}
    features = [feature(c, name, shapes.get(c, square(n))) for n, (c, name) in enumerate(zip(codes, names))]
    Path(path).write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")


def filosofi_text(codes=CODES):
    header = ["CODGEO", "NBMENFISC21", "NBPERSMENFISC21", "MED21", *(f"{v}21" for v in FILOSOFI_RATES), "D121", "D921", "RD21"]
    rows = [
        [c, str(100 * (n + 1)), str(250 * (n + 1)), str(20000 + 1000 * n), *[f"{10 + n + k / 10:.1f}".replace(".", ",") for k in range(len(FILOSOFI_RATES))], "10000", "35000", "3,5"]
        for n, c in enumerate(codes)
    ]
    return "\n".join(";".join(r) for r in [header, *rows]) + "\n"


def comparateur_text(codes=CODES):
    header = ["CODGEO", *COMPARATEUR_COUNTS]
    rows = [[c, *(str(v * (n + 1)) for v in COMPARATEUR_COUNTS.values())] for n, c in enumerate(codes)]
    return "\n".join(";".join(r) for r in [header, *rows]) + "\n"


def write_departement(root, codes=CODES, names=None):
    """Boundaries, Filosofi 2021 and comparateur of a few communes of département 2A (or the codes' own)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    write_boundaries(root / BOUNDARIES, codes, names)
    (root / FILOSOFI).write_text(filosofi_text(codes), encoding="utf-8")
    (root / COMPARATEUR).write_text(comparateur_text(codes), encoding="utf-8")
    return root


def command(*args):
    return [sys.executable, "-m", "portrait", *map(str, args)]


def environment():
    """No shared cache: each fake data directory is read from its files."""
    return {**os.environ, "PORTRAIT_CACHE": "off"}


def run(*args, timeout=600):
    return subprocess.run(command(*args), capture_output=True, text=True, cwd=ROOT, env=environment(), timeout=timeout)


def one_line_error(result):
    """The `error: ...` line of a failed command, after checking exit code 1, one line and no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def warnings_of(result):
    assert "Traceback" not in result.stderr, result.stderr
    return [line for line in result.stderr.splitlines() if line.startswith("warning: ")]


def snapshot(directory):
    """Every file under a directory with its bytes, to prove a failed build left it untouched."""
    return {p.relative_to(directory): p.read_bytes() for p in sorted(Path(directory).rglob("*")) if p.is_file()}
