"""IRIS-level indicators (declared in data/iris.yaml), for the sub-commune maps."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from geodata.yamlfile import load_yaml
from indicators.catalogue import parse_formula
from indicators.compute import evaluate, formula_decimals

if TYPE_CHECKING:
    from indicators.catalogue import Formula
    from indicators.territory import Territory

__all__ = ["IRIS_CATALOGUE", "iris_catalogue", "iris_values"]

IRIS_CATALOGUE = Path(__file__).parent / "data" / "iris.yaml"


@cache
def iris_catalogue(
    path: str | Path = IRIS_CATALOGUE,
) -> tuple[tuple[dict[str, Any], Formula], ...]:
    entries = load_yaml(Path(path).read_text(encoding="utf-8"))
    return tuple(
        (entry, parse_formula(entry, f"IRIS indicator {entry['id']}")) for entry in entries
    )


def iris_values(territory: Territory, commune: str) -> pd.DataFrame:
    """Tidy IRIS values of one commune: iris, indicator, value, missing_reason, decimals (those the source publishes)."""
    frames = []
    for entry, formula in iris_catalogue():
        table = territory.iris.get((formula.source, formula.vintage))
        if table is None:
            continue
        mask = (table.parent == commune).to_numpy()
        if not mask.any():
            continue
        values, reasons = evaluate(formula, table.data[mask], table.reasons[mask])
        frames.append(
            pd.DataFrame(
                {
                    "iris": values.index,
                    "indicator": entry["id"],
                    "value": values.to_numpy(),
                    "missing_reason": reasons.to_numpy(),
                    "decimals": formula_decimals(formula, table, "iris"),
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["iris", "indicator", "value", "missing_reason", "decimals"])
    return pd.concat(frames, ignore_index=True)
