"""Meeting packs and the observation questionnaire: what the PDF and the DOCX say, read back from
the files, and decisions written back into a PST file showing in the next build."""

import datetime as dt
import re
import shutil

import pytest
from docx import Document
from pypdf import PdfReader

from portrait.pack import DEFAULT_AGENDA, pack_content, write_pack, write_questionnaire
from reports.pst_view import pst_view
from reports.pstfiles.observations import check_file, commune_observations, iris_communes, load_file
from reports.pstfiles.pst import load_pst
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples" / "pst"
TODAY = dt.date(2026, 11, 27)


def flat(text):
    """Extracted text on one line, the non-breaking spaces of French figures as plain spaces and
    the words broken at a hyphen at the end of a table line joined again."""
    return re.sub(
        r"(\w)- (?=\w)",
        r"\1-",
        " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split()),
    )


def pdf_text(path):
    return flat(" ".join(page.extract_text() for page in PdfReader(path).pages))


def docx_text(path):
    """Paragraphs and table cells in reading order."""
    parts = []
    for block in Document(path).iter_inner_content():
        rows = getattr(block, "rows", None)
        parts += (
            [cell.text for row in rows for cell in row.cells] if rows is not None else [block.text]
        )
    return flat(" ".join(parts))


@pytest.fixture(scope="module")
def saint_denis(territory):
    pst = load_pst(EXAMPLES / "93066.yaml")
    observations = commune_observations(EXAMPLES, "93066", iris_communes(territory.iris_shapes()))
    return pst, observations


@pytest.fixture(scope="module")
def pack(tmp_path_factory, territory, saint_denis):
    out = tmp_path_factory.mktemp("packs")
    pst, observations = saint_denis
    pdf, docx = write_pack(
        territory, "93066", "concertation", out, TODAY, pst, observations, example=True
    )
    return pdf, docx, pdf_text(pdf), docx_text(docx)


def test_pack_files_are_named_after_the_meeting_and_written_whole(pack):
    pdf, docx, _, _ = pack
    assert (
        pdf.name == "pack-93066-concertation-2027-01-21.pdf"
        and docx.name == "pack-93066-concertation-2027-01-21.docx"
    )
    assert sorted(p.name for p in pdf.parent.iterdir()) == [
        docx.name,
        pdf.name,
    ]  # no temporary file left
    assert 4 <= len(PdfReader(pdf).pages) <= 6


@pytest.mark.parametrize("which", [2, 3], ids=["pdf", "docx"])
def test_pack_says_what_the_meeting_needs(pack, saint_denis, which):
    text = pack[which]
    pst, _ = saint_denis
    assert (
        "Dossier de séance" in text
        and "Concertation locale du 21 janvier 2027" in text
        and "Exemple fictif" in text
    )
    assert "Point d'étape annuel" in text and "Suite à donner à la piste emploi des femmes" in text
    assert "Population municipale" in text and "148 907 habitants" in text and "29,1 %" in text
    assert "Une part de familles monoparentales parmi les plus élevées du département" in text
    starts = [text.index(p.title) for p in pst.projects]
    for n, project in enumerate(pst.projects):
        segment = text[
            starts[n] : starts[n + 1] if n + 1 < len(starts) else text.index("Tableau de suivi")
        ]
        assert project.status in segment, (project.title, segment)
    follow_up = text[text.index("Tableau de suivi") :]
    assert "1 action en retard" in follow_up
    overdue = follow_up.index("Rédiger le bilan à un an des permanences mobiles")
    assert overdue < min(
        follow_up.index(a.action) for a in pst.follow_up if a.id != "bilan-permanences"
    )
    assert "en retard" in follow_up[overdue : overdue + 120]


@pytest.mark.parametrize("which", [2, 3], ids=["pdf", "docx"])
def test_pack_shows_observations_since_the_last_meeting_and_a_minutes_page(pack, which):
    text = pack[which]
    actors = text[text.index("Ce qu'en disent les acteurs") :]
    assert (
        "3 observations recueillies depuis la dernière réunion (concertation locale du 24 juin 2026)"
        in actors
    )
    assert (
        "« Dans le centre-ville, des personnes âgées seules" in actors
        and "« À la Saussaie" in actors
    )
    assert (
        "En résumé : Logements dégradés et loyers en hausse" in actors and "humidité" not in text
    )  # summarised only
    assert "Au Franc-Moisin" not in text  # gathered before the last meeting
    minutes = text[text.index("Compte rendu") :]
    assert (
        "Décisions à reporter dans le fichier PST" in minutes
        and "Décision Responsable Échéance" in minutes
    )
    assert "follow_up" in minutes and "docs/pst.md" in minutes


def test_docx_decision_table_has_empty_rows(pack):
    table = Document(pack[1]).tables[-1]
    assert [c.text for c in table.rows[0].cells] == ["Décision", "Responsable", "Échéance"]
    assert len(table.rows) == 9 and all(c.text == "" for row in table.rows[1:] for c in row.cells)


def test_default_agenda_when_the_file_plans_no_such_meeting(tmp_path, territory):
    pst = load_pst(EXAMPLES / "93001.yaml")
    pdf, docx = write_pack(territory, "93001", "conference", tmp_path, TODAY, pst, None)
    assert pdf.name == "pack-93001-conference-2026-11-27.pdf"
    text = pdf_text(pdf)
    assert (
        all(item in text for item in DEFAULT_AGENDA["conference"])
        and "réunion non inscrite au fichier PST" in text
    )
    assert (
        "0 observation recueillie depuis la dernière réunion" in text
        and "2 actions en retard" in text
    )
    assert "89 489 habitants" in docx_text(docx)


