"""Indicator values checked against figures computed here, straight from the raw files."""

import math

import pytest

from tests.conftest import french_float, read_raw


def raw_filosofi(data_dir, year, level="COM"):
    name = f"cc_filosofi_{year}_{level}.csv"
    path = next(data_dir.rglob(name))
    return {row["CODGEO"]: row for row in read_raw(path)}


def test_aubervilliers_poverty_rate_2021(territory, data_dir):
    raw = french_float(raw_filosofi(data_dir, 2021)["93001"]["TP6021"])
    assert raw == 42.0
    assert territory.value("93001", "taux_pauvrete", 2021)["value"] == raw


def test_departement_poverty_rate_2019_is_the_official_row(territory, data_dir):
    official = french_float(raw_filosofi(data_dir, 2019, "DEP")["93"]["TP6019"])
    assert official == 27.9
    row = territory.value("93", "taux_pauvrete", 2019)
    assert row["value"] == official and row["how"] == "officielle"


def test_region_and_france_poverty_2019_from_official_rows(territory, data_dir):
    region = french_float(raw_filosofi(data_dir, 2019, "REG")["11"]["TP6019"])
    france = french_float(raw_filosofi(data_dir, 2019, "METRO")["1"]["TP6019"])
    row = territory.value("93001", "taux_pauvrete", 2019)
    assert (row["region_value"], row["france_value"]) == (region, france) == (15.5, 14.5)


def test_departement_poverty_2021_is_reweighted_by_people_not_averaged(territory, data_dir):
    rows = [r for code, r in raw_filosofi(data_dir, 2021).items() if code.startswith("93")]
    people = [float(r["NBPERSMENFISC21"]) for r in rows]
    rates = [french_float(r["TP6021"]) for r in rows]
    weighted = sum(p * t for p, t in zip(people, rates)) / sum(people)
    plain_mean = sum(rates) / len(rates)
    value = territory.value("93", "taux_pauvrete", 2021)["value"]
    assert value == pytest.approx(weighted, abs=1e-9)
    assert abs(value - plain_mean) > 0.1


def test_departement_population_is_the_sum_of_its_communes(territory, data_dir):
    path = next(data_dir.rglob("base_cc_comparateur_93-94.csv"))
    raw_total = sum(
        float(r["P22_POP"]) for r in read_raw(path) if r["CODGEO"].startswith("93") and r["P22_POP"]
    )
    table = territory.table
    communes = table[
        (table.level == "commune") & (table.indicator == "population") & (table.vintage == 2022)
    ]
    assert len(communes) == 39
    assert communes["value"].sum() == pytest.approx(raw_total)
    assert (
        territory.value("93", "population", 2022)["value"]
        == pytest.approx(raw_total)
        == pytest.approx(1681725)
    )


def test_merged_saint_denis_counts_are_the_sum_of_the_two_former_communes(territory, data_dir):
    filosofi = raw_filosofi(data_dir, 2021)
    households = float(filosofi["93066"]["NBMENFISC21"]) + float(filosofi["93059"]["NBMENFISC21"])
    assert territory.value("93066", "nb_menages_fiscaux", 2021)["value"] == households
    rp2018 = {r["code_insee"]: r for r in read_raw(next(data_dir.rglob("rp2018_IDF.csv")))}
    population = float(rp2018["93066"]["pop_tot"]) + float(rp2018["93059"]["pop_tot"])
    assert territory.value("93066", "population", 2018)["value"] == pytest.approx(population)
    hlm = (
        (float(rp2018["93066"]["log_hlm"]) + float(rp2018["93059"]["log_hlm"]))
        / (float(rp2018["93066"]["log_rp"]) + float(rp2018["93059"]["log_rp"]))
        * 100
    )
    assert territory.value("93066", "part_locataires_hlm", 2018)["value"] == pytest.approx(hlm)


