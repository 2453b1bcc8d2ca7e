"""Indicator sets declared in YAML files (fragility, typology, quadrants): reading, checking, values.

Each set names catalogue indicators with a vintage; checking them on load turns
a typo into a one-line InputError naming the file rather than an empty column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd
import yaml

from geodata.errors import InputError
from geodata.yamlfile import load_yaml

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "DATA",
    "Ref",
    "check_ref",
    "check_refs",
    "commune_values",
    "departement_values",
    "french_list",
    "read_yaml",
    "section",
    "zscores",
]

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Ref:
    """One indicator at one vintage, with the entry that declared it (for its extra keys)."""

    indicator: str
    vintage: int
    entry: dict


class _Selected(Protocol):
    """An indicator at a vintage: a Ref, or a fragility Component."""

    @property
    def indicator(self) -> str: ...

    @property
    def vintage(self) -> int: ...


class _Catalogue(Protocol):
    """What the checks read of an indicators.catalogue.Catalogue (a module that imports this one)."""

    indicators: dict

    def __getitem__(self, key: str) -> Any: ...


def read_yaml(path: str | Path, what: str) -> Any:
    """The parsed YAML file, or an InputError naming the file and the line."""
    path = Path(path)
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(path, f"cannot read {what} ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark else ""
        raise InputError(path, f"{line}invalid YAML ({getattr(exc, 'problem', exc)})") from None


def section(path: str | Path, name: str, what: str) -> dict[str, Any]:
    """The list under `name` in a declared-set file."""
    raw = read_yaml(path, what)
    if not isinstance(raw, dict) or not isinstance(raw.get(name), list) or not raw[name]:
        raise InputError(path, f"a {what} file needs a non-empty '{name}' list")
    return raw


def check_ref(entry: object, catalogue: _Catalogue, path: str | Path, where: str) -> Ref:
    """Check a {indicator, vintage} entry against the catalogue."""
    if not isinstance(entry, dict):
        raise InputError(path, f"{where}: expected a mapping with indicator and vintage")
    indicator, vintage = entry.get("indicator"), entry.get("vintage")
    if indicator not in catalogue.indicators:
        raise InputError(path, f"{where}: unknown indicator {indicator!r}")
    if vintage not in catalogue[indicator].vintages:
        known = ", ".join(str(v) for v in catalogue[indicator].vintages)
        raise InputError(path, f"{where}: {indicator} has no vintage {vintage!r} (known: {known})")
    return Ref(indicator, vintage, entry)


def check_refs(
    entries: Iterable[object], catalogue: _Catalogue, path: str | Path, what: str
) -> list[Ref]:
    """Check a list of entries; an indicator appears once so it can name a column."""
    out = [check_ref(e, catalogue, path, f"{what} {n + 1}") for n, e in enumerate(entries)]
    ids = [r.indicator for r in out]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise InputError(path, f"{what}: {twice[0]} is listed twice")
    return out


def commune_values(table: pd.DataFrame, selection: Iterable[_Selected]) -> pd.DataFrame:
    """Communes × indicators (one column per item of `selection`, named by its indicator id) with a `name` column."""
    communes = table[table["level"] == "commune"].drop_duplicates(["code", "indicator", "vintage"])
    columns = {}
    for r in selection:
        rows = communes[(communes["indicator"] == r.indicator) & (communes["vintage"] == r.vintage)]
        columns[r.indicator] = rows.set_index("code")["value"].astype(float)
    names = communes.drop_duplicates("code").set_index("code")["name"]
    return pd.DataFrame(columns, index=names.index).assign(name=names).sort_index()


def departement_values(table: pd.DataFrame, selection: Iterable[_Selected]) -> pd.Series:
    """The département's value of each ref (NaN when it has none), by indicator id."""
    rows = table[table["level"] == "departement"].set_index(["indicator", "vintage"])["value"]
    return pd.Series(
        {r.indicator: rows.get((r.indicator, r.vintage), np.nan) for r in selection}, dtype=float
    )


def zscores(values: pd.DataFrame, centre: pd.Series | None = None) -> pd.DataFrame:
    """(value − centre) / population standard deviation (ddof=0) over the communes with a value.

    The centre defaults to the communes' mean; ddof=0 because the communes are the
    whole population described, not a sample of it. A constant indicator gives NaN.
    """
    centre = values.mean() if centre is None else centre.fillna(values.mean())
    return (values - centre) / values.std(ddof=0).replace(0, np.nan)


def french_list(parts: Iterable[str]) -> str:
    """A French enumeration: a; a et b; a, b et c."""
    parts = list(parts)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]
