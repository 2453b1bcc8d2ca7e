"""The PST section in the portraits: content, escaping of hostile text, exports, and a broken file."""

import re
import shutil
import subprocess
import sys

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import ROOT, read_raw

EXAMPLES = ROOT / "examples" / "pst"
HOSTILE_TITLE = '<script>alert("titre")</script> Projet'
HOSTILE_TEXT = '" onmouseover="alert(1)" <img src=x onerror=alert(2)>'
FORMULA = '=HYPERLINK("http://example.org/x","clic")'


@pytest.fixture(scope="module")
def pst_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pst")
    for path in EXAMPLES.glob("*.yaml"):
        shutil.copy(path, directory / path.name)
    text = (directory / "93001.yaml").read_text(encoding="utf-8")
    first_title = re.search(r"^    title: (.*)$", text, re.M).group(0)
    text = text.replace(first_title, f"    title: '{HOSTILE_TITLE}'", 1)
    text = re.sub(
        r"^    description: \|\n((?:      .*\n)+)",
        f"    description: '{HOSTILE_TEXT}'\n",
        text,
        count=1,
        flags=re.M,
    )
    text = text.replace(
        "comment: Appel à projets repoussé ; relancer les financeurs.",
        f"comment: '{FORMULA}'",
    )
    (directory / "93001.yaml").write_text(text, encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def site(tmp_path_factory, pst_dir, data_dir):
    from portrait.pipeline import build

    out = tmp_path_factory.mktemp("pst-site")
    build(
        "93",
        out=out,
        communes=["93001", "93066", "93005"],
        formats={"html", "pdf"},
        data_dir=data_dir,
        jobs=2,
        log=lambda *_: None,
        pst_dir=pst_dir,
    )
    return out


def test_hostile_text_stays_text_in_html(site):
    html = (site / "93001-aubervilliers" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#34;titre&#34;)&lt;/script&gt; Projet" in html
    assert "<script>alert" not in html
    assert not re.search(r"<[^>]*\sonmouseover=", html) and not re.search(r"<img[^>]*onerror", html)
    projects = (site / "projets.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in projects and "<script>alert" not in projects


def test_section_in_html_and_pdf_of_an_example_commune(site):
    html = (site / "93066-saint-denis" / "index.html").read_text(encoding="utf-8")
    assert "Exemple fictif" in html and 'id="pst"' in html and "pst-frise.png" in html
    reader = PdfReader(next((site / "93066-saint-denis").glob("*.pdf")))
    text = " ".join(p.extract_text() for p in reader.pages).replace("\u00a0", " ")
    assert "Les projets partagés de Saint-Denis" in text and "Exemple fictif" in text
    assert "Tableau de suivi" in text and "en retard" in text
    assert "Aller vers les familles monoparentales" in text


def test_commune_without_pst_says_so(site):
    html = (site / "93005-aulnay-sous-bois" / "index.html").read_text(encoding="utf-8")
    assert "Aucun projet social de territoire n'est enregistré pour Aulnay-sous-Bois." in html


def test_follow_up_exports_list_overdue_actions(site):
    rows = read_raw(site / "suivi-pst.csv", sep=",")
    assert {r["code"] for r in rows} == {"93001", "93048", "93066"}
    assert any(r["en_retard"] == "oui" for r in rows)
    sheet = load_workbook(site / "suivi-pst.xlsx").active
    assert sheet.max_row == len(rows) + 1 and sheet["A1"].value == "code"


def test_pst_text_never_becomes_a_spreadsheet_formula(site):
    """Formula injection: the workbook holds the text as text, the CSV neutralises it with a quote."""
    rows = read_raw(site / "suivi-pst.csv", sep=",")
    assert [r["commentaire"] for r in rows if "HYPERLINK" in r["commentaire"]] == ["'" + FORMULA]
    sheet = load_workbook(site / "suivi-pst.xlsx").active
    cells = [c for row in sheet.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert [(c.value, c.data_type) for c in cells] == [(FORMULA, "s")]


def test_links_are_http_or_relative(site):
    for page in (site / "93066-saint-denis" / "index.html", site / "projets.html"):
        for href in re.findall(r'href="([^"]*)"', page.read_text(encoding="utf-8")):
            assert re.match(r"(https?://|[#./a-zA-Z0-9])", href) and not href.lower().startswith(
                ("javascript:", "data:", "file:")
            ), href


def test_broken_pst_file_fails_clearly_and_keeps_earlier_output(site, pst_dir, tmp_path, data_dir):
    broken = tmp_path / "pst"
    shutil.copytree(pst_dir, broken)
    text = (
        (broken / "93066.yaml")
        .read_text(encoding="utf-8")
        .replace("status: en cours", "status: encours", 1)
    )
    (broken / "93066.yaml").write_text(text, encoding="utf-8")
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "portrait",
            "build",
            "--dept",
            "93",
            "--commune",
            "93066",
            "--out",
            str(site),
            "--pst",
            str(broken),
            "--data",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert "93066.yaml:" in line and "'encours' is not one of" in line
    assert before == {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_pdf_never_fetches_outside_the_assets():
    from reports.render import AssetFetcher, RefusedURL

    fetcher = AssetFetcher({"a.png": b"png"})
    for url in (
        "file:///etc/passwd",
        "https://example.org/x.png",
        "data:image/png;base64,AAAA",
        "file:///portrait-assets/../../etc/passwd",
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    assert fetcher.fetch("file:///portrait-assets/a.png").read() == b"png"
