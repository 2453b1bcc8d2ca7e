"""A composite fragility index of the département's communes, from the components of fragility.yaml.

Each component is standardised over the département's communes: z = (x − mean) / sd,
with the population standard deviation (ddof=0, the communes are the whole
population, not a sample). Its sign comes from the polarity, so that a higher
signed z is always more fragile, and the score is the weighted mean of the signed
z-scores: 0 is the communes' average, +1 one standard deviation more fragile.

Missing components: a commune is scored on the components it has, their weights
renormalised to sum to one, provided they carry at least half of the total weight
(else no score); the components it lacks are listed in `missing`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from geodata.errors import InputError
from indicators.declared import DATA, check_refs, commune_values, section, zscores

if TYPE_CHECKING:
    from indicators.catalogue import Catalogue
    from indicators.territory import Territory

__all__ = [
    "DEFAULT_PATH",
    "MIN_WEIGHT_SHARE",
    "SIGNS",
    "Component",
    "fragility_index",
    "load_components",
]

DEFAULT_PATH = DATA / "fragility.yaml"
MIN_WEIGHT_SHARE = 0.5
SIGNS = {"higher_is_worse": 1, "higher_is_better": -1}


@dataclass(frozen=True)
class Component:
    indicator: str
    vintage: int
    weight: float
    sign: int  # +1 when a higher value is more fragile, −1 otherwise


def load_components(catalogue: Catalogue, path: str | Path | None = None) -> list[Component]:
    """The declared components, checked against the catalogue."""
    path = Path(path or DEFAULT_PATH)
    components = []
    for item in check_refs(
        section(path, "components", "fragility index")["components"], catalogue, path, "component"
    ):
        weight = item.entry.get("weight", 1)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight <= 0:
            raise InputError(path, f"component {item.indicator}: weight must be a positive number")
        polarity = item.entry.get("polarity", catalogue[item.indicator].polarity)
        if polarity not in SIGNS:
            raise InputError(
                path,
                f"component {item.indicator}: polarity {polarity}, give polarity: higher_is_worse or higher_is_better",
            )
        components.append(Component(item.indicator, item.vintage, float(weight), SIGNS[polarity]))
    return components


def fragility_index(territory: Territory, path: str | Path | None = None) -> pd.DataFrame:
    """One row per commune: code, name, score, rank (1 = most fragile), a contribution per component, missing.

    A component's contribution is weight × signed z / sum of the weights present, so
    the contributions add up to the score; `missing` is the tuple of absent components.
    """
    components = load_components(territory.catalogue, path)
    ids = [c.indicator for c in components]
    values = commune_values(territory.table, components)
    signed = zscores(values[ids]) * [c.sign for c in components]
    weights = pd.Series([c.weight for c in components], index=ids)
    present = signed.notna()
    weight_present = (present * weights).sum(axis=1)
    contributions = (signed * weights).div(weight_present, axis=0)
    contributions[weight_present < MIN_WEIGHT_SHARE * weights.sum()] = float("nan")
    score = contributions.sum(axis=1, min_count=1)
    out = pd.DataFrame(
        {"name": values["name"], "score": score, "rank": score.rank(ascending=False, method="min")}
    )
    out = out.join(contributions)
    out["missing"] = [tuple(i for i in ids if not present.loc[code, i]) for code in out.index]
    return out.rename_axis("code").reset_index()
