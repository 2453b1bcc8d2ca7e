"""The commune map (code officiel géographique): départements, régions and commune events.

Sources are published on different commune maps. The events table declares the
mergers between them; every layer maps its data onto one target map with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from geodata.yamlfile import load_yaml

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "DATA",
    "FRANCE_CODE",
    "FRANCE_NAME",
    "FRANCE_NAMES",
    "Merger",
    "arrondissement_cities",
    "city_names",
    "code_mapping",
    "commune_events",
    "departements",
    "dept_name",
    "dept_of",
    "events_until",
    "is_metropolitan",
    "region_name",
]

DATA = Path(__file__).parent / "data"
FRANCE_CODE = "FRM"
FRANCE_NAME = "France métropolitaine"
FRANCE_NAMES = {
    FRANCE_CODE: FRANCE_NAME,
    "FE": "France entière",
}  # the France a reference value really covers


@dataclass(frozen=True)
class Merger:
    date: dt.date
    into: str
    into_name: str
    absorbed: tuple
    absorbed_names: tuple

    @property
    def year(self) -> int:
        return self.date.year

    def describe(self) -> str:
        names = " et ".join(self.absorbed_names)
        return f"fusion au {self.date:%d/%m/%Y} de {names} dans {self.into_name}"


@cache
def commune_events(path: str | Path | None = None) -> tuple[Merger, ...]:
    """The declared mergers, oldest first."""
    path = Path(path) if path else DATA / "commune_events.yaml"
    raw = load_yaml(path.read_text(encoding="utf-8")) or []
    events = []
    for entry in raw:
        date = entry["date"]
        if isinstance(date, str):
            date = dt.date.fromisoformat(date)
        events.append(
            Merger(
                date=date,
                into=str(entry["into"]["code"]),
                into_name=entry["into"]["name"],
                absorbed=tuple(str(a["code"]) for a in entry["absorbed"]),
                absorbed_names=tuple(a["name"] for a in entry["absorbed"]),
            )
        )
    return tuple(sorted(events, key=lambda e: e.date))


@cache
def departements() -> pd.DataFrame:
    """Reference table of départements with their région (COG)."""
    return pd.read_csv(DATA / "departements.csv", dtype=str).set_index("code")


def dept_of(code: str) -> str:
    """Département code of a commune or IRIS code (3 characters overseas)."""
    code = str(code)
    return code[:3] if code.startswith("97") else code[:2]


def dept_name(dept: str) -> str | None:
    table = departements()
    return table.loc[dept, "name"] if dept in table.index else None


def region_name(region: str) -> str | None:
    table = departements()
    match = table[table["region_code"] == region]
    return match["region_name"].iloc[0] if len(match) else None


def is_metropolitan(dept: str) -> bool:
    return not str(dept).startswith("97")


def events_until(date: dt.date | None = None) -> list[Merger]:
    """Mergers in force on `date` (all declared ones when None)."""
    return [e for e in commune_events() if date is None or e.date <= date]


@cache
def _cities():
    return tuple(load_yaml((DATA / "arrondissements.yaml").read_text(encoding="utf-8")))


def arrondissement_cities() -> dict[str, str]:
    """Municipal arrondissement code -> its city's code (Paris, Lyon, Marseille), from arrondissements.yaml."""
    return {
        str(n): str(c["code"])
        for c in _cities()
        for n in range(int(c["first"]), int(c["last"]) + 1)
    }


def city_names() -> dict[str, str]:
    """City code -> name, for the cities published by arrondissement."""
    return {str(c["code"]): c["name"] for c in _cities()}


def code_mapping(events: Iterable[Merger]) -> dict[str, str]:
    """Old commune code -> code on the target map, following chains of mergers."""
    mapping = {}
    for event in events:
        for old in event.absorbed:
            mapping[old] = event.into
    for old in list(mapping):
        seen = {old}
        while mapping[old] in mapping and mapping[old] not in seen:
            seen.add(mapping[old])
            mapping[old] = mapping[mapping[old]]
    return mapping
