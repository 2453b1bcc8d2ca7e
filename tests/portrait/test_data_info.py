"""`portrait data info`: sources, vintages, licences and fed indicators, read from headers only."""

import pytest

from indicators import sources
from indicators.catalogue import load_catalogue
from portrait.inventory import inventory, render
from tests.portrait.test_cli_indicators import assert_one_line_error, run

ACTIVITY_2016 = "insee/rp/base-ic-activite-residents-2016-idf.csv"


def linked_copy(data_dir, target, leave_out=()):
    """The data directory as symbolic links (no big file copied), without the files in `leave_out`."""
    for path in data_dir.rglob("*"):
        relative = path.relative_to(data_dir)
        if path.is_file() and str(relative) not in leave_out:
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            (target / relative).symlink_to(path)
    return target


@pytest.fixture(scope="module")
def full(data_dir):
    return inventory(data_dir)


def test_every_source_family_is_found_with_its_vintage(full):
    found = {(f.family, f.vintage) for f in full.files}
    assert {
        ("filosofi", 2019),
        ("filosofi", 2020),
        ("filosofi", 2021),
        ("filosofi_iris", 2021),
        ("rp_comparateur", 2022),
        ("rp_dossier", 2022),
        ("rp_communes_derived", 2018),
        ("rp_communes_derived", 2012),
        ("rp_activite_iris", 2016),
        ("communes_france", 2021),
    } <= found
    levels = {f.path.name: f.level for f in full.files}
    assert (
        levels["cc_filosofi_2019_DEP.csv"] == "départements"
        and levels["cc_filosofi_2019_COM.csv"] == "communes"
    )
    assert levels["communes-93-seine-saint-denis.geojson"] == "communes (93)"
    ignored = {p.name: why for p, why in full.ignored}
    assert ignored["meta_cc_filosofi_2019_COM.csv"] == "dictionnaire de variables"
    assert "cc_filosofi_2019_EPCI.csv" in ignored


def test_files_feed_the_indicators_of_their_family_and_vintage(full):
    assert ("taux_pauvrete", 2021) in full.feeds[("filosofi", 2021)]
    assert ("taux_pauvrete", 2020) in full.feeds[("filosofi", 2020)]
    assert ("taux_pauvrete_moins_30", 2020) not in full.feeds[("filosofi", 2020)]
    assert ("population", 2016) in full.feeds[
        ("rp_comparateur", 2022)
    ]  # P16_POP: the variable names its year
    assert ("taux_chomage_femmes", 2016) in full.feeds[("rp_activite_iris", 2016)]
    assert full.unavailable == []
    assert all(not why for why in full.missing.values())
    assert set(full.available) == {i.id for i in load_catalogue()}


def test_an_undated_variable_never_borrows_another_vintage(data_dir, tmp_path):
    copy = linked_copy(data_dir, tmp_path / "data", leave_out={"insee/cc_filosofi_2020_COM.csv"})
    inv = inventory(copy)
    assert 2020 in inv.missing["taux_pauvrete"] and 2020 not in inv.available["taux_pauvrete"]
    assert inv.available["taux_pauvrete"] == (2021, 2019)


def test_reads_headers_only(data_dir, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("data info must not read whole tables")

    monkeypatch.setattr(sources, "read_source", refuse)
    monkeypatch.setattr(sources, "load_sources", refuse)
    assert inventory(data_dir).files


def test_text_names_sources_vintages_and_licences(full):
    text = render(full)
    for heading in (
        "Répertoire de données",
        "Fichiers lus",
        "Sources et licences",
        "Indicateurs alimentés, par source et millésime",
        "Indicateurs non disponibles, aucun fichier ne les alimente (0)",
    ):
        assert heading in text
    assert (
        "insee/cc_filosofi_2021_COM.csv" in text and "Licence Ouverte / Open Licence, Insee" in text
    )
    assert "Licence Ouverte / Open Licence, IGN" in text
    assert f"{len(full.available)} indicateur(s) sur {len(full.available)}" in text


def test_removed_file_makes_its_indicators_unavailable(data_dir, tmp_path):
    copy = linked_copy(data_dir, tmp_path / "data", leave_out={ACTIVITY_2016})
    inv = inventory(copy)
    catalogue = load_catalogue()
    only_there = {
        i.id
        for i in catalogue
        if i.formulas and {f.source for f in i.formulas} == {"rp_activite_iris"}
    }
    elsewhere_too = {
        i.id
        for i in catalogue
        if len({f.source for f in i.formulas}) > 1
        and "rp_activite_iris" in {f.source for f in i.formulas}
    }
    assert only_there and elsewhere_too
    assert only_there <= set(inv.unavailable)
    assert not elsewhere_too & set(inv.unavailable)
    for indicator in elsewhere_too:
        assert 2016 in inv.missing[indicator] and 2016 not in inv.available[indicator]
    derived = set(inv.unavailable) - only_there
    assert all(
        not catalogue[i].formulas for i in derived
    )  # evolutions and crossed entries built on them
    result = run("data", "info", "--data", str(copy))
    assert result.returncode == 0, result.stderr
    section = result.stdout.split("Indicateurs non disponibles")[1].split("\n\n")[0]
    for indicator in only_there:
        assert f"  {indicator} — 2016 : aucun fichier rp_activite_iris 2016" in section
    assert ACTIVITY_2016 not in result.stdout


def test_missing_data_directory(tmp_path):
    assert_one_line_error(
        run("data", "info", "--data", str(tmp_path / "nowhere")), "does not exist"
    )
