"""Crossed indicators, fragility index, typology, comparable communes and quadrants, checked by hand."""

import math

import numpy as np
import pandas as pd
import pytest
import yaml

from geodata.errors import InputError
from indicators.catalogue import load_catalogue
from indicators.declared import DATA
from indicators.derived import derived_rows
from indicators.fragility import fragility_index
from indicators.quadrants import ABOVE, BELOW, load_pairs, quadrant
from indicators.similar import similar_communes
from indicators.typology import typology

SIGNS = {"higher_is_worse": 1, "higher_is_better": -1}


def values_of(table, indicator, vintage, level=None):
    rows = table[(table["indicator"] == indicator) & (table["vintage"] == vintage)]
    if level:
        rows = rows[rows["level"] == level]
    return {(c, lv): v for c, lv, v in zip(rows["code"], rows["level"], rows["value"])}


def commune_column(table, indicator, vintage):
    return {c: v for (c, _), v in values_of(table, indicator, vintage, "commune").items()}


def departement_value(table, indicator, vintage):
    return next(iter(values_of(table, indicator, vintage, "departement").values()))


def write_yaml(path, data):
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# ---------------------------------------------------------------- crossed indicators

CROSSED = {  # id: (vintage, a, b, what the test computes)
    "exposition_pauvrete_monoparentalite": (
        2022,
        ("taux_pauvrete", 2021),
        ("part_familles_monoparentales", 2022),
        lambda a, b: a * b / 100,
    ),
    "rapport_chomage_jeunes": (
        2022,
        ("taux_chomage_15_24", 2022),
        ("taux_chomage_15_64", 2022),
        lambda a, b: a / b,
    ),
    "ecart_pauvrete_moins_30": (
        2019,
        ("taux_pauvrete_moins_30", 2019),
        ("taux_pauvrete", 2019),
        lambda a, b: a - b,
    ),
    "ecart_pauvrete_locataires_proprietaires": (
        2021,
        ("taux_pauvrete_locataires", 2021),
        ("taux_pauvrete_proprietaires", 2021),
        lambda a, b: a - b,
    ),
}


@pytest.mark.parametrize("indicator", sorted(CROSSED))
def test_crossed_values_are_computed_from_their_inputs_for_every_territory(territory, indicator):
    vintage, a_ref, b_ref, compute = CROSSED[indicator]
    table = territory.table
    a, b = values_of(table, *a_ref), values_of(table, *b_ref)
    rows = table[(table["indicator"] == indicator) & (table["vintage"] == vintage)]
    assert set(rows["level"]) == {"commune", "departement", "region", "france"}
    assert len(rows) == 39 + 3
    computed = 0
    for _, row in rows.iterrows():
        # France entière and France métropolitaine are different territories: never combined
        x, y = (
            a.get((row["code"], row["level"]), math.nan),
            b.get((row["code"], row["level"]), math.nan),
        )
        if math.isnan(x) or math.isnan(y):
            assert math.isnan(row["value"]) and "manquante" in row["missing_reason"]
        else:
            assert row["value"] == pytest.approx(compute(x, y), rel=1e-12)
            assert row["missing_reason"] == ""
            computed += 1
    assert computed >= 30


def test_crossed_indicators_are_flagged_themed_and_ranked(territory):
    catalogue = territory.catalogue
    crossed = [i.id for i in catalogue.crossed()]
    assert set(CROSSED) <= set(crossed) and "emplois_par_actif_occupe" not in crossed
    assert all(catalogue[i].theme in catalogue.themes for i in crossed)
    assert not any(i.crossed for i in catalogue if i.evolution or i.formulas)
    rows = territory.table[
        (territory.table["indicator"] == "rapport_chomage_jeunes")
        & (territory.table["level"] == "commune")
    ]
    latest = rows[rows["vintage"] == 2022]
    assert sorted(latest["rank"]) == sorted(
        latest["value"].round(2).rank(ascending=False, method="min")
    )
    assert (latest["rank_of"] == 39).all()
    dept = departement_value(territory.table, "rapport_chomage_jeunes", 2022)
    assert latest["departement_value"].eq(dept).all()
    assert catalogue["rapport_chomage_jeunes"].vintages == (2022, 2016)
    assert catalogue["exposition_pauvrete_monoparentalite"].sources == ("filosofi", "rp_dossier")


