"""`portrait catalogue`: every catalogue entry in every format, text escaped, files written atomically."""

import csv
import io
import re
from types import SimpleNamespace

import pytest

from indicators.catalogue import load_catalogue
from portrait.dictionary import FIELDS, POLARITY_LABELS, dictionary
from tests.portrait.test_cli_indicators import assert_one_line_error, run

HOSTILE = {
    "id": "test_echappement",
    "label": "Taux <script>alert('x')</script> & co",
    "theme": "revenus",
    "unit": "%",
    "polarity": "higher_is_worse",
    "definition": 'Part <b>grasse</b> & « guillemets » "doubles" | pipe * étoile.',
    "aggregation": "non agrégeable <i>",
    "formulas": [{"source": "filosofi", "vintage": 2021, "value": "TP60"}],
}


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_every_entry_in_every_format(catalogue):
    ids = [indicator.id for indicator in catalogue]
    assert len(ids) >= 35
    markdown = dictionary(catalogue, "md")
    page = dictionary(catalogue, "html")
    rows = list(csv.DictReader(io.StringIO(dictionary(catalogue, "csv"))))
    assert sorted(r["id"] for r in rows) == sorted(ids) and len(rows) == len(ids)
    for indicator in catalogue:
        assert f"(`{indicator.id}`)" in markdown, indicator.id
        assert f'<tr id="{indicator.id}">' in page, indicator.id
    assert markdown.count("\n### ") == len(ids)
    assert page.count("<tr id=") == len(ids)


def test_csv_fields_are_complete_and_french(catalogue):
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(dictionary(catalogue, "csv")))}
    assert list(next(iter(rows.values()))) == list(FIELDS)
    poverty = rows["taux_pauvrete"]
    assert poverty["theme"] == "Revenus et pauvreté"
    assert poverty["polarity"] == "plus élevé = plus défavorable"
    assert poverty["unit"] == "%"
    assert "2021 : TP60 (Insee, Filosofi)" in poverty["formulas"]
    assert (
        poverty["sources"]
        == "Insee, Filosofi (fichier localisé social et fiscal), revenus disponibles"
    )
    assert poverty["licence"] == "Licence Ouverte / Open Licence, Insee"
    assert poverty["vintages"].startswith("2021 ; 2020 ; 2019")
    for row in rows.values():
        assert row["polarity"] in POLARITY_LABELS.values(), row["id"]
        for name in (
            "label",
            "theme",
            "definition",
            "formulas",
            "unit",
            "sources",
            "vintages",
            "aggregation",
            "licence",
        ):
            assert row[name].strip(), (row["id"], name)


def test_derived_entries_show_what_they_combine(catalogue):
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(dictionary(catalogue, "csv")))}
    evolution = next(i for i in catalogue if getattr(i, "evolution", None))
    assert evolution.evolution["of"] in rows[evolution.id]["formulas"]
    assert rows[evolution.id]["sources"]


def test_entries_of_any_kind_are_listed():
    """Whatever the catalogue iterates over is listed, even entries with few attributes."""
    odd = SimpleNamespace(
        id="croise_test",
        label="Indicateur croisé",
        theme="croises",
        unit="ratio",
        polarity="neutral",
    )

    class Catalogue:
        themes = {"croises": "Indicateurs croisés"}

        def __iter__(self):
            return iter([odd])

    catalogue = Catalogue()
    for fmt in ("md", "html", "csv"):
        assert "croise_test" in dictionary(catalogue, fmt)
    assert "Indicateurs croisés" in dictionary(catalogue, "html")


@pytest.fixture(scope="module")
def hostile():
    """The shipped catalogue plus an entry whose text would break HTML or Markdown if not escaped."""
    catalogue = load_catalogue()
    catalogue.add(HOSTILE)
    return catalogue


def test_html_is_escaped_standalone_and_accessible(hostile):
    page = dictionary(hostile, "html")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="fr">' in page
    assert "<script" not in page and "<b>" not in page and "<i>" not in page
    assert "Taux &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in page
    assert "&quot;doubles&quot;" in page
    assert (
        "<style>" in page
        and "<caption>" in page
        and '<th scope="col">' in page
        and '<th scope="row">' in page
    )
    assert not re.search(r"(src|href)=|https?://|<link|@import", page)


def test_markdown_escapes_formatting(hostile):
    text = dictionary(hostile, "md")
    assert r"\<script\>" in text and r"\| pipe \* étoile" in text


def test_cli_writes_the_file_atomically(tmp_path):
    out = tmp_path / "dictionnaire.html"
    result = run("catalogue", "--format", "html", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["dictionnaire.html"]
    assert "Écrit" in result.stderr


def test_cli_prints_markdown_and_reports_a_bad_destination(tmp_path):
    result = run("catalogue")
    assert result.returncode == 0 and result.stdout.startswith("# Dictionnaire des indicateurs")
    missing = tmp_path / "nowhere" / "dictionnaire.md"
    assert_one_line_error(run("catalogue", "--out", str(missing)), str(missing), "cannot write")
