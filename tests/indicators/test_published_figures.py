"""Figures a publisher can sign: each person counted once, published references read and cited,
ties said, the source's precision kept, estimates flagged, evolutions of one kind only.

Expected values are recomputed here from the raw files with the csv module, not with the code under test."""

import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from geodata.errors import InputError
from indicators import load_territory
from indicators.sources import load_sources
from reports.formatting import format_rank
from reports.model import ESTIMATE_NOTE, Notes, build_rows
from tests.conftest import french_float, read_raw

IDF = ("75", "77", "78", "91", "92", "93", "94", "95")
NEW_FILES = (  # the files added to the data directory with the RP 2022 Île-de-France extracts
    "insee/rp/base_cc_comparateur_idf-autres.csv",
    "derived/outil_decisionel/dossier_complet_light_idf-autres.csv",
    "references",
    "insee/qpv",
    "derived/qpv",
    "cnaf",
)


def comparateur_rows(data_dir):
    rows = []
    for path in sorted(data_dir.rglob("base_cc_comparateur_*.csv")):
        rows += read_raw(path)
    return rows


def idf_commune_rows(rows):
    """Paris once: its 75056 row, never its arrondissements as well."""
    return [
        r
        for r in rows
        if r["CODGEO"][:2] in IDF
        and not r["CODGEO"].startswith("751")
        and r["P22_POP"] not in ("", "s")
    ]


def row_of(territory, code, indicator, vintage):
    row = territory.value(code, indicator, vintage)
    assert row is not None and int(row["vintage"]) == vintage, (code, indicator, vintage)
    return row


def test_region_census_2022_population_and_unemployment_from_both_extracts(territory, data_dir):
    rows = idf_commune_rows(comparateur_rows(data_dir))
    assert sum(r["CODGEO"] == "75056" for r in rows) == 1 and len(rows) == 1266
    population = sum(float(r["P22_POP"]) for r in rows)
    unemployment = (
        sum(float(r["P22_CHOM1564"]) for r in rows)
        / sum(float(r["P22_ACT1564"]) for r in rows)
        * 100
    )
    assert round(population) == 12_380_964
    assert row_of(territory, "11", "population", 2022)["value"] == pytest.approx(population)
    region = row_of(territory, "11", "taux_chomage_15_64", 2022)
    assert region["value"] == pytest.approx(unemployment) and round(unemployment, 2) == 11.25
    assert region["how"] == "somme des communes" and not region["estimate"]


def test_france_census_2022_unemployment_is_the_published_france_entiere_value(territory, data_dir):
    published = {
        r["variable"]: float(r["value"])
        for r in read_raw(data_dir / "references" / "insee-publications.csv")
        if r["code"] == "FE"
    }
    row = row_of(territory, "FE", "taux_chomage_15_64", 2022)
    assert row["value"] == pytest.approx(published["P22_CHOM1564"] / published["P22_ACT1564"] * 100)
    assert (
        row["name"] == "France entière"
        and row["how"] == "officielle"
        and "tableau POP5" in row["source"]
    )
    commune = row_of(territory, "93001", "taux_chomage_15_64", 2022)
    assert commune["france_name"] == "France entière" and commune["france_value"] == pytest.approx(
        row["value"]
    )


def test_region_filosofi_2021_median_is_the_published_value(territory, data_dir):
    published = {
        r["variable"]: float(r["value"])
        for r in read_raw(data_dir / "references" / "insee-publications.csv")
        if r["code"] == "11"
    }
    row = row_of(territory, "11", "niveau_vie_median", 2021)
    assert (
        row["value"] == published["MED21"] == 25210
        and row["how"] == "officielle"
        and "Insee Références" in row["source"]
    )
    assert row_of(territory, "11", "taux_pauvrete", 2021)["value"] == published["TP6021"]