def test_a_crossed_indicator_is_added_without_code(territory):
    catalogue = load_catalogue()
    catalogue.add(
        {
            "id": "pauvrete_par_point_de_chomage",
            "label": "Pauvreté par point de chômage",
            "theme": "revenus",
            "unit": "ratio",
            "polarity": "neutral",
            "definition": "Test.",
            "aggregation": "calculé à partir des valeurs de chaque territoire",
            "crossed": {
                "expression": "p / c",
                "p": {"indicator": "taux_pauvrete", "vintage": 2021},
                "c": {"indicator": "taux_chomage_15_64", "vintage": 2022},
            },
        }
    )
    frame = territory.table.drop(columns=["rank", "rank_of"])
    rows = derived_rows(catalogue, frame)
    rows = rows[rows["indicator"] == "pauvrete_par_point_de_chomage"]
    assert (rows["vintage"] == 2022).all() and len(rows) == 42
    poverty, unemployment = (
        commune_column(frame, "taux_pauvrete", 2021),
        commune_column(frame, "taux_chomage_15_64", 2022),
    )
    for code, value in zip(rows["code"], rows["value"]):
        if code in poverty:
            assert value == pytest.approx(poverty[code] / unemployment[code])


@pytest.mark.parametrize(
    "crossed, message",
    [
        (
            {
                "expression": "a / b",
                "a": {"indicator": "taux_pauvrete", "vintage": 2021},
                "b": {"indicator": "nope", "vintage": 2021},
            },
            "nope",
        ),
        (
            {
                "expression": "a / b",
                "a": {"indicator": "taux_pauvrete", "vintage": 1999},
                "b": {"indicator": "taux_pauvrete", "vintage": 2021},
            },
            "1999",
        ),
        (
            {
                "expression": "a / c",
                "a": {"indicator": "taux_pauvrete", "vintage": 2021},
                "b": {"indicator": "taux_pauvrete", "vintage": 2021},
            },
            "operands",
        ),
        (
            {
                "expression": "a / (b",
                "a": {"indicator": "taux_pauvrete", "vintage": 2021},
                "b": {"indicator": "taux_pauvrete", "vintage": 2019},
            },
            "invalid expression",
        ),
    ],
)
def test_a_bad_crossed_entry_names_the_file_and_the_problem(tmp_path, crossed, message):
    shipped = yaml.safe_load((DATA / "catalogue.yaml").read_text(encoding="utf-8"))
    shipped["indicators"].append(
        {
            "id": "x",
            "label": "X",
            "theme": "revenus",
            "unit": "ratio",
            "polarity": "neutral",
            "definition": "D.",
            "aggregation": "a",
            "crossed": crossed,
        }
    )
    path = write_yaml(tmp_path / "catalogue.yaml", shipped)
    with pytest.raises(InputError) as error:
        load_catalogue(path)
    assert str(path) in str(error.value) and message in str(error.value)


# ---------------------------------------------------------------- fragility index


def expected_index(territory, components):
    """Weighted mean of signed z-scores (population sd), weights renormalised over present components."""
    table = territory.table
    codes = list(territory.communes["code"])
    signed = {}
    for c in components:
        column = commune_column(table, c["indicator"], c["vintage"])
        present = np.array([column[code] for code in codes if not math.isnan(column[code])])
        mean, sd = present.mean(), present.std()
        sign = SIGNS[c.get("polarity", territory.catalogue[c["indicator"]].polarity)]
        signed[c["indicator"]] = {code: sign * (column[code] - mean) / sd for code in codes}
    scores = {}
    for code in codes:
        weights = [
            (c.get("weight", 1), signed[c["indicator"]][code])
            for c in components
            if not math.isnan(signed[c["indicator"]][code])
        ]
        total = sum(c.get("weight", 1) for c in components)
        kept = sum(w for w, _ in weights)
        scores[code] = sum(w * z for w, z in weights) / kept if kept >= total / 2 else math.nan
    return scores


