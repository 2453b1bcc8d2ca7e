"""Indicators computed from other indicators' values of each territory: evolutions and crossed.

They run on the tidy table, after the source formulas, so a crossed indicator
combines two sources exactly as each is shown, for communes and for the
département, région and France alike; a missing operand names itself in the reason.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from indicators.compute import ESTIMATED, evaluate

if TYPE_CHECKING:
    from indicators.catalogue import Catalogue

__all__ = ["DIFFERENCE", "NO_OPERAND", "derived_rows"]

NO_OPERAND = "territoire sans valeur pour cet opérande"
DIFFERENCE = re.compile(
    r"\s*\w+\s*[-+]\s*\w+\s*"
)  # "b - a": as precise as the least precise operand


def _operands(frame, derivation):
    """Values, reasons, sources, kinds and decimals of a derivation's operands, one row per (code, level)."""
    keyed = frame.set_index(["indicator", "vintage"])
    columns = {"value": {}, "reason": {}, "source": {}, "how": {}, "decimals": {}}
    for operand in derivation.operands:
        rows = keyed.loc[[(operand.indicator, operand.vintage)]].set_index(["code", "level"])
        columns["value"][operand.name] = rows["value"]
        columns["reason"][operand.name] = (
            f"valeur {operand.describe} manquante : " + rows["missing_reason"]
        )
        columns["source"][operand.name] = rows["source"]
        columns["how"][operand.name] = rows["how"].fillna("")
        columns["decimals"][operand.name] = rows["decimals"].astype(float)
    values, reasons, sources, how, decimals = (pd.DataFrame(d) for d in columns.values())
    reasons = reasons.reindex(values.index)
    for operand in derivation.operands:
        reasons[operand.name] = reasons[operand.name].fillna(
            f"valeur {operand.describe} manquante : {NO_OPERAND}"
        )
    return (
        values.astype(float),
        reasons,
        sources.reindex(values.index),
        how.reindex(values.index),
        decimals.reindex(values.index),
    )


def _rows(indicator, derivation, frame):
    values, reasons, sources, how, decimals = _operands(frame, derivation)
    result, why = evaluate(derivation, values, reasons)
    result, why = result.to_numpy(copy=True), why.to_numpy(copy=True)
    estimated = (how == ESTIMATED).to_numpy()
    if indicator.evolution:
        # an evolution subtracts two values of the same kind: two published ones, or two estimates
        mixed = estimated.any(axis=1) & ~estimated.all(axis=1) & ~np.isnan(result)
        result[mixed] = np.nan
        why[mixed] = [_mixed_reason(derivation, row) for row in how[mixed].itertuples(index=False)]
    out = values.index.to_frame(index=False)
    kind = np.where(estimated.any(axis=1) & ~np.isnan(result), ESTIMATED, "calculée")
    precision = (
        decimals.min(axis=1, skipna=False).to_numpy()
        if DIFFERENCE.fullmatch(derivation.expression)
        else np.nan
    )
    out = out.assign(
        indicator=indicator.id,
        theme=indicator.theme,
        vintage=derivation.vintage,
        value=result,
        decimals=precision,
        unit=indicator.unit,
        how=kind,
        missing_reason=why,
        note="",
        old_perimeter_value=float("nan"),
        source=[" ; ".join(dict.fromkeys(s.dropna())) for _, s in sources.iterrows()],
    )
    return _one_france(out)


def _one_france(rows):
    """One France row: operands given for France entière and for France métropolitaine are never combined
    (each gives a row with the other operand missing); the row with a value is kept, else the one whose
    reason is the source's own rather than the other territory's absence."""
    france = rows[rows["level"] == "france"]
    order = france["value"].isna().astype(int) * 2 + france["missing_reason"].str.contains(
        NO_OPERAND, regex=False
    ).astype(int)
    france = france.loc[order.sort_values(kind="stable").index].head(1)
    return pd.concat([rows[rows["level"] != "france"], france], ignore_index=True)


def _mixed_reason(derivation, kinds):
    described = [
        f"{operand.vintage} {'estimée' if kind == ESTIMATED else 'publiée'}"
        for operand, kind in zip(derivation.operands, kinds)
    ]
    return "évolution non calculée : valeurs de nature différente (" + ", ".join(described) + ")"


def derived_rows(catalogue: Catalogue, frame: pd.DataFrame) -> pd.DataFrame:
    """Tidy rows of every evolution and crossed indicator, in catalogue order (one may use an earlier one)."""
    computed = []
    for indicator in catalogue:
        for derivation in indicator.derivations:
            computed.append(
                _rows(indicator, derivation, pd.concat([frame, *computed], ignore_index=True))
            )
    return pd.concat(computed, ignore_index=True) if computed else frame.iloc[:0]
