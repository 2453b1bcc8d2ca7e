"""`portrait compare`: two territories side by side, biggest differences first."""

import re
import subprocess
import sys

from pypdf import PdfReader

from reports.compare import compare
from tests.conftest import ROOT


def test_comparison_rows_and_order(territory):
    names = dict(zip(territory.communes["code"], territory.communes["name"]))
    result = compare(
        territory.table, territory.catalogue, "93001", "93066", names, territory.name, "aujourd'hui"
    )
    poverty = next(r for r in result.rows if r["id"] == "taux_pauvrete")
    # whole-number rates (Saint-Denis re-weighted with Pierrefitte: an estimate), so a gap in whole points
    assert (poverty["vintage"], poverty["a"], poverty["b"]) == (
        2021,
        "42\u00a0%",
        "36\u00a0%\u00a0(e)",
    )
    assert poverty["gap"] == "+6\u00a0points"
    scores = [r["score"] for r in result.rows]
    assert scores == sorted(scores, reverse=True) and len(result.rows) > 40
    table = territory.table
    communes = table[
        (table.level == "commune") & (table.indicator == "taux_pauvrete") & (table.vintage == 2021)
    ]["value"]
    assert poverty["score"] == abs(
        42.0
        - table.query("code == '93066' and indicator == 'taux_pauvrete' and vintage == 2021")[
            "value"
        ].iloc[0]
    ) / communes.std(ddof=0)


def test_compare_command_writes_page_and_pdf(tmp_path, data_dir):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "portrait",
            "compare",
            "aubervilliers",
            "saint denis",
            "--out",
            str(tmp_path),
            "--data",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "comparaison-aubervilliers-saint-denis.html").read_text(encoding="utf-8")
    assert "Aubervilliers et Saint-Denis" in html and "42\u00a0%" in html and "42,0" not in html
    text = " ".join(
        p.extract_text()
        for p in PdfReader(tmp_path / "comparaison-aubervilliers-saint-denis.pdf").pages
    )
    assert "Aubervilliers" in text and "Saint-Denis" in re.sub(r"\s+", " ", text)


def test_compare_a_group_and_unknown_names(tmp_path, data_dir):
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "portrait",
            "compare",
            "200057867",
            "200057875",
            "--dept",
            "93",
            "--out",
            str(tmp_path),
            "--data",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "comparaison-plaine-commune-t6-est-ensemble-t8.pdf").exists()
    bad = subprocess.run(
        [sys.executable, "-m", "portrait", "compare", "93001", "Nowhere", "--data", str(data_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert (
        bad.returncode == 1
        and bad.stderr.startswith("error: unknown commune 'Nowhere'")
        and len(bad.stderr.strip().splitlines()) == 1
    )
