"""A document the observatory can publish: at most 20 pages, few half-empty ones, each figure once
per part, sentences with their year, type names that hold for every member, examples labelled."""

import re
import shutil
import subprocess

import pytest
from PIL import Image
from pypdf import PdfReader

from indicators.typology import typology
from reports.model import build_portrait
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples" / "pst"
LIMITS = {"93001-aubervilliers": 20, "93066-saint-denis": 20, "93015-coubron": 16}


@pytest.fixture(scope="module")
def site(tmp_path_factory, data_dir):
    from portrait.pipeline import build

    out = tmp_path_factory.mktemp("v2")
    pst = shutil.copytree(EXAMPLES, tmp_path_factory.mktemp("pst") / "pst")
    build(
        "93",
        out=out,
        communes=["93001", "93066", "93015"],
        formats={"html", "pdf"},
        data_dir=data_dir,
        pst_dir=pst,
        jobs=2,
        log=lambda *_: None,
    )
    return out


def pdf_of(site, folder):
    return site / folder / f"portrait-{folder}.pdf"


def used_share(png):
    """Share of the rows between header and footer that hold ink, or lie within 2 px of some."""
    image = Image.open(png).convert("L")
    width, height = image.size
    pixels = image.load()
    ink = [any(pixels[x, y] < 200 for x in range(0, width, 2)) for y in range(height)]
    top, bottom = int(height * 0.08), int(height * 0.92)
    used = sum(1 for y in range(top, bottom) if any(ink[max(0, y - 2) : y + 3]))
    return used / (bottom - top)


@pytest.mark.parametrize("folder", sorted(LIMITS))
def test_the_portrait_is_short_and_its_pages_are_used(site, folder, tmp_path):
    pdf = pdf_of(site, folder)
    pages = len(PdfReader(pdf).pages)
    assert pages <= LIMITS[folder]
    subprocess.run(["pdftoppm", "-png", "-r", "30", pdf, tmp_path / "p"], check=True)
    shares = [used_share(p) for p in sorted(tmp_path.glob("p-*.png"))]
    assert len(shares) == pages and sum(s < 0.5 for s in shares) <= 3, shares


@pytest.mark.parametrize("folder", ["93001-aubervilliers", "93066-saint-denis"])
def test_few_values_are_said_unavailable_and_the_references_are_shown(site, folder):
    text = " ".join(page.extract_text() for page in PdfReader(pdf_of(site, folder)).pages)
    assert text.count("n.d.") <= 20
    # the published references of the earlier vintage keep their line (Filosofi 2019)
    assert "(références 2019)" in text and "18 070 €" in text.replace("\u202f", " ").replace(
        "\u00a0", " "
    )


@pytest.mark.parametrize("code", ["93001", "93066", "93015", "93048"])
def test_no_figure_is_printed_twice_in_a_part(territory, code):
    portrait = build_portrait(territory, code)
    assert 4 <= len(portrait.sections) <= 5
    for section in portrait.sections:
        lines = [(r.id, r.vintage) for r in section.rows]
        assert len(lines) == len(set(lines)), section.id
        assert len({r.id for r in section.rows if not r.earlier}) == len(
            [r for r in section.rows if not r.earlier]
        )
        kinds = [c.kind for c in section.charts]
        assert "refs" not in kinds  # it would print the table's rates a second time
        assert len({c.id for c in section.charts}) == len(section.charts)
        assert 1 <= len(section.sentences) <= 4


def test_the_figures_of_the_actors_block_are_not_printed_beside_the_table(site):
    for folder in ("93001-aubervilliers", "93066-saint-denis"):
        html = (site / folder / "index.html").read_text(encoding="utf-8")
        text = " ".join(p.extract_text() for p in PdfReader(pdf_of(site, folder)).pages)
        assert "Les chiffres du thème" not in html and "Les chiffres du thème" not in text


def test_every_sentence_of_a_part_has_its_year(territory):
    for code in territory.communes["code"]:
        for section in build_portrait(territory, code).sections:
            for sentence in section.sentences:
                assert re.search(r"\b(19|20)\d\d\b", sentence.text), sentence.text


def test_the_population_is_said_as_a_share_of_the_departement_with_its_trend(territory):
    sentence = build_portrait(territory, "93001").sections[0].sentences[0].text
    population = territory.value("93001", "population", 2022)["value"]
    departement = territory.value("93", "population", 2022)["value"]
    share = f"{population / departement * 100:.1f}".replace(".", ",")
    assert sentence.startswith("En 2022, Aubervilliers compte 89\u00a0489\u00a0habitants")
    assert f"soit {share}\u00a0% de la population de la Seine-Saint-Denis" in sentence
    assert (
        "Depuis 2011, sa population a augmenté de 18,4\u00a0%, plus que celle du département"
        in sentence
    )


def test_a_part_title_rests_on_the_largest_gap_not_an_old_or_minor_rank(territory):
    titles = {s.id: s.title for s in build_portrait(territory, "93001").sections}
    assert (
        titles["demographie"]
        == "Une population qui croît nettement plus vite que celle du département"
    )
    emploi = build_portrait(territory, "93001").sections[3]
    headline = emploi.headline.facts
    assert headline.year >= max(r.vintage for r in emploi.rows) - 3


def test_a_type_s_words_hold_for_every_member(territory):
    result = typology(territory)
    table = territory.table
    for _, kind in result.types.iterrows():
        members = result.assignments[result.assignments["type"] == kind["type"]]["code"]
        for indicator, direction in kind["words"]:
            vintage = int(
                result.profiles.query("type == @kind.type and indicator == @indicator")[
                    "vintage"
                ].iloc[0]
            )
            rows = table[(table["indicator"] == indicator) & (table["vintage"] == vintage)]
            departement = rows.loc[rows["code"] == territory.dept, "value"].iloc[0]
            values = rows.set_index("code")["value"].reindex(members).dropna()
            if direction == "high":
                assert (values > departement).all(), (kind["label"], indicator)
            else:
                assert (values < departement).all(), (kind["label"], indicator)


def test_example_blocks_carry_the_label_in_the_page_and_the_pdf(site):
    folder = "93001-aubervilliers"
    html = (site / folder / "index.html").read_text(encoding="utf-8")
    text = " ".join(p.extract_text() for p in PdfReader(pdf_of(site, folder)).pages).upper()
    projects = html.count('<article class="project">')
    observations = html.count('class="observations"')
    assert projects >= 2 and observations >= 1
    labels = html.count('class="example-label"')
    assert (
        labels >= projects + observations + 2
    )  # each project, each block of words, meetings, follow-up
    assert text.count("EXEMPLE FICTIF") >= projects + observations + 2
    coubron = (site / "93015-coubron" / "index.html").read_text(encoding="utf-8")
    assert "example-label" not in coubron  # nothing invented there: no label


def test_the_publisher_and_the_producers_are_named(site):
    text = " ".join(p.extract_text() for p in PdfReader(pdf_of(site, "93001-aubervilliers")).pages)
    assert (
        text.count(
            "Service de l'Observatoire départemental (DSOE), Département de la Seine-Saint-Denis"
        )
        >= 10
    )
    assert "Insee, recensement de la population 2022, exploitation principale" in text
    assert "Insee, Filosofi 2021" in text
    assert "datas.fun" not in text and "questionr" not in text
    assert (site / "methodes-93.pdf").is_file()
