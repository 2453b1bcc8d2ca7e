"""Sanity checks run at every load: what the data files say that cannot be true, as one-line warnings.

A file can be readable and still wrong: a rate of 150 %, more unemployed than active people, age
bands that do not add up to the population, a population that doubles with no merger. No check
changes a value: each warning names the file, the communes and what looks wrong, so that whoever
dropped the file in can check it. What makes a file unreadable is an error of the readers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

from geodata import boundaries
from geodata.cog import commune_events, dept_of
from indicators.compute import find_table
from indicators.sources import FAMILIES

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path

    from indicators.catalogue import Catalogue
    from indicators.sources import SourceTable

__all__ = [
    "AGE_BANDS",
    "AGE_TOLERANCE",
    "LISTED",
    "POPULATION_FACTOR",
    "RATE_COLUMNS",
    "SHARE",
    "age_bands",
    "check",
    "coverage",
    "missing_columns",
    "population_jumps",
    "rates",
    "repaired_outlines",
    "shares",
]

AGE_BANDS = (
    "0014",
    "1529",
    "3044",
    "4559",
    "6074",
    "7589",
    "90P",
)  # the census bands that partition the population
AGE_TOLERANCE = 0.01  # the bands are rounded weighted counts: INSEE's sums agree to 0.01 inhabitant
POPULATION_FACTOR = (
    2  # between two vintages, only a merger (or an error) changes a population this much
)
RATE_COLUMNS = {  # source columns that are rates of a known total, so within 0-100
    "filosofi": r"TP60.*|PIMP",
    "filosofi_iris": r"DEC_(TP60|PIMP)\d\d",
    "rp_communes_derived": r"(?!pop_|log_)\w+",
}
SHARE = re.compile(
    r"\((?P<num>[\w +]+)\) / \((?P<den>[\w +]+)\) \* 100"
)  # a catalogue numerator/denominator formula
LISTED = 3  # communes named in one warning


def check(
    data_dir: str | Path,
    dept: str,
    tables: dict[tuple[str, int], SourceTable],
    iris: dict[tuple[str, int], SourceTable],
    table: pd.DataFrame,
    catalogue: Catalogue,
    communes: pd.DataFrame,
) -> list[str]:
    """Every warning about département `dept`'s data: harmonised commune and IRIS tables, the tidy table."""
    names = dict(zip(communes["code"], communes["name"]))
    return [
        *rates([*tables.values(), *iris.values()], dept),
        *age_bands(tables, dept),
        *shares(table, catalogue, tables, names),
        *population_jumps(table, names),
        *coverage(tables, dept, names),
        *missing_columns(tables, catalogue),
        *repaired_outlines(data_dir, dept),
    ]


def _in_dept(table, dept):
    """The rows of a table that belong to the département (IRIS by their commune)."""
    codes = (
        table.parent
        if table.level == "iris" and table.parent is not None
        else pd.Series(table.data.index, index=table.data.index)
    )
    return table.data[codes.map(dept_of).reindex(table.data.index).eq(dept).to_numpy()]


def _listed(items):
    """`2A001 (150), 2A003 (-4)`, at most LISTED of them, and how many more."""
    items = list(items)
    more = f" and {len(items) - LISTED} more" if len(items) > LISTED else ""
    return ", ".join(items[:LISTED]) + more


def _number(value):
    return f"{value:,.10g}".replace(",", " ")


def _commune(code, names):
    """`2A001 (Ajaccio)`, the name on one line whatever the boundary file holds."""
    name = " ".join(str(names.get(code, code)).split())
    return f"{code} ({name})" if name != code else code


def rates(tables: Iterable[SourceTable], dept: str) -> list[str]:
    """Source rate columns (poverty rate, share of taxed households...) outside 0-100."""
    warnings = []
    for table in tables:
        pattern = RATE_COLUMNS.get(table.family)
        if pattern is None:
            continue
        rows = _in_dept(table, dept)
        for column in (c for c in rows.columns if re.fullmatch(pattern, c)):
            values = rows[column]
            wrong = values[(values < 0) | (values > 100)]
            if len(wrong):
                where = _listed(f"{code} ({_number(v)})" for code, v in wrong.items())
                warnings.append(
                    f"{table.paths[0].name}: {column} is a rate but lies outside 0-100 for {where}: check the file"
                )
    return warnings