def test_natural_balance_counts_six_years_of_births_and_deaths(territory, data_dir):
    rows = [
        r
        for r in read_raw(data_dir / "insee" / "rp" / "base_cc_comparateur_93-94.csv")
        if r["CODGEO"].startswith("93") and r["NAIS1621"]
    ]

    def balance(rs):
        return (
            sum(float(r["NAIS1621"]) - float(r["DECE1621"]) for r in rs)
            / sum(float(r["P16_POP"]) for r in rs)
            / 6
            * 100
        )

    aubervilliers = [r for r in rows if r["CODGEO"] == "93001"]
    assert row_of(territory, "93001", "solde_naturel_annuel", 2021)["value"] == pytest.approx(
        balance(aubervilliers)
    )
    assert row_of(territory, "93", "solde_naturel_annuel", 2021)["value"] == pytest.approx(
        balance(rows)
    )


def test_every_per_year_formula_divides_by_the_years_it_spans(territory):
    """2016-2022 censuses: six years; 2011-2022: eleven; births 2016 to 2021: six calendar years."""
    catalogue = territory.catalogue
    assert "/ 6 *" in catalogue["solde_naturel_annuel"].formulas[0].expression
    for indicator, years in (
        ("evol_pop_annuelle_2016_2022", 6),
        ("evol_pop_annuelle_2011_2022", 11),
        ("evol_pop_annuelle_2015_2021", 6),
    ):
        assert f"(1 / {years})" in catalogue[indicator].formulas[0].expression


def test_a_tie_shares_the_rank_and_says_so(territory, data_dir):
    filosofi = {
        r["CODGEO"]: r
        for r in read_raw(next(data_dir.rglob("cc_filosofi_2021_COM.csv")))
        if r["CODGEO"].startswith("93")
    }
    tied = sorted(c for c, r in filosofi.items() if r["TP6021"] == filosofi["93001"]["TP6021"])
    assert (
        tied == ["93001", "93014", "93027"]
        and max(french_float(r["TP6021"]) for r in filosofi.values()) == 42
    )
    for code in tied:
        row = row_of(territory, code, "taux_pauvrete", 2021)
        assert (row["rank"], row["ties"]) == (1, 3)
    rows = {r.id: r for r in build_rows(territory, "93001", "revenus", Notes()) if not r.earlier}
    assert rows["taux_pauvrete"].rank == "1re ex aequo sur 39"
    assert (
        format_rank(3, 39, 2) == "3e ex aequo sur 39"
        and format_rank(5, 38, 1, 39) == "5e sur 38 communes ayant une valeur"
    )


def test_a_whole_number_rate_is_printed_without_a_decimal(territory):
    rows = {r.id: r for r in build_rows(territory, "93001", "revenus", Notes()) if not r.earlier}
    assert rows["taux_pauvrete"].value.text == "42\u00a0%"
    assert (
        rows["part_prestations_sociales"].value.text == "14,9\u00a0%"
    )  # published with one decimal
    evolution = row_of(territory, "93001", "evol_taux_pauvrete_2019_2021", 2021)
    assert (
        evolution["decimals"] == 0
        and rows["evol_taux_pauvrete_2019_2021"].value.text == "+1\u00a0point"
    )


def test_an_estimate_is_flagged_in_the_table_the_csv_and_the_cell(territory):
    dept = row_of(territory, "93", "taux_pauvrete", 2021)
    assert dept["estimate"] and dept["how"] == "estimation à partir des communes"
    assert not row_of(territory, "93", "taux_pauvrete", 2019)["estimate"]  # the published DEP row
    notes = Notes()
    rows = {r.id: r for r in build_rows(territory, "93001", "revenus", notes) if not r.earlier}
    cell = rows["taux_pauvrete"].departement
    assert cell.text == "28\u00a0%\u00a0(e)" and dict(notes.items())[cell.note] == ESTIMATE_NOTE
    from portrait.pipeline import commune_csv

    csv_text = commune_csv(territory, "93001")
    header = csv_text.splitlines()[0].split(",")
    assert {"estimate", "how", "decimals", "ties", "france_name"} <= set(header)


