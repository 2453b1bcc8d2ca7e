"""Built portraits: figures in the PDF and HTML equal the raw files, sentences are true, writes are safe."""

import math
import re
import shutil
import subprocess
import sys

import pytest
from pypdf import PdfReader

from reports.formatting import format_rank, format_value, shown_decimals
from reports.model import build_portrait
from tests.conftest import ROOT, french_float, read_raw

COMMUNES = ("93001", "93066")


def normalise(text):
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


@pytest.fixture(scope="module")
def site(tmp_path_factory, data_dir):
    from portrait.pipeline import build

    out = tmp_path_factory.mktemp("site")
    build("93", out=out, communes=list(COMMUNES), data_dir=data_dir, jobs=1, log=lambda *_: None)
    return out


def pdf_text(site, folder):
    reader = PdfReader(next((site / folder).glob("portrait-*.pdf")))
    return normalise(" ".join(page.extract_text() for page in reader.pages)), len(reader.pages)


def test_files_of_each_commune(site):
    for folder in ("93001-aubervilliers", "93066-saint-denis"):
        names = {p.name for p in (site / folder).iterdir()}
        assert {"index.html", f"portrait-{folder}.pdf", f"indicateurs-{folder}.csv"} <= names
    assert (site / "index.html").exists() and (site / "assets" / "portrait.css").exists()


def test_pdf_has_the_name_and_key_figures_from_the_raw_files(site, data_dir):
    filosofi = {r["CODGEO"]: r for r in read_raw(next(data_dir.rglob("cc_filosofi_2021_COM.csv")))}
    comparateur = {
        r["CODGEO"]: r for r in read_raw(next(data_dir.rglob("base_cc_comparateur_93-94.csv")))
    }
    text, pages = pdf_text(site, "93001-aubervilliers")
    assert "Aubervilliers" in text and "Portrait de ville" in text
    poverty = french_float(filosofi["93001"]["TP6021"])
    median = float(filosofi["93001"]["MED21"])
    population = float(comparateur["93001"]["P22_POP"])
    # Filosofi publishes commune poverty rates as whole numbers ("42,0" in the file): printed without a decimal
    assert all(r["TP6021"].endswith(",0") for c, r in filosofi.items() if c.startswith("93"))
    for expected in (
        format_value(poverty, "%", 0),
        format_value(median, "€"),
        format_value(population, "habitants"),
    ):
        assert normalise(expected) in text, expected
    assert (
        "42 %" in text
        and "42,0 %" not in text
        and "15 330 €" in text
        and "89 489 habitants" in text
    )
    tied = [
        c
        for c, r in filosofi.items()
        if c.startswith("93") and r["TP6021"] == filosofi["93001"]["TP6021"]
    ]
    assert len(tied) == 3 and "1re ex aequo sur 39" in text
    assert f"page 1 / {pages}" in text and "Sommaire" in text
    assert "Licence Ouverte" in text


def test_pdf_names_published_references_and_estimates(site, data_dir):
    """The France entière value cites its publication, estimates say so, earlier references have their line."""
    text, _ = pdf_text(site, "93001-aubervilliers")
    cited = sorted(
        r["source"]
        for r in read_raw(data_dir / "references" / "insee-publications.csv")
        if r["code"] == "FE"
    )
    assert (
        f"France entière : {cited[0]}" in text
    )  # the note of the France column, with the publication
    assert (
        "11,7 %" in text
    )  # France entière, unemployment of the 15-64 in 2022: 3 688 459 / 31 487 783
    assert "28 % (e)" in text and "(e) estimation à partir des communes" in text
    assert (
        "Niveau de vie médian (références 2019) 2019 14 640 €" in text
        and "18 070 € 24 060 € 21 930 €" in text
    )


def test_pdf_of_the_merged_commune_explains_the_missing_median(site):
    text, _ = pdf_text(site, "93066-saint-denis")
    assert "Saint-Denis" in text and "148 907 habitants" in text
    assert "n.d." in text and "périmètre de l'ancienne commune" in text and "16 620 €" in text


def test_html_holds_the_same_figures(site):
    html = normalise((site / "93001-aubervilliers" / "index.html").read_text(encoding="utf-8"))
    for expected in ("42 %", "15 330 €", "89 489 habitants", "1re ex aequo sur 39"):
        assert expected in html
    assert 'lang="fr"' in html
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="93001-aubervilliers/index.html"' in index


def test_every_chart_has_alt_text_and_a_data_table(site):
    html = (site / "93066-saint-denis" / "index.html").read_text(encoding="utf-8")
    images = re.findall(r"<img [^>]*>", html)
    assert len(images) >= 10
    assert all(re.search(r'alt="[^"]{20,}"', img) for img in images)
    assert html.count('class="chart-data"') >= 8
    levels = [int(h) for h in re.findall(r"<h([1-6])", html)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:]))


def test_csv_carries_every_figure_with_source_and_vintage(site):
    rows = read_raw(site / "93001-aubervilliers" / "indicateurs-93001-aubervilliers.csv", sep=",")
    poverty = next(r for r in rows if r["indicator"] == "taux_pauvrete" and r["vintage"] == "2021")
    assert (
        float(poverty["value"]) == 42.0
        and poverty["source"].startswith("Insee, Filosofi")
        and poverty["definition"]
    )