def age_bands(tables: dict[tuple[str, int], SourceTable], dept: str) -> list[str]:
    """Census age bands that do not add up to the population of the same census, beyond AGE_TOLERANCE."""
    warnings = []
    for table in tables.values():
        for year in sorted(
            {m.group(1) for c in table.data.columns if (m := re.fullmatch(r"P(\d\d)_POP0014", c))}
        ):
            bands = [f"P{year}_POP{band}" for band in AGE_BANDS]
            total = next((t for t in tables.values() if f"P{year}_POP" in t.data.columns), None)
            if total is None or not set(bands) <= set(table.data.columns):
                continue
            rows = _in_dept(table, dept)
            summed = rows[bands].sum(axis=1, min_count=len(bands))
            population = total.data[f"P{year}_POP"].reindex(summed.index)
            gap = (summed - population).abs() / population
            wrong = gap[gap > AGE_TOLERANCE]
            if len(wrong):
                where = _listed(
                    f"{c} ({_number(summed[c])} against {_number(population[c])})"
                    for c in wrong.index
                )
                warnings.append(
                    f"{table.paths[0].name}: the age bands {bands[0]}…{bands[-1]} do not add up to P{year}_POP of "
                    f"{total.paths[0].name} (more than {AGE_TOLERANCE:.0%} apart) for {where}: are both files of the same census?"
                )
    return warnings


def shares(
    table: pd.DataFrame,
    catalogue: Catalogue,
    tables: dict[tuple[str, int], SourceTable],
    names: Mapping[str, str],
) -> list[str]:
    """A share (a catalogue numerator/denominator in %) above 100 %: the numerator exceeds its denominator."""
    warnings = []
    communes = table[(table["level"] == "commune") & (table["value"] > 100)]
    for (indicator_id, vintage), rows in communes.groupby(["indicator", "vintage"]):
        formula = catalogue[indicator_id].formula(vintage)
        match = SHARE.fullmatch(formula.expression) if formula else None
        if match is None:
            continue
        source = find_table(tables, formula)
        where = _listed(
            f"{_commune(code, names)} ({v:.1f} %)" for code, v in zip(rows["code"], rows["value"])
        )
        warnings.append(
            f"{indicator_id} {vintage} is above 100 % for {where}: {match['num']} is larger than {match['den']}"
            f" in {source.paths[0].name}, check the file"
        )
    return warnings


def population_jumps(table: pd.DataFrame, names: Mapping[str, str]) -> list[str]:
    """A commune population that changes more than POPULATION_FACTOR times between two vintages without a declared merger."""
    merged = {code for event in commune_events() for code in (event.into, *event.absorbed)}
    rows = table[
        (table["indicator"] == "population")
        & (table["level"] == "commune")
        & table["value"].notna()
    ]
    warnings = []
    for code, series in rows.sort_values("vintage").groupby("code"):
        pairs = list(zip(series["vintage"], series["value"]))
        for (before, old), (after, new) in zip(pairs, pairs[1:]):
            if (
                code not in merged
                and old > 0
                and not 1 / POPULATION_FACTOR <= new / old <= POPULATION_FACTOR
            ):
                warnings.append(
                    f"the population of {_commune(code, names)} goes from {_number(old)} ({before}) to {_number(new)} ({after}) "
                    "and no merger is declared in geodata/data/commune_events.yaml: check the files, or declare the merger"
                )
                break
    return warnings


def coverage(
    tables: dict[tuple[str, int], SourceTable], dept: str, names: Mapping[str, str]
) -> list[str]:
    """Communes of the boundaries that a table of the département has no row for: their figures are n.d."""
    warnings = []
    for table in tables.values():
        present = set(_in_dept(table, dept).index)
        absent = [c for c in names if c not in present]
        if present and absent:
            warnings.append(
                f"{table.paths[0].name} has no row for {_listed(_commune(c, names) for c in absent)}: "
                f"their {table.family} {table.vintage} figures are n.d."
            )
    return warnings


def missing_columns(tables: dict[tuple[str, int], SourceTable], catalogue: Catalogue) -> list[str]:
    """Columns the catalogue reads from a table of the right family and vintage that the file does not have."""
    absent = {}
    for indicator in catalogue:
        for formula in indicator.formulas:
            table = tables.get((formula.source, formula.vintage))
            if table is None or table.data.empty or find_table(tables, formula) is not None:
                continue
            columns, ids = absent.setdefault((formula.source, formula.vintage), ({}, {}))
            columns.update(
                dict.fromkeys(
                    _column_name(table, v) for v in formula.variables if v not in table.data.columns
                )
            )
            ids[indicator.id] = None
    return [
        f"{tables[key].paths[0].name} ({key[0]} {key[1]}) has no column {_listed(columns)}: "
        f"{len(ids)} indicator(s) are n.d. ({_listed(ids)})"
        for key, (columns, ids) in absent.items()
    ]


def _column_name(table, variable):
    """A variable as the file names it: MED is MED21 in the Filosofi 2021 file."""
    family = next(f for f in FAMILIES if f.id == table.family)
    return f"{variable}{table.vintage % 100:02d}" if family.strip_suffix else variable


def repaired_outlines(data_dir: str | Path, dept: str) -> list[str]:
    """Invalid outlines (self-intersecting...) of the boundary files the maps use, repaired on load."""
    by_file = {}
    for path, code, why in boundaries.repaired(data_dir, dept):
        by_file.setdefault(path, []).append(f"{code} {why.lower()}")
    return [
        f"{path.name}: {len(items)} invalid outline(s) repaired on load ({_listed(items)}): correct the file to keep its exact shapes"
        for path, items in by_file.items()
    ]
