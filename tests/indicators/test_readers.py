"""Readers: separators, decimal commas, blanks kept missing, leading zeros, encodings, clear errors."""

import math

import pytest

from geodata.errors import InputError
from indicators import readers
from indicators.sources import identify, load_sources


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_blanks_stay_missing_with_their_reason(tmp_path):
    write(
        tmp_path / "cc_filosofi_2021_COM.csv",
        "CODGEO;NBMENFISC21;MED21;TP6021\n93001;10;s;nd\n93005;20;;1,5\n",
    )
    table = load_sources(tmp_path)[("filosofi", 2021)]
    assert (
        math.isnan(table.data.loc["93001", "MED"])
        and table.reasons.loc["93001", "MED"] == "secret statistique"
    )
    assert table.reasons.loc["93001", "TP60"].startswith("non disponible")
    assert math.isnan(table.data.loc["93005", "MED"]) and table.data.loc["93005", "TP60"] == 1.5


def test_comma_separated_file_with_decimal_points_and_short_codes(tmp_path):
    write(tmp_path / "filo.csv", "CODGEO,NBMENFISC21,MED21,TP6021\n1001,10,20000.5,12.5\n")
    table = load_sources(tmp_path)[("filosofi", 2021)]
    assert table.data.loc["01001", "MED"] == 20000.5 and table.data.loc["01001", "TP60"] == 12.5


def test_latin1_file_is_read_with_its_accents(tmp_path):
    text = "code_insee;commune;pop_tot;log_rp\n93027;La Courneuve;43000;15000\n93039;L'Île-Saint-Denis;7000;3000\n"
    write(tmp_path / "rp2018.csv", text, encoding="latin-1")
    table = load_sources(tmp_path)[("rp_communes_derived", 2018)]
    assert table.names["93039"] == "L'Île-Saint-Denis"


def test_utf8_bom_is_ignored(tmp_path):
    write(tmp_path / "f.csv", "\ufeffCODGEO;NBMENFISC21;MED21;TP6021\n93001;10;100;1\n")
    assert "93001" in load_sources(tmp_path)[("filosofi", 2021)].data.index


def test_a_table_without_its_code_column_is_an_error(tmp_path):
    path = write(tmp_path / "f.csv", "COMMUNE;NBMENFISC21;MED21;TP6021\n93001;10;100;1\n")
    with pytest.raises(InputError) as error:
        load_sources(tmp_path)
    assert str(path) in str(error.value) and "'CODGEO'" in str(error.value)


def test_a_text_in_a_number_column_names_line_and_column(tmp_path):
    path = write(
        tmp_path / "f.csv", "CODGEO;NBMENFISC21;MED21;TP6021\n93001;10;100;1\n93005;ten;100;1\n"
    )
    with pytest.raises(InputError) as error:
        load_sources(tmp_path)
    assert (
        str(error.value)
        == f"{path}: line 3, column NBMENFISC21: 'ten' is not a number (expected a number, or s / nd / empty for a missing value)"
    )


def test_duplicate_codes_are_an_error(tmp_path):
    write(tmp_path / "f.csv", "CODGEO;NBMENFISC21;MED21;TP6021\n93001;10;100;1\n93001;10;100;1\n")
    with pytest.raises(InputError, match="duplicate code 93001"):
        load_sources(tmp_path)


def test_unknown_tables_are_ignored(tmp_path):
    write(tmp_path / "notes.csv", "a;b\n1;2\n")
    assert identify(tmp_path / "notes.csv") is None
    assert load_sources(tmp_path) == {}


def test_year_suffix():
    assert readers.year_suffix(["CODGEO", "MED19"], "MED") == 2019
