"""Groups of communes: values summed from their communes, medians only from an official row."""

import math

import pytest

from indicators.groups import group_territory, load_groups
from tests.conftest import french_float, read_raw

PLAINE_COMMUNE = "200057867"
MEMBERS_2018_MAP = ["93001", "93027", "93031", "93039", "93059", "93066", "93070", "93072", "93079"]


@pytest.fixture(scope="module")
def groups(territory):
    return group_territory(territory, load_groups(territory))


def test_default_groups_are_the_four_ept_on_the_current_map(territory):
    declared = load_groups(territory)
    assert [len(g.members) for g in declared] == [8, 8, 9, 14]
    assert sum(len(g.members) for g in declared) == 39 and "93059" not in {
        m for g in declared for m in g.members
    }


def test_group_population_is_the_sum_of_its_communes(groups, data_dir):
    rows = {r["CODGEO"]: r for r in read_raw(next(data_dir.rglob("base_cc_comparateur_93-94.csv")))}
    expected = sum(float(rows[c]["P22_POP"]) for c in MEMBERS_2018_MAP if rows[c]["P22_POP"])
    assert groups.value(PLAINE_COMMUNE, "population", 2022)["value"] == pytest.approx(expected)


def test_group_poverty_2021_is_reweighted_from_the_raw_commune_rows(groups, data_dir):
    rows = {r["CODGEO"]: r for r in read_raw(next(data_dir.rglob("cc_filosofi_2021_COM.csv")))}
    people = [float(rows[c]["NBPERSMENFISC21"]) for c in MEMBERS_2018_MAP]
    rates = [french_float(rows[c]["TP6021"]) for c in MEMBERS_2018_MAP]
    expected = sum(p * r for p, r in zip(people, rates)) / sum(people)
    assert groups.value(PLAINE_COMMUNE, "taux_pauvrete", 2021)["value"] == pytest.approx(expected)


def test_group_median_comes_from_the_official_row_or_is_missing(groups, data_dir):
    official = {r["CODGEO"]: r for r in read_raw(next(data_dir.rglob("cc_filosofi_2019_EPT.csv")))}
    row = groups.value(PLAINE_COMMUNE, "niveau_vie_median", 2019)
    assert (
        row["value"] == float(official[PLAINE_COMMUNE]["MED19"]) == 15710
        and row["how"] == "officielle"
    )
    assert groups.value(PLAINE_COMMUNE, "taux_pauvrete", 2019)["value"] == french_float(
        official[PLAINE_COMMUNE]["TP6019"]
    )
    missing = groups.value(PLAINE_COMMUNE, "niveau_vie_median", 2021)
    assert math.isnan(missing["value"]) and "non agrégeable" in missing["missing_reason"]


def test_a_custom_group_has_no_median_without_an_official_value(territory, tmp_path, data_dir):
    path = tmp_path / "groups.csv"
    path.write_text("code;name;members\nNORD;Nord;93001 93066\n", encoding="utf-8")
    custom = group_territory(territory, load_groups(territory, path))
    median = custom.value("NORD", "niveau_vie_median", 2019)
    assert math.isnan(median["value"]) and "non agrégeable" in median["missing_reason"]
    rows = {r["CODGEO"]: r for r in read_raw(next(data_dir.rglob("cc_filosofi_2019_COM.csv")))}
    households = sum(float(rows[c]["NBMENFISC19"]) for c in ("93001", "93066", "93059"))
    assert custom.value("NORD", "nb_menages_fiscaux", 2019)["value"] == households


def test_unknown_member_is_a_clear_error(territory, tmp_path):
    from geodata.errors import InputError

    path = tmp_path / "groups.yaml"
    path.write_text('- {code: "X", name: "X", members: ["93001", "93999"]}\n', encoding="utf-8")
    with pytest.raises(InputError, match="unknown commune 93999"):
        load_groups(territory, path)
