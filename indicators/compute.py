"""Indicator values for every territory: communes, département, région, France métropolitaine.

Commune values come from the harmonised source tables; larger territories take
the publisher's official row when there is one, else the declared aggregation
of their communes (summed counts, re-weighted rates), else stay missing with
the reason.
"""

import ast
from functools import lru_cache

import numpy as np
import pandas as pd

from geodata.cog import FRANCE_CODE, dept_of, departements, is_metropolitan
from indicators.aggregate import aggregate

COVERAGE = 0.95  # share of a territory's communes a table must hold to be summed over it


def find_table(tables, formula):
    """The source table that holds a formula's variables, preferring its vintage."""
    candidates = [
        t for (family, _), t in tables.items()
        if family == formula.source and (set(formula.variables) <= set(t.data.columns) or _official_has(t, formula))
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


ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Load, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)


@lru_cache(maxsize=None)
def compiled(expression):
    """Arithmetic on variable names only: anything else in a catalogue expression is refused."""
    tree = ast.parse(expression, mode="eval")
    for node in ast.walk(tree):
        if not isinstance(node, ALLOWED):
            raise ValueError(f"expression {expression!r}: only + - * / ** on variables and numbers are allowed")
    return compile(tree, "<catalogue>", "eval")


def evaluate(formula, frame, reasons):
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
        result = eval(compiled(formula.expression), {"__builtins__": {}}, columns)  # noqa: S307 - checked by compiled()
    values = np.broadcast_to(np.asarray(result, dtype=float), len(frame)).copy()
    values[~np.isfinite(values)] = np.nan
    why = np.full(len(frame), "", dtype=object)
    for variable in reversed(formula.variables):
        gap = np.isnan(columns[variable])
        if gap.any():
            text = reasons[variable].to_numpy(dtype=object)[gap] if variable in reasons else np.full(gap.sum(), "")
            why[gap] = [t or "valeur manquante" for t in text]
    why[np.isnan(values) & (why == "")] = "non calculable (dénominateur nul)"
    why[~np.isnan(values)] = ""
    return pd.Series(values, index=frame.index), pd.Series(why, index=frame.index, dtype=object)


class Territories:
    """The territories of one département and their member communes, over harmonised tables."""

    def __init__(self, dept, communes, tables):
        self.dept = dept
        self.communes = list(communes)
        self.tables = tables
        self.region = departements().loc[dept, "region_code"] if dept in departements().index else None
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

    def levels(self):
        out = [("departement", self.dept)]
        if self.region:
            out.append(("region", self.region))
        out.append(("france", FRANCE_CODE))
        return out

    def members(self, table, level):
        depts = pd.Series(table.data.index.map(dept_of))
        if level in ("departement", "ept"):
            return [c for c in self.communes], len(self.communes)
        if level == "region":
            mask = depts.map(self._in_region)
            return list(table.data.index[np.asarray(mask, dtype=bool)]), self._reference["region"]
        mask = depts.map(is_metropolitan)
        return list(table.data.index[np.asarray(mask, dtype=bool)]), self._reference["france"]

    def row(self, table, level, code):
        """(values, reasons, how) of a larger territory for a table, cached."""
        key = (table.family, table.vintage, level)
        if key in self._rows:
            return self._rows[key]
        official = table.official.get(level)
        if official is not None and code in official[0].index:
            result = (official[0].loc[code], official[1].loc[code], "officielle")
        else:
            result = self._aggregated(table, level)
        self._rows[key] = result
        return result

    def _aggregated(self, table, level):
        if table.data.empty:
            return None, None, "pas de données communales dans la source"
        members, expected = self.members(table, level)
        present = [c for c in members if c in table.data.index]
        if level in ("departement", "ept") and len(present) < len(members):
            absent = sorted(set(members) - set(present))
            return None, None, f"{len(absent)} commune(s) absente(s) de la source ({', '.join(absent[:3])})"
        if level not in ("departement", "ept") and (not present or expected is None or len(present) < COVERAGE * expected):
            return None, None, "non disponible : la source ne couvre pas tout le territoire"
        values, reasons = aggregate(table.data, table.reasons, table.family, present, f"{len(present)}")
        return values, reasons, "agrégée"


def formula_values(formula, territories):
    """Long rows (code, level, value, reason, note, how, old perimeter value) of one formula for all territories."""
    table = find_table(territories.tables, formula)
    rows = []
    if table is None:
        reason = f"source {formula.source} absente du répertoire de données"
        for code in territories.communes:
            rows.append((code, "commune", np.nan, reason, "", "", np.nan))
        for level, code in territories.levels():
            rows.append((code, level, np.nan, reason, "", "", np.nan))
        return rows, None
    present = [c for c in territories.communes if c in table.data.index]
    values, why = evaluate(formula, table.data.loc[present], table.reasons.loc[present])
    old = table.old_perimeter
    for code in territories.communes:
        if code not in table.data.index:
            rows.append((code, "commune", np.nan, f"commune absente de {table.paths[0].name}", "", "", np.nan))
            continue
        note, old_value = table.notes.get(code, ""), np.nan
        if old is not None and code in old.index and pd.isna(values[code]):
            old_value = evaluate(formula, old.loc[[code]].astype(float), pd.DataFrame(index=[code]))[0].iloc[0]
            if pd.notna(old_value):
                note = f"données {formula.vintage} : périmètre de l'ancienne commune"
        rows.append((code, "commune", values[code], why[code], note, "", old_value))
    for level, code in territories.levels():
        data, reasons, how = territories.row(table, level, code)
        if data is None:
            rows.append((code, level, np.nan, how, "", "", np.nan))
            continue
        value, reason = evaluate(formula, data.to_frame().T, reasons.to_frame().T)
        rows.append((code, level, value.iloc[0], reason.iloc[0], "", how, np.nan))
    return rows, table