def test_every_generated_sentence_is_true(territory):
    for code in territory.communes["code"]:
        portrait = build_portrait(territory, code)
        for sentence in portrait.sentences:
            facts = sentence.facts
            row = territory.value(code, facts.indicator)
            assert row["value"] == facts.value
            if facts.ref is not None:  # counts are never compared with the département's total
                assert row["departement_value"] == facts.ref or (
                    math.isnan(row["departement_value"]) and math.isnan(facts.ref)
                )
            for key, wanted in sentence.when.items():
                assert getattr(facts, key) == wanted
            n, rank = facts.rank_of, facts.rank
            edge = max(3, round(n * 0.1)) if n == n else 0
            if sentence.when.get("position") == "top":
                peers = territory.table.query(
                    "indicator == @facts.indicator and level == 'commune' and vintage == @row.vintage"
                )["value"]
                places = shown_decimals(
                    territory.catalogue[facts.indicator].unit, facts.decimals
                )  # ranked as printed
                assert (
                    rank <= edge and (peers.round(places) > round(facts.value, places)).sum() < edge
                )
            if sentence.when.get("position") == "bottom":
                assert rank > n - edge
            gap = sentence.when.get("gap", "")
            if "above" in gap:
                assert facts.value > facts.ref
            if "below" in gap:
                assert facts.value < facts.ref
            if sentence.when.get("sign") == "negative":
                assert facts.value < 0
            indicator = territory.catalogue[facts.indicator]
            if indicator.label in sentence.text:
                assert (
                    format_value(
                        facts.value, indicator.unit, shown_decimals(indicator.unit, facts.decimals)
                    )
                    in sentence.text
                )
                assert (
                    re.search(r"\d{4}", indicator.label)
                    or f" en {int(row['vintage'])} : " in sentence.text
                    or f" ({facts.years}) : " in sentence.text
                )
            if indicator.label in sentence.text and sentence.when.get("gap") in (
                "well_above",
                "well_below",
            ):  # they print the département's value
                dept = territory.value(territory.dept, facts.indicator, int(row["vintage"]))
                assert ("estimation à partir des communes" in sentence.text) == bool(
                    dept["estimate"]
                )
            if "sur 39" in sentence.text:
                assert format_rank(facts.rank, facts.rank_of, facts.ties) in sentence.text
                assert ("ex aequo" in sentence.text) == (facts.ties > 1)


def test_rebuilding_one_commune_leaves_the_others_untouched(site, data_dir):
    from portrait.pipeline import build

    other = site / "93066-saint-denis"
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in other.iterdir()}
    build(
        "93",
        out=site,
        communes=["aubervilliers"],
        formats={"csv"},
        data_dir=data_dir,
        jobs=1,
        log=lambda *_: None,
    )
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in other.iterdir()}
    assert before == after


def test_failed_build_leaves_earlier_output_intact(site, tmp_path, data_dir):
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    before = {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    broken = tmp_path / "data"
    shutil.copytree(data_dir, broken)
    (broken / "insee" / "cc_filosofi_2021_COM.csv").write_text(
        "CODGEO;NBMENFISC21;MED21;TP6021\n93001;x;1;1\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "portrait",
            "build",
            "--dept",
            "93",
            "--out",
            str(copy),
            "--data",
            str(broken),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "cc_filosofi_2021_COM.csv: line 2, column NBMENFISC21" in result.stderr
    after = {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    assert before == after


def test_crossed_indicators_in_html_pdf_csv_and_synthesis(site):
    html = (site / "93066-saint-denis" / "index.html").read_text(encoding="utf-8")
    assert (
        'id="croises"' in html and "Indice de fragilité" in html and "Communes comparables" in html
    )
    assert "Double exposition" in html or "exposition" in html.lower()
    text, _ = pdf_text(site, "93066-saint-denis")
    assert "au croisement des indicateurs" in text and "Type de commune" in text
    rows = read_raw(site / "93066-saint-denis" / "indicateurs-93066-saint-denis.csv", sep=",")
    assert any(r["indicator"] == "rapport_chomage_jeunes" for r in rows)
    synthesis = (site / "synthese.html").read_text(encoding="utf-8")
    assert "Typologie des communes" in synthesis and "Indice de fragilité des communes" in synthesis
    pdf = PdfReader(site / "synthese-93.pdf")
    assert "Synthèse départementale" in normalise(" ".join(p.extract_text() for p in pdf.pages))


def test_group_portrait(tmp_path_factory, data_dir):
    from portrait.pipeline import build

    out = tmp_path_factory.mktemp("groups")
    build(
        "93",
        out=out,
        groups=["200057867"],
        formats={"html", "pdf"},
        data_dir=data_dir,
        jobs=1,
        log=lambda *_: None,
    )
    folder = out / "200057867-plaine-commune-t6"
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert "Portrait de territoire" in html and "Les 8 communes de Plaine Commune (T6)" in html
    text = normalise(
        " ".join(p.extract_text() for p in PdfReader(next(folder.glob("*.pdf"))).pages)
    )
    assert "Plaine Commune (T6)" in text and "36,1 %" in text and "Aubervilliers" in text
