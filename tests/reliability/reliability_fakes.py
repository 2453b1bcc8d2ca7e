"""A small but complete fake département for the reliability tests, and how to run the CLI on it.

Complete means every column the catalogue reads from Filosofi 2021, the comparateur, the dossier
complet and the 2018 census table, with plausible values (shares below 100 %, age bands that add
up, populations that grow a little, communes that differ), so that it loads without any warning
and builds every page: a warning in a test is then the one the test provoked.
"""

import csv
import io
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
    "PIMP",
    "TP60",
    "TP60AGE1",
    "TP60AGE2",
    "TP60AGE3",
    "TP60AGE4",
    "TP60AGE5",
    "TP60AGE6",
    "TP60TOL1",
    "TP60TOL2",
    "PACT",
    "PPSOC",
    "PPMINI",
    "PPLOGT",
)
DOSSIER = "dossier_complet.csv"
DERIVED = "rp2018_communes.csv"
COUNTS = {  # per 1000 inhabitants in 2022, by file and column
    COMPARATEUR: {
        "P22_POP": 1000,
        "P16_POP": 950,
        "SUPERF": 2,
        "NAIS1621": 70,
        "DECE1621": 40,
        "P22_MEN": 420,
        "NAISD24": 14,
        "P22_LOG": 470,
        "P22_RP": 420,
        "P22_LOGVAC": 30,
        "P22_RP_PROP": 160,
        "P22_EMPLT": 300,
        "P22_POP1564": 640,
        "P22_ACT1564": 460,
        "P22_CHOM1564": 60,
    },
    DOSSIER: {
        "P22_POP0014": 180,
        "P22_POP1529": 200,
        "P22_POP3044": 220,
        "P22_POP4559": 200,
        "P22_POP6074": 130,
        "P22_POP7589": 60,
        "P22_POP90P": 10,
        "P11_POP": 900,
        "C22_MENPSEUL": 150,
        "C22_MENFAM": 270,
        "C22_FAMMONO": 60,
        "C22_COUPAENF": 120,
        "C22_COUPSENF": 90,
        "P22_ACT1524": 60,
        "P22_ACT2554": 330,
        "P22_ACT5564": 70,
        "P22_CHOM1524": 15,
        "P22_CHOM2554": 38,
        "P22_CHOM5564": 7,
    },
    DERIVED: {
        "pop_tot": 970,
        "pop_0_14": 175,
        "pop_15_29": 195,
        "pop_18_24": 80,
        "pop_75p": 65,
        "pop_act_15p": 450,
        "pop_chom": 55,
        "pop_cadres": 60,
        "pop_interm": 100,
        "pop_empl": 130,
        "pop_ouvr": 90,
        "pop_scol_18_24": 40,
        "pop_non_scol_15p": 700,
        "pop_dipl_aucun": 200,
        "pop_dipl_bepc": 40,
        "pop_dipl_capbep": 150,
        "pop_dipl_bac": 120,
        "pop_dipl_sup2": 70,
        "pop_dipl_sup34": 60,
        "pop_dipl_sup": 60,
        "log_rp": 410,
        "log_proprio": 150,
        "log_loc": 250,
        "log_hlm": 120,
        "log_sec": 5,
        "log_maison": 80,
        "log_appart": 330,
    },
}
VARYING = {
    "P22_CHOM1564",
    "P22_CHOM1524",
    "C22_FAMMONO",
    "pop_dipl_aucun",
    "log_hlm",
}  # so that communes differ
CODE_COLUMNS = {COMPARATEUR: "CODGEO", DOSSIER: "CODGEO", DERIVED: "code_insee"}


def square(n, size=0.01):
    x, y = 8.7 + n * size, 41.9
    return [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]


def feature(code, name, coordinates, kind="Polygon"):
    return {
        "type": "Feature",
        "properties": {"code": code, "nom": name},
        "geometry": {"type": kind, "coordinates": coordinates},
    }


def write_boundaries(path, codes=CODES, names=None, shapes=None):
    names = names or [f"Commune {n}" for n in range(len(codes))]
    shapes = shapes or {}
    features = [
        feature(c, name, shapes.get(c, square(n))) for n, (c, name) in enumerate(zip(codes, names))
    ]
    Path(path).write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )


def filosofi_text(codes=CODES):
    header = [
        "CODGEO",
        "NBMENFISC21",
        "NBPERSMENFISC21",
        "MED21",
        *(f"{v}21" for v in FILOSOFI_RATES),
        "D121",
        "D921",
        "RD21",
    ]
    rows = [
        [
            c,
            str(100 * (n + 1)),
            str(250 * (n + 1)),
            str(20000 + 1000 * n),
            *[f"{10 + n + k / 10:.1f}".replace(".", ",") for k in range(len(FILOSOFI_RATES))],
            "10000",
            "35000",
            "3,5",
        ]
        for n, c in enumerate(codes)
    ]
    return "\n".join(";".join(r) for r in [header, *rows]) + "\n"


def counts_text(name, codes=CODES, names=None):
    """One of the census tables: counts proportional to the commune's rank, a few varying more."""
    columns = COUNTS[name]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    with_names = name == DERIVED
    writer.writerow([CODE_COLUMNS[name], *(["commune"] if with_names else []), *columns])
    for n, code in enumerate(codes):
        values = [
            v * (n + 1) + (5 * n if column in VARYING else 0) for column, v in columns.items()
        ]
        writer.writerow([code, *([names[n]] if with_names else []), *values])
    return buffer.getvalue()


def write_departement(root, codes=CODES, names=None):
    """Boundaries and the four tables of a few communes of département 2A (or of the codes' own)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    names = names or [f"Commune {n}" for n in range(len(codes))]
    write_boundaries(root / BOUNDARIES, codes, names)
    (root / FILOSOFI).write_text(filosofi_text(codes), encoding="utf-8")
    for name in COUNTS:
        (root / name).write_text(counts_text(name, codes, names), encoding="utf-8")
    return root


def command(*args):
    return [sys.executable, "-m", "portrait", *map(str, args)]


def environment():
    """No shared cache: each fake data directory is read from its files."""
    return {**os.environ, "PORTRAIT_CACHE": "off"}


def run(*args, timeout=600):
    return subprocess.run(
        command(*args), capture_output=True, text=True, cwd=ROOT, env=environment(), timeout=timeout
    )


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
    return {
        p.relative_to(directory): p.read_bytes()
        for p in sorted(Path(directory).rglob("*"))
        if p.is_file()
    }
