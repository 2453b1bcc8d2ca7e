"""Quadrant data: two indicators of quadrants.yaml crossed, each commune placed against the département.

The axes cross at the département's values (x0, y0), so a commune's quadrant
reads "au-dessus / au-dessous du département" on each axis; a commune exactly at
the département's value on an axis is "au niveau du département" and sits on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geodata.errors import InputError
from indicators.declared import DATA, Ref, check_ref, commune_values, departement_values, section

if TYPE_CHECKING:
    from indicators.catalogue import Catalogue
    from indicators.territory import Territory

__all__ = [
    "ABOVE",
    "BELOW",
    "DEFAULT_PATH",
    "LEVEL",
    "QUADRANTS",
    "Pair",
    "Quadrant",
    "load_pairs",
    "quadrant",
]

DEFAULT_PATH = DATA / "quadrants.yaml"
ABOVE, BELOW, LEVEL = (
    "au-dessus du département",
    "au-dessous du département",
    "au niveau du département",
)
QUADRANTS = {
    (ABOVE, ABOVE): "haut-droite",
    (BELOW, ABOVE): "haut-gauche",
    (BELOW, BELOW): "bas-gauche",
    (ABOVE, BELOW): "bas-droite",
}


@dataclass(frozen=True)
class Pair:
    id: str
    x: Ref
    y: Ref
    words: dict[str, tuple[str, str]]  # axis -> (high, low) words, "forte pauvreté"

    def corner(self, x_side: str | None, y_side: str | None) -> str:
        """A position in words: "forte pauvreté et faible monoparentalité"; an axis at the
        département's level says so, an axis without a département's value says nothing."""
        said = [self._side_words(axis, side) for axis, side in (("x", x_side), ("y", y_side))]
        return " et ".join(s for s in said if s)

    def _side_words(self, axis: str, side: str | None) -> str:
        high, low = self.words[axis]
        if side == ABOVE:
            return high
        if side == BELOW:
            return low
        return f"{high.split()[-1]} {LEVEL}" if side == LEVEL else ""


@dataclass(frozen=True)
class Quadrant:
    pair: Pair
    x0: float  # the département's values, where the axes cross (NaN when it has none)
    y0: float
    points: (
        pd.DataFrame
    )  # code, name, x, y, x_side, y_side, quadrant, words: communes with both values


def load_pairs(catalogue: Catalogue, path: str | Path | None = None) -> dict[str, Pair]:
    """The declared pairs, by id, checked against the catalogue."""
    path = Path(path or DEFAULT_PATH)
    pairs = {}
    for n, raw in enumerate(section(path, "pairs", "quadrants")["pairs"]):
        if not isinstance(raw, dict) or not raw.get("id") or raw["id"] in pairs:
            raise InputError(path, f"pair {n + 1}: needs an id of its own")
        refs = [
            check_ref(raw.get(axis), catalogue, path, f"pair {raw['id']}, {axis}")
            for axis in ("x", "y")
        ]
        pairs[raw["id"]] = Pair(raw["id"], *refs, _words(raw, refs, catalogue))
    return pairs


def _words(raw, refs, catalogue):
    """Each axis' high and low words, as declared, else the indicator's label said above or below
    the département."""
    words = {}
    for axis, ref in zip(("x", "y"), refs):
        entry, label = raw[axis], catalogue[ref.indicator].label.lower()
        words[axis] = (
            str(entry.get("high") or f"{label} au-dessus du département"),
            str(entry.get("low") or f"{label} au-dessous du département"),
        )
    return words


def _side(values, reference):
    if np.isnan(reference):
        return pd.Series(None, index=values.index, dtype=object)
    return pd.Series(
        np.select([values > reference, values < reference], [ABOVE, BELOW], LEVEL),
        index=values.index,
    )


def quadrant(territory: Territory, pair_id: str, path: str | Path | None = None) -> Quadrant:
    """Each commune of the département with both values of pair `pair_id`, against the département."""
    pairs = load_pairs(territory.catalogue, path)
    if pair_id not in pairs:
        raise InputError(
            path or DEFAULT_PATH, f"unknown pair {pair_id!r} (declared: {', '.join(pairs)})"
        )
    pair = pairs[pair_id]
    values = commune_values(territory.table, [pair.x, pair.y])
    x0, y0 = departement_values(territory.table, [pair.x, pair.y])
    points = pd.DataFrame(
        {"name": values["name"], "x": values[pair.x.indicator], "y": values[pair.y.indicator]}
    ).dropna(subset=["x", "y"])
    points["x_side"], points["y_side"] = _side(points["x"], x0), _side(points["y"], y0)
    points["quadrant"] = [QUADRANTS.get(sides) for sides in zip(points["x_side"], points["y_side"])]
    points["words"] = [pair.corner(*sides) for sides in zip(points["x_side"], points["y_side"])]
    return Quadrant(pair, x0, y0, points.rename_axis("code").reset_index())
