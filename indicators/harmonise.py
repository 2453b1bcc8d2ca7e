"""Put every source on one commune map, using the declared commune events.

The target map is by default the most recent one that a source is seen to use.
Tables on an older map have the absorbed communes merged into the absorbing
one (counts summed, rates re-weighted, medians left missing with the reason and
the old perimeter's value kept for the note).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geodata.cog import arrondissement_cities, city_names, code_mapping, commune_events, dept_of
from indicators.aggregate import aggregate
from indicators.sources import rule_for

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from geodata.cog import Merger
    from indicators.sources import SourceTable

__all__ = [
    "communes_of",
    "count_once",
    "harmonise",
    "iris_to_communes",
    "is_after",
    "is_before",
    "merge_communes",
    "target_events",
]


def _has_data(table, code):
    return code in table.data.index and table.data.loc[code].notna().any()


def is_after(table: SourceTable, event: Merger) -> bool:
    """True when the table is published on the map after `event` (absorbed communes gone or empty)."""
    if event.into not in table.data.index:
        return False
    return not any(_has_data(table, old) for old in event.absorbed)


def is_before(table: SourceTable, event: Merger) -> bool:
    return any(_has_data(table, old) for old in event.absorbed) and event.into in table.data.index


def target_events(
    tables: dict[tuple[str, int], SourceTable], events: Sequence[Merger] | None = None
) -> list[Merger]:
    """Mergers to apply: every declared one up to the latest that some source already shows."""
    events = commune_events() if events is None else events
    seen = [
        e
        for e in events
        if any(is_after(t, e) for t in tables.values() if t.level == "commune" and not t.data.empty)
    ]
    if not seen:
        return []
    last = max(e.date for e in seen)
    return [e for e in events if e.date <= last]


def merge_communes(table: SourceTable, events: Iterable[Merger]) -> SourceTable:
    """A copy of a commune table on the target map."""
    if table.data.empty:
        return table
    data, reasons = table.data, table.reasons
    notes, old = {}, {}
    for event in events:
        if is_after(table, event):
            keep = ~data.index.isin(event.absorbed)
            data, reasons = data[keep], reasons[keep]
            continue
        if not is_before(table, event):
            continue
        members = [event.into, *[c for c in event.absorbed if c in data.index]]
        row, why = aggregate(data, reasons, table.family, members, f"{len(members)}")
        old[event.into] = data.loc[event.into]
        keep = ~data.index.isin(event.absorbed)
        data, reasons = data[keep].copy(), reasons[keep].copy()
        data.loc[event.into] = row
        reasons.loc[event.into] = why.where(row.isna(), "")
        for variable in data.columns:
            if rule_for(table.family, variable).how == "none":
                reasons.loc[event.into, variable] = (
                    f"non disponible sur le périmètre actuel : {event.describe()} "
                    f"(donnée {table.vintage} publiée sur l'ancien périmètre)"
                )
        notes[event.into] = (
            f"données {table.vintage} recalculées sur le périmètre actuel ({event.describe()})"
        )
    old_frame = pd.DataFrame(old).T if old else None
    return replace(table, data=data, reasons=reasons, notes=notes, old_perimeter=old_frame)


def count_once(table: SourceTable) -> SourceTable:
    """Each person once: a city's arrondissement rows stand in for it only when its own row is absent.

    A source may list Paris as 75056, as 75101..75120, or as both (the census extracts do):
    with both, the arrondissements are dropped; with the arrondissements only, they are
    aggregated into the city by the family's rules (counts summed, medians left missing)."""
    cities = arrondissement_cities()
    present = [c for c in table.data.index if c in cities]
    if table.data.empty or not present:
        return table
    data, reasons, names = table.data, table.reasons, table.names
    added = {}
    for city in sorted({cities[c] for c in present}):
        if city in data.index:
            continue
        members = [c for c in present if cities[c] == city]
        row, why = aggregate(
            data, reasons, table.family, members, f"{len(members)} arrondissements"
        )
        added[city] = (row, why.where(row.isna(), ""))
    keep = ~data.index.isin(present)
    data, reasons = data[keep], reasons[keep]
    if added:
        data = pd.concat([data, pd.DataFrame({c: r for c, (r, _) in added.items()}).T])
        reasons = pd.concat(
            [reasons, pd.DataFrame({c: w for c, (_, w) in added.items()}).T]
        ).fillna("")
    if names is not None:
        names = pd.concat(
            [
                names[~names.index.isin(present)],
                pd.Series({c: city_names()[c] for c in added}, dtype=object),
            ]
        )
    data.index.name = reasons.index.name = "code"
    notes = {
        **table.notes,
        **{c: f"données {table.vintage} recalculées à partir des arrondissements" for c in added},
    }
    return replace(table, data=data, reasons=reasons, names=names, notes=notes)


def iris_to_communes(table: SourceTable, mapping: dict[str, str]) -> SourceTable | None:
    """Sum an IRIS table of counts to communes on the target map; None when it is not all counts."""
    if any(rule_for(table.family, v).how != "sum" for v in table.variables):
        return None
    communes = table.parent.map(lambda c: mapping.get(c, c)).rename("code")
    data = table.data.groupby(communes).sum(min_count=1)
    reasons = table.reasons.replace("", np.nan).groupby(communes).first().fillna("")
    data.index.name = reasons.index.name = "code"
    notes = {
        new: f"données {table.vintage} recalculées sur le périmètre actuel (IRIS de {old} rattachés à {new})"
        for old, new in mapping.items()
        if (table.parent == old).any()
    }
    decimals = {
        "commune": table.decimals.get("iris", {}),
        **{k: v for k, v in table.decimals.items() if k != "iris"},
    }
    return replace(
        table,
        level="commune",
        data=data,
        reasons=reasons.reindex(data.index),
        names=None,
        parent=None,
        notes=notes,
        decimals=decimals,
    )


def harmonise(
    tables: dict[tuple[str, int], SourceTable], events: Sequence[Merger] | None = None
) -> tuple[dict[tuple[str, int], SourceTable], dict[tuple[str, int], SourceTable], list[Merger]]:
    """(commune tables on the target map, IRIS tables, applied events)."""
    applied = target_events(tables, events)
    mapping = {**arrondissement_cities(), **code_mapping(applied)}
    communes, iris = {}, {}
    for key, table in tables.items():
        if table.level == "iris":
            summed = iris_to_communes(table, mapping)
            table.parent = table.parent.map(lambda c: mapping.get(c, c))
            iris[key] = table
            if summed is not None:
                communes[key] = summed
        else:
            communes[key] = merge_communes(count_once(table), applied)
    return communes, iris, applied


def communes_of(tables: dict[tuple[str, int], SourceTable], dept: str) -> set[str]:
    """Commune codes of a département seen in the harmonised tables."""
    codes = set()
    for table in tables.values():
        codes.update(c for c in table.data.index if dept_of(c) == dept)
    return codes
