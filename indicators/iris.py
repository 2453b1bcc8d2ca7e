"""IRIS-level indicators (declared in data/iris.yaml), for the sub-commune maps."""

from functools import cache
from pathlib import Path

import pandas as pd

from geodata.yamlfile import load_yaml
from indicators.catalogue import _formula
from indicators.compute import evaluate, formula_decimals

IRIS_CATALOGUE = Path(__file__).parent / "data" / "iris.yaml"


@cache
def iris_catalogue(path=IRIS_CATALOGUE):
    entries = load_yaml(Path(path).read_text(encoding="utf-8"))
    return tuple((entry, _formula(entry, f"IRIS indicator {entry['id']}")) for entry in entries)


def iris_values(territory, commune):
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
