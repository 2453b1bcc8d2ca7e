"""`portrait indicators`: the table, csv and json outputs, and one-line errors with exit code 1."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, write_fake_departement


def run(*args, env=None):
    environment = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "portrait", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
    )


def assert_one_line_error(result, *fragments):
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_csv_has_the_documented_columns(data_dir):
    result = run(
        "indicators",
        "--dept",
        "93",
        "--commune",
        "aubervilliers",
        "--format",
        "csv",
        "--data",
        str(data_dir),
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {
        "code",
        "name",
        "level",
        "indicator",
        "vintage",
        "value",
        "unit",
        "rank",
        "rank_of",
    } <= set(rows[0])
    poverty = next(
        r
        for r in rows
        if r["code"] == "93001" and r["indicator"] == "taux_pauvrete" and r["vintage"] == "2021"
    )
    assert float(poverty["value"]) == 42.0 and poverty["rank"] == "1.0" or poverty["rank"] == "1"
    assert {r["level"] for r in rows} == {"commune", "departement", "region", "france"}
    names = {r["name"] for r in rows}
    assert "Aubervilliers" in names and "Seine-Saint-Denis" in names


def test_names_with_articles_and_accent_insensitive_search(data_dir):
    result = run(
        "indicators",
        "--dept",
        "93",
        "--commune",
        "ile saint denis",
        "--format",
        "json",
        "--indicator",
        "population",
        "--data",
        str(data_dir),
    )
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert any(r["name"] == "L'Île-Saint-Denis" for r in records)
    table = run(
        "indicators",
        "--dept",
        "93",
        "--commune",
        "Épinay",
        "--indicator",
        "taux_pauvrete",
        "--data",
        str(data_dir),
    )
    assert "Épinay-sur-Seine" in table.stdout and "%" in table.stdout


def test_unknown_commune_suggests_close_names(data_dir):
    result = run("indicators", "--dept", "93", "--commune", "Saint-Dnis", "--data", str(data_dir))
    assert_one_line_error(result, "unknown commune 'Saint-Dnis'", "Saint-Denis")


def test_missing_data_directory(tmp_path):
    result = run("indicators", "--dept", "93", "--data", str(tmp_path / "nowhere"))
    assert_one_line_error(result, str(tmp_path / "nowhere"), "does not exist")


def test_table_without_its_code_column(tmp_path):
    root = write_fake_departement(tmp_path / "data")
    (root / "cc_filosofi_2021_COM.csv").write_text(
        "COMMUNE;NBMENFISC21;MED21;TP6021\n2A001;1;2;3\n"
    )
    result = run("indicators", "--dept", "2A", "--data", str(root))
    assert_one_line_error(result, "cc_filosofi_2021_COM.csv", "no 'CODGEO' column")


def test_boundary_file_with_duplicate_codes(tmp_path):
    root = write_fake_departement(tmp_path / "data", codes=("2A001", "2A001"))
    result = run("indicators", "--dept", "2A", "--data", str(root))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "duplicate" in result.stderr and "2A001" in result.stderr


def test_latin1_file_works(tmp_path):
    root = write_fake_departement(tmp_path / "data")
    (root / "rp2018.csv").write_bytes(
        "code_insee;commune;pop_tot;log_rp\n2A001;Île-Rousse;1000;400\n".encode("latin-1")
    )
    result = run(
        "indicators",
        "--dept",
        "2A",
        "--commune",
        "ile rousse",
        "--indicator",
        "population",
        "--data",
        str(root),
    )
    assert result.returncode == 0, result.stderr
    assert "Île-Rousse" in result.stdout


def test_any_departement_with_its_files(tmp_path):
    root = write_fake_departement(tmp_path / "data")
    result = run(
        "indicators",
        "--dept",
        "2A",
        "--format",
        "csv",
        "--indicator",
        "taux_pauvrete",
        "--data",
        str(root),
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    dept = next(r for r in rows if r["level"] == "departement" and r["vintage"] == "2021")
    expected = (250 * 10.5 + 500 * 11.5 + 750 * 12.5) / 1500
    assert float(dept["value"]) == pytest.approx(expected) and dept["name"] == "Corse-du-Sud"


def test_unknown_departement():
    result = run("indicators", "--dept", "99")
    assert_one_line_error(result, "unknown département code '99'")
