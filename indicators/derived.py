"""Indicators computed from other indicators' values of each territory: evolutions and crossed.

They run on the tidy table, after the source formulas, so a crossed indicator
combines two sources exactly as each is shown, for communes and for the
département, région and France alike; a missing operand names itself in the reason.
"""

import pandas as pd

from indicators.compute import evaluate


def _operands(frame, derivation):
    """Values, reasons and sources of a derivation's operands, one row per (code, level)."""
    keyed = frame.set_index(["indicator", "vintage"])
    values, reasons, sources = {}, {}, {}
    for operand in derivation.operands:
        rows = keyed.loc[[(operand.indicator, operand.vintage)]].set_index(["code", "level"])
        values[operand.name] = rows["value"]
        reasons[operand.name] = f"valeur {operand.describe} manquante : " + rows["missing_reason"]
        sources[operand.name] = rows["source"]
    values, reasons, sources = (pd.DataFrame(d) for d in (values, reasons, sources))
    reasons = reasons.reindex(values.index).fillna("territoire absent des valeurs de l'opérande")
    return values.astype(float), reasons, sources.reindex(values.index)


def _rows(indicator, derivation, frame):
    values, reasons, sources = _operands(frame, derivation)
    result, why = evaluate(derivation, values, reasons)
    out = values.index.to_frame(index=False)
    return out.assign(
        indicator=indicator.id, theme=indicator.theme, vintage=derivation.vintage, value=result.to_numpy(),
        unit=indicator.unit, how="calculée", missing_reason=why.to_numpy(), note="", old_perimeter_value=float("nan"),
        source=[" ; ".join(dict.fromkeys(s.dropna())) for _, s in sources.iterrows()],
    )


def derived_rows(catalogue, frame):
    """Tidy rows of every evolution and crossed indicator, in catalogue order (one may use an earlier one)."""
    computed = []
    for indicator in catalogue:
        for derivation in indicator.derivations:
            computed.append(_rows(indicator, derivation, pd.concat([frame, *computed], ignore_index=True)))
    return pd.concat(computed, ignore_index=True) if computed else frame.iloc[:0]