def test_fragility_index_matches_a_hand_computation(territory):
    declared = yaml.safe_load((DATA / "fragility.yaml").read_text(encoding="utf-8"))["components"]
    assert len(declared) >= 6
    expected = expected_index(territory, declared)
    index = fragility_index(territory)
    assert list(index["code"]) == list(territory.communes["code"])
    for code, score in zip(index["code"], index["score"]):
        assert score == pytest.approx(expected[code], abs=1e-12)
    ids = [c["indicator"] for c in declared]
    assert index[ids].sum(axis=1).to_numpy() == pytest.approx(index["score"].to_numpy())
    assert index.loc[index["rank"] == 1, "score"].iloc[0] == index["score"].max()
    assert sorted(index["rank"]) == list(range(1, 40))
    assert index["missing"].map(len).eq(0).all()


def test_fragility_renormalises_weights_over_present_components(territory, tmp_path):
    components = [
        {"indicator": "taux_pauvrete_moins_30", "vintage": 2021, "weight": 1},
        {"indicator": "taux_pauvrete", "vintage": 2021, "weight": 1},
    ]
    index = fragility_index(
        territory, write_yaml(tmp_path / "f.yaml", {"components": components})
    ).set_index("code")
    expected = expected_index(territory, components)
    lacking = index[index["missing"] == ("taux_pauvrete_moins_30",)]
    assert len(lacking) == 39 - 31
    for code, score in index["score"].items():
        assert score == pytest.approx(expected[code], abs=1e-12)
    assert lacking["taux_pauvrete"].to_numpy() == pytest.approx(lacking["score"].to_numpy())
    components[0]["weight"] = 3  # the present component now carries less than half of the weight
    index = fragility_index(
        territory, write_yaml(tmp_path / "f.yaml", {"components": components})
    ).set_index("code")
    assert (
        index.loc[lacking.index, "score"].isna().all()
        and index.loc[lacking.index, "rank"].isna().all()
    )


def test_a_neutral_component_needs_a_polarity(territory, tmp_path):
    path = write_yaml(
        tmp_path / "f.yaml", {"components": [{"indicator": "part_locataires_hlm", "vintage": 2018}]}
    )
    with pytest.raises(InputError) as error:
        fragility_index(territory, path)
    assert str(path) in str(error.value) and "polarity" in str(error.value)


# ---------------------------------------------------------------- typology


@pytest.fixture(scope="module")
def types(territory):
    return typology(territory)


def test_each_commune_belongs_to_exactly_one_type(territory, types):
    assignments = types.assignments
    assert sorted(assignments["code"]) == sorted(territory.communes["code"])
    assert assignments["code"].is_unique
    assert set(assignments["type"]) == set(range(1, types.k + 1))
    assert types.types["size"].sum() == 39
    assert 3 <= types.k <= 6 and set(types.silhouettes) == {3, 4, 5, 6}
    assert types.silhouettes[types.k] == max(types.silhouettes.values())


def test_the_typology_is_the_same_on_two_runs(territory, types):
    again = typology(territory)
    pd.testing.assert_frame_equal(types.assignments, again.assignments)
    pd.testing.assert_frame_equal(types.profiles, again.profiles)
    assert types.silhouettes == again.silhouettes


def test_the_words_of_a_type_match_its_indicators(territory, types):
    declared = {
        e["indicator"]: e
        for e in yaml.safe_load((DATA / "typology.yaml").read_text(encoding="utf-8"))["indicators"]
    }
    assignments = types.assignments
    assert types.types["label"].is_unique
    for _, kind in types.types.iterrows():
        members = assignments.loc[assignments["type"] == kind["type"], "code"]
        for indicator, direction in kind["words"]:
            column = commune_column(territory.table, indicator, declared[indicator]["vintage"])
            mean = np.nanmean([column[c] for c in members])
            dept = departement_value(territory.table, indicator, declared[indicator]["vintage"])
            assert (mean > dept) if direction == "high" else (mean < dept), (
                kind["label"],
                indicator,
            )
            assert declared[indicator][direction].removeprefix("à ") in kind["label"]
        if "forte pauvreté" in kind["label"]:
            poverty = commune_column(territory.table, "taux_pauvrete", 2021)
            assert np.mean([poverty[c] for c in members]) > departement_value(
                territory.table, "taux_pauvrete", 2021
            )