def test_an_evolution_never_mixes_a_published_value_and_an_estimate(territory):
    dept = row_of(territory, "93", "evol_taux_pauvrete_2019_2021", 2021)
    assert math.isnan(dept["value"]) and "nature différente" in dept["missing_reason"]
    region = row_of(territory, "11", "evol_taux_pauvrete_2019_2021", 2021)  # two published values
    assert region["value"] == pytest.approx(16.1 - 15.5)
    table = territory.table.sort_values(["code", "indicator", "vintage"])
    previous = table.groupby(["code", "indicator"])["estimate"].shift(1)
    changed = table["change"].notna()
    assert changed.sum() > 100 and (previous[changed] == table.loc[changed, "estimate"]).all()


def test_earlier_references_are_shown_when_the_latest_vintage_lacks_them(territory):
    rows = [
        r for r in build_rows(territory, "93001", "revenus", Notes()) if r.id == "niveau_vie_median"
    ]
    assert [(r.vintage, r.earlier) for r in rows] == [(2021, False), (2019, True)]
    latest, earlier = rows
    assert latest.region.text == "25\u00a0210\u00a0€" and latest.departement.text == "—"
    assert (earlier.departement.text, earlier.region.text, earlier.france.text) == (
        "18\u00a0070\u00a0€",
        "24\u00a0060\u00a0€",
        "21\u00a0930\u00a0€",
    )


def test_the_indicators_command_shows_the_earlier_official_references(data_dir):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "portrait",
            "indicators",
            "--dept",
            "93",
            "--commune",
            "aubervilliers",
            "--indicator",
            "niveau_vie_median",
            "--data",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    for expected in (
        "Seine-Saint-Denis 2019 18 070 € (officielle)",
        "Île-de-France 2019 24 060 € (officielle)",
        "France métropolitaine 2019 21 930 € (officielle)",
        "Île-de-France 2021 25 210 € (officielle)",
    ):
        assert expected in lines, expected


# ---------------------------------------------------------------- layouts of the sources, in small fixtures

COMPARATEUR = "CODGEO;P22_POP;P16_POP;SUPERF;P22_POP1564;P22_CHOM1564;P22_ACT1564"


def write(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "layout, expected",
    [
        (
            "city and arrondissements",
            1000,
        ),  # the 75056 row only: its arrondissements are the same people
        ("arrondissements only", 1000),  # the arrondissements stand in for the missing city row
        ("city only", 1000),
    ],
)
def test_a_city_is_counted_once_whatever_the_layout(tmp_path, layout, expected):
    rows = {
        "city and arrondissements": [
            "75056;1000;900;10;600;60;400",
            "75101;400;350;4;240;20;160",
            "75102;600;550;6;360;40;240",
        ],
        "arrondissements only": ["75101;400;350;4;240;20;160", "75102;600;550;6;360;40;240"],
        "city only": ["75056;1000;900;10;600;60;400"],
    }[layout]
    write(tmp_path / "cmp.csv", [COMPARATEUR, *rows, "77001;500;450;5;300;30;200"])
    from indicators.harmonise import harmonise

    communes, _, _ = harmonise(load_sources(tmp_path))
    table = communes[("rp_comparateur", 2022)].data
    assert sorted(table.index) == ["75056", "77001"]
    assert table.loc["75056", "P22_POP"] == expected and table["P22_POP"].sum() == expected + 500


def test_files_of_one_source_covering_different_communes_are_one_table(tmp_path):
    write(tmp_path / "a" / "cmp-93.csv", [COMPARATEUR, "93001;1000;900;10;600;60;400"])
    write(tmp_path / "b" / "cmp-77.csv", [COMPARATEUR, "77001;500;450;5;300;30;200"])
    table = load_sources(tmp_path)[("rp_comparateur", 2022)]
    assert sorted(table.data.index) == ["77001", "93001"] and len(table.paths) == 2


def test_two_files_giving_the_same_commune_are_a_one_line_error(tmp_path):
    write(tmp_path / "a.csv", [COMPARATEUR, "93001;1000;900;10;600;60;400"])
    second = write(tmp_path / "b.csv", [COMPARATEUR, "93001;1000;900;10;600;60;400"])
    with pytest.raises(InputError) as error:
        load_sources(tmp_path)
    message = str(error.value)
    assert (
        message.startswith(str(second))
        and "93001" in message
        and "a.csv" in message
        and "\n" not in message
    )


