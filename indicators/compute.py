"""Indicator values for every territory: communes, département, région, France.

Commune values come from the harmonised source tables; larger territories take
the publisher's official row when there is one (an INSEE file's row, or a value of
the published-references table, cited as such), else the declared aggregation of
their communes: summed counts are exact, rates re-weighted from rounded commune
rates are estimates and say so; else they stay missing with the reason.
"""

from __future__ import annotations

import ast
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geodata.cog import FRANCE_CODE, departements, dept_of, is_metropolitan
from indicators.aggregate import aggregate
from indicators.sources import published_key, rule_for

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import CodeType

    from indicators.catalogue import Derivation, Formula
    from indicators.sources import SourceTable

__all__ = [
    "ALLOWED",
    "COVERAGE",
    "ESTIMATED",
    "OFFICIAL",
    "SUMMED",
    "Territories",
    "compiled",
    "evaluate",
    "find_table",
    "formula_decimals",
    "formula_values",
]

COVERAGE = 0.95  # share of a territory's communes a table must hold to be summed over it


def find_table(tables: dict[tuple[str, int], SourceTable], formula: Formula) -> SourceTable | None:
    """The source table that holds a formula's variables, preferring its vintage."""
    candidates = [
        t
        for (family, _), t in tables.items()
        if family == formula.source
        and (set(formula.variables) <= set(t.data.columns) or _official_has(t, formula))
    ]
    if not candidates:
        return None
    exact = [t for t in candidates if t.vintage == formula.vintage]
    if exact:
        return exact[0]
    # another vintage's table only when the variables carry the year themselves (P16_POP in the RP 2022 file)
    years = (f"{formula.vintage % 100:02d}", str(formula.vintage))
    if any(y in variable for variable in formula.variables for y in years):
        return sorted(candidates, key=lambda t: -t.vintage)[0]
    return None


def _official_has(table, formula):
    return any(set(formula.variables) <= set(data.columns) for data, _ in table.official.values())


ALLOWED = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.Name,
    ast.Constant,
    ast.Load,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Pow,
    ast.USub,
    ast.UAdd,
)


@cache
def compiled(expression: str) -> CodeType:
    """Arithmetic on variable names only: anything else in a catalogue expression is refused."""
    tree = ast.parse(expression, mode="eval")
    for node in ast.walk(tree):
        if not isinstance(node, ALLOWED):
            raise ValueError(
                f"expression {expression!r}: only + - * / ** on variables and numbers are allowed"
            )
    return compile(tree, "<catalogue>", "eval")


def evaluate(
    formula: Formula | Derivation, frame: pd.DataFrame, reasons: pd.DataFrame
) -> tuple[pd.Series, pd.Series]:
    """Evaluate a formula on rows of variables; returns (values, reasons of the missing ones)."""
    if frame.empty:
        return pd.Series(dtype=float), pd.Series(dtype=object)
    missing = [v for v in formula.variables if v not in frame.columns]
    if missing:
        return (
            pd.Series(np.nan, index=frame.index),
            pd.Series(f"variable {missing[0]} absente de la source", index=frame.index),
        )
    columns = {v: frame[v].to_numpy(dtype=float) for v in formula.variables}
    with np.errstate(all="ignore"):
        result = eval(compiled(formula.expression), {"__builtins__": {}}, columns)
    values = np.broadcast_to(np.asarray(result, dtype=float), len(frame)).copy()
    values[~np.isfinite(values)] = np.nan
    why = np.full(len(frame), "", dtype=object)
    for variable in reversed(formula.variables):
        gap = np.isnan(columns[variable])
        if gap.any():
            text = (
                reasons[variable].to_numpy(dtype=object)[gap]
                if variable in reasons
                else np.full(gap.sum(), "")
            )
            why[gap] = [t or "valeur manquante" for t in text]
    why[np.isnan(values) & (why == "")] = "non calculable (dénominateur nul)"
    why[~np.isnan(values)] = ""
    return pd.Series(values, index=frame.index), pd.Series(why, index=frame.index, dtype=object)


