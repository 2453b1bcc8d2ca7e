"""The catalogue is data: every entry is complete and its formulas resolve on the real files."""

import pytest

from geodata.errors import InputError
from indicators.catalogue import load_catalogue

REQUIRED = [
    "population",
    "densite",
    "taux_pauvrete",
    "niveau_vie_median",
    "taux_chomage_15_64",
    "part_familles_monoparentales",
    "part_locataires_hlm",
    "part_sans_diplome",
]


def test_catalogue_size_and_themes():
    catalogue = load_catalogue()
    assert len(catalogue) >= 35
    assert len(catalogue.themes) == 6
    for theme in catalogue.themes:
        assert catalogue.by_theme(theme), theme
    for indicator_id in REQUIRED:
        assert indicator_id in catalogue.indicators


def test_every_entry_has_definition_source_and_vintage():
    for indicator in load_catalogue():
        assert indicator.definition.endswith("."), indicator.id
        assert indicator.vintages, indicator.id
        if not indicator.evolution:
            assert indicator.sources, indicator.id
            assert all(f.source and f.vintage for f in indicator.formulas)


def test_every_formula_finds_its_variables_in_the_data(territory):
    from indicators.compute import find_table

    for indicator in territory.catalogue:
        for formula in indicator.formulas:
            assert find_table(territory.tables, formula) is not None, (
                indicator.id,
                formula.vintage,
            )


def test_a_bad_entry_names_the_file_and_the_problem(tmp_path):
    path = tmp_path / "catalogue.yaml"
    path.write_text(
        "themes: [{id: t, label: T}]\nindicators:\n"
        "  - {id: x, label: X, theme: t, unit: '%', polarity: sideways, definition: D., aggregation: a,"
        " formulas: [{source: filosofi, vintage: 2021, value: TP60}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as error:
        load_catalogue(path)
    assert str(path) in str(error.value) and "polarity" in str(error.value)


def test_an_indicator_can_be_added_in_a_few_lines(territory):
    catalogue = load_catalogue()
    catalogue.add(
        {
            "id": "part_pauvres_x2",
            "label": "Double du taux de pauvreté",
            "theme": "revenus",
            "unit": "%",
            "polarity": "higher_is_worse",
            "definition": "Test.",
            "aggregation": "test",
            "formulas": [{"source": "filosofi", "vintage": 2021, "expression": "TP60 * 2"}],
        }
    )
    assert catalogue["part_pauvres_x2"].formula(2021).variables == ("TP60",)
