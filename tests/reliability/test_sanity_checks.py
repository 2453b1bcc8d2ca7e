"""Sanity checks at every load: true warnings on data that cannot be right, none on the real data."""

import pytest
import reliability_fakes as fakes

from indicators import load_territory


@pytest.fixture(autouse=True)
def no_cache(monkeypatch):
    monkeypatch.setenv("PORTRAIT_CACHE", "off")


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_real_data_gives_no_warning(data_dir, monkeypatch):
    monkeypatch.delenv("PORTRAIT_CACHE")
    assert load_territory("93", data_dir).warnings == []


def test_the_fake_departement_gives_no_warning(tmp_path):
    assert load_territory("2A", fakes.write_departement(tmp_path)).warnings == []


def test_age_bands_that_do_not_add_up_to_the_population(tmp_path):
    root = fakes.write_departement(tmp_path)
    edit(
        root / fakes.DOSSIER, "\n2A003;540;", "\n2A003;740;"
    )  # 200 more children: 3200 against 3000
    assert load_territory("2A", root).warnings == [
        f"{fakes.DOSSIER}: the age bands P22_POP0014…P22_POP90P do not add up to P22_POP of {fakes.COMPARATEUR} "
        "(more than 1% apart) for 2A003 (3 200 against 3 000): are both files of the same census?"
    ]


def test_age_bands_within_the_tolerance(tmp_path):
    root = fakes.write_departement(tmp_path)
    edit(root / fakes.DOSSIER, "\n2A003;540;", "\n2A003;569;")  # 29 more: 0.97 %
    assert load_territory("2A", root).warnings == []


def test_population_that_triples_without_a_declared_merger(tmp_path):
    root = fakes.write_departement(tmp_path)
    edit(root / fakes.COMPARATEUR, "\n2A002;2000;1900;", "\n2A002;6000;1900;")
    warnings = load_territory("2A", root).warnings
    assert (
        "the population of 2A002 (Commune 1) goes from 1 940 (2018) to 6 000 (2022) and no merger is declared in "
        "geodata/data/commune_events.yaml: check the files, or declare the merger" in warnings
    )


def test_a_column_the_catalogue_reads_is_missing(tmp_path):
    root = fakes.write_departement(tmp_path)
    text = (root / fakes.COMPARATEUR).read_text(encoding="utf-8")
    lines = [line.split(";") for line in text.splitlines()]
    drop = lines[0].index("P22_LOGVAC")
    (root / fakes.COMPARATEUR).write_text(
        "\n".join(";".join(c for n, c in enumerate(row) if n != drop) for row in lines) + "\n"
    )
    assert load_territory("2A", root).warnings == [
        f"{fakes.COMPARATEUR} (rp_comparateur 2022) has no column P22_LOGVAC: 1 indicator(s) are n.d. (taux_vacance)"
    ]


def test_negative_rate_and_several_communes_in_one_line(tmp_path):
    root = fakes.write_departement(tmp_path)
    for n, code in enumerate(fakes.CODES):
        row = f"\n{code};{100 * (n + 1)};{250 * (n + 1)};{20000 + 1000 * n};{10 + n},0;"  # up to PIMP21, TP6021 follows
        edit(root / fakes.FILOSOFI, row, f"{row}-")
    assert load_territory("2A", root).warnings == [
        f"{fakes.FILOSOFI}: TP60 is a rate but lies outside 0-100 for 2A001 (-10.1), 2A002 (-11.1), 2A003 (-12.1) and 1 more: check the file"
    ]