def test_labels_stay_distinct_when_words_run_out(territory, tmp_path):
    entry = {
        "indicator": "taux_pauvrete",
        "vintage": 2021,
        "name": "le taux de pauvreté",
        "high": "à forte pauvreté",
        "low": "à faible pauvreté",
    }
    result = typology(territory, write_yaml(tmp_path / "t.yaml", {"k": 5, "indicators": [entry]}))
    assert result.k == 5 and list(result.silhouettes) == [5]
    assert result.types["label"].is_unique
    assert (
        result.types["label"].str.contains(r"\(type \d\)").any()
    )  # five types, two words: the fallback ran


# ---------------------------------------------------------------- comparable communes


def test_similar_communes_by_hand(territory):
    declared = yaml.safe_load((DATA / "typology.yaml").read_text(encoding="utf-8"))["indicators"]
    codes = list(territory.communes["code"])
    z = {}
    for e in declared:
        column = commune_column(territory.table, e["indicator"], e["vintage"])
        present = np.array([column[c] for c in codes])
        z[e["indicator"]] = dict(zip(codes, (present - present.mean()) / present.std()))
    similar = similar_communes(territory.table, "93001", catalogue=territory.catalogue)
    assert len(similar) == 5 and "93001" not in set(similar["code"])
    assert similar["distance"].is_monotonic_increasing
    distances = {
        c: math.dist([z[i]["93001"] for i in z], [z[i][c] for i in z])
        for c in codes
        if c != "93001"
    }
    assert similar["distance"].to_numpy() == pytest.approx(sorted(distances.values())[:5])
    assert list(similar["code"]) == sorted(distances, key=distances.get)[:5]
    first = similar.iloc[0]
    gaps = {i: abs(z[i]["93001"] - z[i][first["code"]]) for i in z}
    assert first["differs"] == max(gaps, key=gaps.get)
    assert set(first["closest"]) <= set(sorted(gaps, key=gaps.get)[:3])
    assert (
        first["explanation"].startswith("proches pour ")
        and " ; écart principal : " in first["explanation"]
    )


def test_similar_communes_reach_other_departements(territory):
    twin = territory.table[territory.table["level"] == "commune"].copy()
    twin["code"] = "94" + twin["code"].str[2:]
    similar = similar_communes(
        pd.concat([territory.table, twin]), "93001", n=3, catalogue=territory.catalogue
    )
    assert similar.iloc[0]["code"] == "94001" and similar.iloc[0]["departement"] == "94"
    assert similar.iloc[0]["distance"] == pytest.approx(0)
    with pytest.raises(InputError):
        similar_communes(territory.table, "75056", catalogue=territory.catalogue)


# ---------------------------------------------------------------- quadrants


def test_quadrants_hold_every_commune_with_both_values(territory):
    pairs = load_pairs(territory.catalogue)
    assert len(pairs) >= 3
    for pair_id, pair in pairs.items():
        result = quadrant(territory, pair_id)
        x = commune_column(territory.table, pair.x.indicator, pair.x.vintage)
        y = commune_column(territory.table, pair.y.indicator, pair.y.vintage)
        both = [c for c in x if not math.isnan(x[c]) and not math.isnan(y[c])]
        assert sorted(result.points["code"]) == sorted(both)
        assert result.x0 == departement_value(territory.table, pair.x.indicator, pair.x.vintage)
        assert result.y0 == departement_value(territory.table, pair.y.indicator, pair.y.vintage)
        for _, point in result.points.iterrows():
            assert point["x_side"] == (ABOVE if point["x"] > result.x0 else BELOW)
            assert point["y_side"] == (ABOVE if point["y"] > result.y0 else BELOW)
            assert point["quadrant"] in {"haut-droite", "haut-gauche", "bas-gauche", "bas-droite"}