class Territories:
    """The territories of one département and their member communes, over harmonised tables."""

    def __init__(
        self, dept: str, communes: Iterable[str], tables: dict[tuple[str, int], SourceTable]
    ) -> None:
        self.dept = dept
        self.communes = list(communes)
        self.tables = tables
        self.region = (
            departements().loc[dept, "region_code"] if dept in departements().index else None
        )
        self._region_depts = set(departements().index[departements()["region_code"] == self.region])
        self._rows = {}
        self._reference = self._reference_counts()

    def _reference_counts(self):
        """How many communes the région and France have, from the tables that span them.

        A table spans the région when it has communes in each of its départements, France
        when it has communes in nearly all (90 of 96) metropolitan départements; without
        such a table the région or France are not summed at all.
        """
        counts = {"region": None, "france": None}
        for table in self.tables.values():
            depts = pd.Series(table.data.index.map(dept_of))
            present = set(depts)
            if self._region_depts and self._region_depts <= present:
                counts["region"] = max(counts["region"] or 0, int(depts.map(self._in_region).sum()))
            if sum(is_metropolitan(d) for d in present) >= 90:
                counts["france"] = max(counts["france"] or 0, int(depts.map(is_metropolitan).sum()))
        return counts

    def _in_region(self, dept):
        return dept in self._region_depts

    def levels(self) -> list[tuple[str, str]]:
        out = [("departement", self.dept)]
        if self.region:
            out.append(("region", self.region))
        out.append(("france", FRANCE_CODE))
        return out

    def members(self, table: SourceTable, level: str) -> tuple[list[str], int | None]:
        depts = pd.Series(table.data.index.map(dept_of))
        if level in ("departement", "ept"):
            return [c for c in self.communes], len(self.communes)
        if level == "region":
            mask = depts.map(self._in_region)
            return list(table.data.index[np.asarray(mask, dtype=bool)]), self._reference["region"]
        mask = depts.map(is_metropolitan)
        return list(table.data.index[np.asarray(mask, dtype=bool)]), self._reference["france"]

    def row(self, table: SourceTable, level: str) -> tuple[pd.Series | None, pd.Series | None, str]:
        """(values, reasons, why not) of a larger territory aggregated from its communes, cached per table."""
        key = (table.family, table.vintage, level)
        if key not in self._rows:
            self._rows[key] = self._aggregated(table, level)
        return self._rows[key]

    def _aggregated(self, table, level):
        if table.data.empty:
            return None, None, "pas de données communales dans la source"
        members, expected = self.members(table, level)
        present = [c for c in members if c in table.data.index]
        if level in ("departement", "ept") and len(present) < len(members):
            absent = sorted(set(members) - set(present))
            return (
                None,
                None,
                f"{len(absent)} {'commune absente' if len(absent) == 1 else 'communes absentes'} "
                f"de la source ({', '.join(absent[:3])})",
            )
        if level not in ("departement", "ept") and (
            not present or expected is None or len(present) < COVERAGE * expected
        ):
            return None, None, "non disponible : la source ne couvre pas tout le territoire"
        values, reasons = aggregate(
            table.data, table.reasons, table.family, present, f"{len(present)}"
        )
        return values, reasons, ""

    def reference(
        self, table: SourceTable, formula: Formula, level: str, code: str
    ) -> dict[str, object]:
        """The record of a larger territory: its published value when there is one, else the aggregate of its communes."""
        official = _official(table, formula, level, code)
        if official is not None:
            return official
        data, reasons, why = self.row(table, level)
        if data is None:
            return _record(code, level, np.nan, why)
        value, reason = evaluate(formula, data.to_frame().T, reasons.to_frame().T)
        how = "" if pd.isna(value.iloc[0]) else ESTIMATED if _weighted(table, formula) else SUMMED
        return _record(
            code,
            level,
            value.iloc[0],
            reason.iloc[0],
            how=how,
            decimals=formula_decimals(formula, table, "commune"),
        )


OFFICIAL = "officielle"
SUMMED = "somme des communes"  # additive counts summed over every commune: exact
ESTIMATED = "estimation à partir des communes"  # rates re-weighted from the communes' rounded rates


