"""Aggregating source variables over several communes, following each family's declared rules.

Counts are summed; a rate is re-weighted by its known denominator; medians,
deciles and shares of an unknown total are never aggregated.
"""

import numpy as np
import pandas as pd

from indicators.sources import rule_for

__all__ = ["aggregate"]


def _count(number):
    """A count in a French sentence: 30 505, not 30505."""
    text = str(number)
    return f"{int(text):,}".replace(",", "\u202f") if text.isdigit() else text


def _communes(n):
    return "commune" if n < 2 else "communes"


def aggregate(
    values: pd.DataFrame, reasons: pd.DataFrame, family: str, members: list[str], label: str
) -> tuple[pd.Series, pd.Series]:
    """One row aggregated over `members` (codes present in `values`).

    Returns (Series of values, Series of reasons for the missing ones).
    `label` names the member set in reasons ("2 communes").
    """
    sub = values.loc[members]
    sub_reasons = reasons.loc[members]
    out, why = {}, {}
    for variable in values.columns:
        rule = rule_for(family, variable)
        column = sub[variable]
        if rule.how == "none":
            out[variable] = np.nan
            why[variable] = rule.reason or "non agrégeable"
            continue
        if column.isna().any():
            gaps = column.index[column.isna()]
            first = sub_reasons.loc[gaps[0], variable] or "valeur manquante"
            out[variable] = np.nan
            verb = "n'a" if len(gaps) == 1 else "n'ont"
            why[variable] = (
                f"valeur non disponible : {_count(len(gaps))} {_communes(len(gaps))} sur "
                f"{_count(label)} {verb} pas de valeur ({first} ; par exemple la commune {gaps[0]})"
            )
            continue
        if rule.how == "sum":
            out[variable] = column.sum()
        elif rule.how == "weighted":
            weight = sub[rule.weight]
            if weight.isna().any() or weight.sum() == 0:
                out[variable] = np.nan
                why[variable] = f"non calculable : pondération {rule.weight} manquante"
            else:
                out[variable] = float((column * weight).sum() / weight.sum())
        why.setdefault(variable, "")
    return pd.Series(out, dtype=float), pd.Series(why, dtype=object)