def test_commune_without_pst_still_gets_its_figures(territory):
    content = pack_content(territory, "93005", "concertation", TODAY)
    assert (
        content["pst"] is None
        and content["agenda"] == DEFAULT_AGENDA["concertation"]
        and not content["example"]
    )
    assert (
        content["key_figures"][0]["label"] == "Population municipale"
        and content["observations"] == []
    )


def test_decisions_and_actions_written_back_show_in_the_next_build(tmp_path, territory):
    """docs/pst.md: a decision goes in the meeting's `decisions`, a new action in `follow_up`."""
    text = (EXAMPLES / "93066.yaml").read_text(encoding="utf-8")
    meeting = "      agenda:\n        - Point d'étape annuel\n        - Suite à donner à la piste emploi des femmes\n"
    assert meeting in text
    text = text.replace(
        meeting,
        meeting
        + "      decisions:\n        - Étendre les permanences mobiles au quartier Pleyel\n",
    )
    text += (
        "  - id: permanence-pleyel\n    action: Ouvrir une permanence mobile à Pleyel\n"
        "    owner: Service social départemental\n    due: 2027-04-30\n    status: à faire\n"
    )
    (tmp_path / "93066.yaml").write_text(text, encoding="utf-8")
    pst = load_pst(tmp_path / "93066.yaml")
    view = pst_view(pst, territory, "93066", today=dt.date(2027, 5, 15))
    held = next(m for m in view["meetings"] if m["iso"] == "2027-01-21")
    assert held["decisions"] == ["Étendre les permanences mobiles au quartier Pleyel"]
    action = next(a for a in view["actions"] if a["id"] == "permanence-pleyel")
    assert (
        action["owner"] == "Service social départemental"
        and action["due"] == "30 avril 2027"
        and action["overdue"]
    )
    assert (
        view["actions"][0]["overdue"] and view["overdue"] == 3
    )  # overdue actions first, the new one among them
    nxt = pack_content(territory, "93066", "concertation", dt.date(2027, 5, 15), pst)
    assert any(a["id"] == "permanence-pleyel" for a in nxt["pst"]["actions"])


def test_questionnaire_one_page_per_theme_and_its_observation_rows(
    tmp_path, territory, saint_denis
):
    pst, _ = saint_denis
    pdf, skeleton = write_questionnaire(territory, "93066", tmp_path, dt.date(2025, 9, 1), pst)
    assert (
        pdf.name == "questionnaire-93066-2025-10-07.pdf"
        and skeleton.name == "observations-93066-2025-10-07.yaml"
    )
    pages = [flat(page.extract_text()) for page in PdfReader(pdf).pages]
    themes = territory.catalogue.themes
    assert len(pages) == 1 + len(themes)
    assert (
        "Conférence sociale locale du 7 octobre 2025" in pages[0] and "Exemple fictif" in pages[0]
    )
    for page, label in zip(pages[1:], themes.values()):
        assert (
            label in page
            and "Vous êtes" in page
            and "peuvent être cités (sans nom)" in page
            and "à résumer seulement" in page
        )
        assert all(
            kind in page
            for kind in (
                "professionnel du Département",
                "ville / CCAS",
                "centre social",
                "association",
                "habitant",
            )
        )
        assert (
            2 <= len(re.findall(r"\((?:20\d\d)\)", page)) <= 3
        )  # the theme's 2-3 figures, each with its year
    assert (
        "36 % (e) (2021)" in pages[-1]
    )  # whole-number rates of Saint-Denis and Pierrefitte, re-weighted: an estimate
    folder = tmp_path / "pst" / "observations"
    folder.mkdir(parents=True)
    target = folder / "93066.yaml"
    shutil.copy(skeleton, target)
    assert check_file(target)[1] == []
    target.write_text(
        re.sub(r"^(\s*)# (- |  )", r"\1\2", skeleton.read_text(encoding="utf-8"), flags=re.M),
        encoding="utf-8",
    )
    assert len(load_file(target).observations) == len(themes)


def test_cli_pack_and_questionnaire(tmp_path, territory, monkeypatch, capsys):
    import indicators
    from portrait.cli import main

    monkeypatch.setattr(indicators, "load_territory", lambda dept, data=None: territory)
    out = tmp_path / "out"
    assert (
        main(
            [
                "pack",
                "93066",
                "--meeting",
                "conference",
                "--date",
                "2026-11-27",
                "--pst",
                str(EXAMPLES),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert (out / "pack-93066-conference-2026-11-27.pdf").is_file() and (
        out / "pack-93066-conference-2026-11-27.docx"
    ).is_file()
    assert capsys.readouterr().out.startswith("Saint-Denis, dossier de séance : ")
    assert (
        main(
            [
                "questionnaire",
                "93066",
                "--date",
                "2026-11-27",
                "--pst",
                str(EXAMPLES),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert (out / "questionnaire-93066-2026-11-27.pdf").is_file() and (
        out / "observations-93066-2026-11-27.yaml"
    ).is_file()
    assert (
        main(
            ["pack", "93066", "--meeting", "conference", "--date", "2026-13-01", "--out", str(out)]
        )
        == 1
    )
    assert (
        capsys.readouterr().err
        == "error: --date '2026-13-01' is not a date (write AAAA-MM-JJ, e.g. 2026-03-18)\n"
    )
    assert main(["pack", "saint denis", "--meeting", "conference", "--out", str(out)]) == 1
    assert "is not a commune code" in capsys.readouterr().err