# ---------------------------------------------------------------- the data directory as it was before


@pytest.fixture(scope="module")
def previous_data(data_dir, tmp_path_factory):
    """A copy of the data directory without the files added with the Île-de-France extracts."""
    root = tmp_path_factory.mktemp("previous") / "data"
    shutil.copytree(
        data_dir,
        root,
        ignore=lambda folder, names: [
            n for n in names if str((Path(folder) / n).relative_to(data_dir)) in NEW_FILES
        ],
    )
    assert (
        not (root / "references").exists()
        and (root / "insee" / "rp" / "base_cc_comparateur_93-94.csv").exists()
    )
    return root


def test_the_previous_data_directory_still_loads_and_informs(previous_data):
    territory = load_territory("93", previous_data)
    assert len(territory.communes) == 39
    region = row_of(territory, "11", "population", 2022)
    assert math.isnan(region["value"]) and "ne couvre pas" in region["missing_reason"]
    assert row_of(territory, "11", "population", 2021)["value"] == 12_317_279
    result = subprocess.run(
        [sys.executable, "-m", "portrait", "data", "info", "--data", str(previous_data)],
        capture_output=True,
        text=True,
    )
    assert (
        result.returncode == 0
        and "indicateur(s) sur" in result.stdout
        and "references" not in result.stdout
    )


REFERENCES = "level;code;name;family;vintage;variable;value;source;url"
FILOSOFI_2021 = ["CODGEO;NBMENFISC21;NBPERSMENFISC21;MED21;TP6021", "93001;100;250;20000;30,0"]


@pytest.mark.parametrize(
    "row, message",
    [
        (
            "pays;FE;France;rp_comparateur;2022;P22_POP1564;1;Insee;",
            r"line 2: level 'pays' is not one of",
        ),
        (
            "france;FX;France;filosofi;2021;MED21;21000;Insee;",
            r"line 2: France is FRM or FE .*not 'FX'",
        ),
        (
            "region;11;IDF;filosofi;2021;MED2l;25210;Insee;",
            r"line 2: MED2l is not a variable of the filosofi 2021 files",
        ),
        ("region;11;IDF;filosofi;2021;MED21;;Insee;", r"line 2: empty value"),
        ("region;11;IDF;filosofi;vingt;MED21;1;Insee;", r"line 2: vintage 'vingt' is not a year"),
    ],
)
def test_a_malformed_references_row_is_a_one_line_error(tmp_path, row, message):
    write(tmp_path / "filo.csv", FILOSOFI_2021)
    path = write(tmp_path / "refs.csv", [REFERENCES, row])
    with pytest.raises(InputError, match=message) as error:
        load_sources(tmp_path)
    assert str(error.value).startswith(str(path)) and "\n" not in str(error.value)


def test_a_reference_given_twice_is_a_one_line_error(tmp_path):
    row = "region;11;IDF;filosofi;2021;MED21;25210;Insee;"
    write(tmp_path / "refs.csv", [REFERENCES, row, row.replace("25210", "25300")])
    with pytest.raises(InputError, match=r"line 3: MED21 of 11 for 2021 is already on line 2"):
        load_sources(tmp_path)


def test_official_rows_split_over_two_files_are_one_table(tmp_path):
    header = "CODGEO;NBMENFISC19;NBPERSMENFISC19;MED19;TP6019"
    write(tmp_path / "cc_filosofi_2019_COM.csv", [header, "93001;100;250;20000;30"])
    write(tmp_path / "a" / "cc_filosofi_2019_DEP.csv", [header, "93;1000;2500;18070;27,9"])
    write(tmp_path / "b" / "cc_filosofi_2019_DEP.csv", [header, "94;1000;2500;23000;16,6"])
    official, _ = load_sources(tmp_path)[("filosofi", 2019)].official["departement"]
    assert official.loc["93", "TP60"] == 27.9 and official.loc["94", "TP60"] == 16.6
    write(tmp_path / "c" / "cc_filosofi_2019_DEP.csv", [header, "94;1000;2500;23000;16,6"])
    with pytest.raises(InputError, match="territory 94 is also in"):
        load_sources(tmp_path)