def _record(
    code, level, value, reason="", note="", how="", old=np.nan, decimals=np.nan, source=None
):
    return {
        "code": code,
        "level": level,
        "value": value,
        "missing_reason": reason,
        "note": note,
        "how": how,
        "old_perimeter_value": old,
        "decimals": decimals,
        "source": source,
    }


def _weighted(table, formula):
    return any(rule_for(table.family, v).how == "weighted" for v in formula.variables)


def formula_decimals(
    formula: Formula, table: SourceTable, level: str, code: str | None = None
) -> float:
    """The decimals the source publishes a single-variable value with (NaN: the unit's own)."""
    if len(formula.variables) != 1 or formula.expression != formula.variables[0]:
        return np.nan
    variable = formula.variables[0]
    published = table.decimals.get(published_key(level, code), {})
    return published.get(variable, table.decimals.get(level, {}).get(variable, np.nan))


def _citation(cited):
    """The publications of a published value and their addresses, each said once; None when none is cited."""
    cited = [c for c in cited if c]
    if not cited:
        return None
    addresses = ", ".join(sorted({address for _, address in cited if address}))
    return " ; ".join(sorted({publication for publication, _ in cited})) + (
        f", {addresses}" if addresses else ""
    )


def _official(table, formula, level, code):
    """The publisher's record of a larger territory for a formula, or None.

    France is France métropolitaine when the publisher gives it, else France entière (the
    census tables): the record's code says which."""
    official = table.official.get(level)
    if official is None:
        return None
    data, reasons = official
    cited = table.citations.get(level, {})
    for candidate in (FRANCE_CODE, "FE") if level == "france" else (code,):
        if candidate not in data.index or not set(formula.variables) <= set(data.columns):
            continue
        row = data.loc[candidate, list(formula.variables)]
        if candidate in cited and row.isna().any():
            continue  # a published-references row gives some variables of a family only
        value, reason = evaluate(formula, data.loc[[candidate]], reasons.loc[[candidate]])
        source = _citation([cited.get(candidate, {}).get(v) for v in formula.variables])
        decimals = formula_decimals(formula, table, level, candidate)
        return _record(
            candidate,
            level,
            value.iloc[0],
            reason.iloc[0],
            how=OFFICIAL,
            decimals=decimals,
            source=source,
        )
    return None


def formula_values(
    formula: Formula, territories: Territories
) -> tuple[list[dict[str, object]], SourceTable | None]:
    """Records (dicts of the tidy columns) of one formula for every territory, and the table used."""
    table = find_table(territories.tables, formula)
    if table is None:
        reason = f"source {formula.source} absente du répertoire de données"
        everyone = [(code, "commune") for code in territories.communes] + [
            (code, level) for level, code in territories.levels()
        ]
        return [_record(code, level, np.nan, reason) for code, level in everyone], None
    present = [c for c in territories.communes if c in table.data.index]
    values, why = evaluate(formula, table.data.loc[present], table.reasons.loc[present])
    decimals = formula_decimals(formula, table, "commune")
    recomputed = ESTIMATED if _weighted(table, formula) else SUMMED
    old = table.old_perimeter
    rows = []
    for code in territories.communes:
        if code not in table.data.index:
            rows.append(
                _record(code, "commune", np.nan, f"commune absente de {table.paths[0].name}")
            )
            continue
        note, old_value = table.notes.get(code, ""), np.nan
        if old is not None and code in old.index and pd.isna(values[code]):
            old_value = evaluate(
                formula, old.loc[[code]].astype(float), pd.DataFrame(index=[code])
            )[0].iloc[0]
            if pd.notna(old_value):
                note = f"données {formula.vintage} : périmètre de l'ancienne commune"
        how = recomputed if code in table.notes and pd.notna(values[code]) else ""
        rows.append(
            _record(code, "commune", values[code], why[code], note, how, old_value, decimals)
        )
    for level, code in territories.levels():
        rows.append(territories.reference(table, formula, level, code))
    return rows, table
