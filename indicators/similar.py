"""Communes comparables: the communes closest to one commune over the indicators of typology.yaml.

Closeness is the Euclidean distance between standardised values, z = (x − mean) / sd
(population sd) over every commune of the tables given: concatenate the tables of
several loaded départements to look beyond the commune's own. Only the indicators
the commune has count, and only communes having all of them are candidates. The
explanation names the two indicators where the pair is closest (three when the
third is as close as a quarter of a standard deviation) and the one where it differs most.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from geodata.cog import dept_of
from geodata.errors import InputError
from indicators.catalogue import load_catalogue
from indicators.declared import commune_values, french_list, zscores
from indicators.typology import load_set

if TYPE_CHECKING:
    from pathlib import Path

    from indicators.catalogue import Catalogue

__all__ = ["CLOSE", "similar_communes"]

CLOSE = 0.25  # a third indicator is named as close when the gap is at most this many standard deviations


def _explain(gaps, names):
    """(closest ids, most different id, French text) from one candidate's |z| gaps."""
    ranked = gaps.sort_values(kind="stable")
    closest = list(ranked.index[:2]) + [i for i in ranked.index[2:3] if ranked[i] <= CLOSE]
    differs = ranked.index[-1]
    text = f"proches pour {french_list(names[i] for i in closest)} ; écart principal : {names[differs]}"
    return tuple(closest), differs, text


def similar_communes(
    table: pd.DataFrame,
    code: str,
    n: int = 5,
    catalogue: Catalogue | None = None,
    path: str | Path | None = None,
) -> pd.DataFrame:
    """The `n` communes closest to `code` in `table` (one or several territories' tables, concatenated).

    Returns a DataFrame sorted by distance: code, name, departement, distance,
    closest (indicator ids), differs (indicator id), explanation.
    """
    _, declared = load_set(catalogue or load_catalogue(), path)
    values = commune_values(table, declared)
    if code not in values.index:
        raise InputError(None, f"commune {code} is not in the tables given")
    ids = [r.indicator for r in declared]
    z = zscores(values[ids])
    used = [i for i in ids if pd.notna(z.loc[code, i])]
    others = z.loc[z.index != code, used].dropna()
    gaps = (others - z.loc[code, used]).abs()
    distance = (gaps**2).sum(axis=1) ** 0.5
    nearest = distance.sort_values(kind="stable").index[:n]
    names = {r.indicator: r.entry["name"] for r in declared}
    explained = [_explain(gaps.loc[c], names) for c in nearest]
    return pd.DataFrame(
        {
            "code": nearest,
            "name": values.loc[nearest, "name"].to_numpy(),
            "departement": [dept_of(c) for c in nearest],
            "distance": distance[nearest].to_numpy(),
            "closest": [e[0] for e in explained],
            "differs": [e[1] for e in explained],
            "explanation": [e[2] for e in explained],
        }
    )
