"""Two territories side by side for every indicator, the biggest differences first."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators.catalogue import Catalogue
from reports.formatting import format_gap, format_row, is_missing, shown_decimals


@dataclass
class Comparison:
    a: tuple  # (code, name)
    b: tuple
    dept_name: str
    rows: list  # dicts: label, theme, vintage, a, b, dept, gap, score
    date: str


def compare(
    table: pd.DataFrame,
    catalogue: Catalogue,
    a: str,
    b: str,
    names: dict[str, str],
    dept_name: str,
    date: str,
) -> Comparison:
    """Rows for each indicator at the latest vintage where both territories have a value.

    The order is by the gap divided by the spread of the département's communes
    (standard deviation), so that points of unemployment and euros of income compare.
    """
    rows = []
    communes = table[table["level"] == "commune"]
    depts = table[table["level"] == "departement"].set_index(["indicator", "vintage"])
    keyed = table.set_index(["code", "indicator", "vintage"])
    for indicator in catalogue:
        if not indicator.listed:  # only a chart draws it (the age bands)
            continue
        sub = table[table["indicator"] == indicator.id]
        values = sub.pivot_table(index="vintage", columns="code", values="value", aggfunc="first")
        if a not in values or b not in values:
            continue
        both = values[[a, b]].dropna()
        if both.empty:
            continue
        vintage = int(both.index.max())
        va, vb = both.loc[vintage, a], both.loc[vintage, b]
        spread = communes[
            (communes["indicator"] == indicator.id) & (communes["vintage"] == vintage)
        ]["value"].std(ddof=0)
        gap = va - vb if indicator.is_rate else (va / vb if vb else np.nan)
        score = abs(va - vb) / spread if spread and not is_missing(spread) else 0.0
        dept = (
            depts.loc[(indicator.id, vintage)]
            if (indicator.id, vintage) in depts.index
            else {"value": np.nan}
        )
        own = {code: keyed.loc[(code, indicator.id, vintage)] for code in (a, b)}
        shown = {code: format_row(row, indicator.unit) for code, row in own.items()}
        decimals = min(shown_decimals(indicator.unit, row["decimals"]) for row in own.values())
        rows.append(
            {
                "id": indicator.id,
                "label": indicator.label,
                "theme": catalogue.themes[indicator.theme],
                "vintage": vintage,
                "a": shown[a],
                "b": shown[b],
                "dept": format_row(dept, indicator.unit),
                "gap": format_gap(gap, indicator.unit, decimals),
                "score": score,
                "definition": indicator.definition,
            }
        )
    rows.sort(key=lambda r: -r["score"])
    return Comparison((a, names[a]), (b, names[b]), dept_name, rows, date)