def test_a_median_is_never_averaged(territory, data_dir):
    merged = territory.value("93066", "niveau_vie_median", 2021)
    assert math.isnan(merged["value"])
    assert "fusion" in merged["missing_reason"]
    assert (
        merged["note"] == "données 2021 : périmètre de l'ancienne commune"
        and merged["old_perimeter_value"] == 16620
    )
    dept_2021 = territory.value("93", "niveau_vie_median", 2021)
    assert math.isnan(dept_2021["value"]) and "non agrégeable" in dept_2021["missing_reason"]
    official = float(raw_filosofi(data_dir, 2019, "DEP")["93"]["MED19"])
    assert territory.value("93", "niveau_vie_median", 2019)["value"] == official == 18070


def test_census_unemployment_uses_summed_counts(territory, data_dir):
    rows = [
        r
        for r in read_raw(next(data_dir.rglob("base_cc_comparateur_93-94.csv")))
        if r["CODGEO"].startswith("93") and r["P22_ACT1564"]
    ]
    rate = (
        sum(float(r["P22_CHOM1564"]) for r in rows)
        / sum(float(r["P22_ACT1564"]) for r in rows)
        * 100
    )
    assert territory.value("93", "taux_chomage_15_64", 2022)["value"] == pytest.approx(rate)
    assert round(rate, 1) == 15.8


def test_region_unemployment_2016_is_summed_from_the_iris_file(territory, data_dir):
    rows = read_raw(next(data_dir.rglob("base-ic-activite-residents-2016-idf.csv")))
    rate = (
        sum(float(r["P16_CHOM1564"]) for r in rows)
        / sum(float(r["P16_ACT1564"]) for r in rows)
        * 100
    )
    assert territory.value("11", "taux_chomage_15_64", 2016)["value"] == pytest.approx(rate)
    assert round(rate, 2) == 12.71


def test_france_and_region_populations_2021_count_paris_lyon_marseille_once(territory, data_dir):
    """The all-France table lists Paris, Lyon and Marseille only as arrondissements (ARM rows): counted, once."""
    seen, france, region = set(), 0, 0
    for row in read_raw(next(data_dir.rglob("communes.csv")), sep=","):
        if (
            row["commune_type"] in ("COM", "ARM")
            and row["insee_com"] not in seen
            and not row["insee_dep"].startswith("97")
        ):
            seen.add(row["insee_com"])
            france += float(row["population_2021"])
            region += float(row["population_2021"]) if row["insee_reg"] == "11" else 0
    assert {"75056", "69123", "13055"}.isdisjoint(seen) and "75101" in seen
    assert (
        territory.value("FRM", "population", 2021)["value"] == pytest.approx(france) == 65_503_471
    )
    assert territory.value("11", "population", 2021)["value"] == pytest.approx(region) == 12_317_279


def test_ranks_count_from_the_highest_value(territory):
    table = territory.table
    rows = table[
        (table.level == "commune") & (table.indicator == "taux_pauvrete") & (table.vintage == 2021)
    ]
    top = rows.sort_values("value", ascending=False).iloc[0]
    assert top["rank"] == 1 and top["rank_of"] == 39
    assert rows["rank"].max() <= 39
    shown = rows["value"].round(0)  # whole-number rates: communes printed alike share a rank
    for _, row in rows.iterrows():
        assert row["rank"] == 1 + (shown > round(row["value"])).sum()
        assert row["ties"] == (shown == round(row["value"])).sum()


def test_every_indicator_has_a_value_or_a_reason_for_every_commune(territory):
    table = territory.table
    communes = table[table.level == "commune"]
    assert communes["code"].nunique() == 39
    for indicator in territory.catalogue:
        rows = communes[communes.indicator == indicator.id]
        assert set(rows["code"]) == set(territory.communes["code"]), indicator.id
        missing = rows[rows["value"].isna()]
        assert (missing["missing_reason"].str.len() > 0).all(), indicator.id


def test_confidential_values_stay_missing_not_zero(territory, data_dir):
    filosofi = raw_filosofi(data_dir, 2021)
    secret = [c for c, r in filosofi.items() if c.startswith("93") and r["TP60AGE121"] == "s"]
    for code in secret:
        row = territory.value(code, "taux_pauvrete_moins_30", 2021)
        assert math.isnan(row["value"]) and row["missing_reason"] == "secret statistique"
