"""French formatting of figures, through babel: "27,9 %", "1 681 725 habitants", "16 620 €".

Missing values read "n.d."; the reason is shown next to them by the templates.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal

from indicators.catalogue import UNIT_DECIMALS
from reports.french import ordinal_day

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping

    import pandas as pd

__all__ = [
    "ESTIMATE_MARK",
    "LOCALE",
    "MISSING",
    "NBSP",
    "SUFFIXES",
    "UNITS",
    "format_date",
    "format_gap",
    "format_number",
    "format_rank",
    "format_row",
    "format_value",
    "is_missing",
    "legend_decimals",
    "shown_decimals",
]

LOCALE = "fr_FR"
MISSING = "n.d."
NBSP = "\u00a0"

# unit -> (suffix, signed); the decimals are the catalogue's (UNIT_DECIMALS)
SUFFIXES = {
    "%": (f"{NBSP}%", False),
    "% par an": (f"{NBSP}% par an", True),
    "points": (f"{NBSP}pt", True),
    "‰": (f"{NBSP}‰", False),
    "€": (f"{NBSP}€", False),
    "habitants": (f"{NBSP}habitants", False),
    "ménages": (f"{NBSP}ménages", False),
    "logements": (f"{NBSP}logements", False),
    "personnes": ("", False),
    "hab./km²": (f"{NBSP}hab./km²", False),
    "ratio": ("", False),
    "score": ("", True),
}
UNITS = {unit: (UNIT_DECIMALS[unit], *rest) for unit, rest in SUFFIXES.items()}


def is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(value: float | None, decimals: int = 0, signed: bool = False) -> str:
    if is_missing(value):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    text = format_decimal(round(value, decimals) + 0.0, format=pattern, locale=LOCALE)
    text = text.replace("\u202f", NBSP)
    if signed and round(value, decimals) > 0:
        text = "+" + text
    return text.replace("-", "−")


def shown_decimals(unit: str, published: float | None = None) -> int:
    """The decimals a value is printed with: its unit's, or fewer when the source publishes fewer."""
    default = UNITS.get(unit, (1,))[0]
    return default if is_missing(published) else min(default, int(published))


def format_value(value: float | None, unit: str, decimals: float | None = None) -> str:
    """A value with its unit, e.g. format_value(27.94, "%") == "27,9 %" (non-breaking space).

    `decimals` replaces the unit's (shown_decimals gives it for a value published with fewer)."""
    if is_missing(value):
        return MISSING
    default, suffix, signed = UNITS.get(unit, (1, f"{NBSP}{unit}", False))
    decimals = None if is_missing(decimals) else int(decimals)
    if unit == "points":
        plural = abs(round(value, default if decimals is None else decimals)) >= 2
        suffix = f"{NBSP}point{'s' if plural else ''}"
    return format_number(value, default if decimals is None else decimals, signed) + suffix


ESTIMATE_MARK = f"{NBSP}(e)"


def format_row(row: pd.Series | Mapping[str, Any], unit: str) -> str:
    """A tidy-table row's value with the decimals its source publishes, "(e)" marking an estimate."""
    text = format_value(row["value"], unit, shown_decimals(unit, row.get("decimals")))
    return (
        text + ESTIMATE_MARK
        if not is_missing(row["value"]) and bool(row.get("estimate", False))
        else text
    )


def legend_decimals(
    values: Mapping[str, float], decimals: Mapping[str, float] | None
) -> float | None:
    """The most decimals any known value is published with, or None when some are not known."""
    known = [(decimals or {}).get(code) for code, value in values.items() if not is_missing(value)]
    return None if not known or any(is_missing(d) for d in known) else max(known)


def format_gap(gap: float | None, unit: str, decimals: float | None = None) -> str:
    """Gap to the département: points for rates (no more decimals than `decimals`), a ratio ("× 1,25") for amounts."""
    if is_missing(gap):
        return MISSING
    if unit in ("%", "% par an", "points", "‰"):
        return format_value(gap, "points", shown_decimals("points", decimals))
    return f"×{NBSP}{format_number(gap, 2)}"


def format_rank(
    rank: float | None,
    rank_of: float | None,
    ties: float | None = 1,
    of_all: int | None = None,
    peers: str = "communes",
) -> str:
    """ "3e sur 39", "1re ex aequo sur 39" when others share the value, "5e sur 38 communes ayant une
    valeur" when some of the `of_all` territories have none."""
    if is_missing(rank) or is_missing(rank_of):
        return MISSING
    rank = int(rank)
    text = f"{rank}{'re' if rank == 1 else 'e'}"
    if not is_missing(ties) and ties > 1:
        text += " ex aequo"
    if of_all is not None and int(rank_of) < int(of_all):
        return f"{text} sur {int(rank_of)} {peers} ayant une valeur"
    return f"{text} sur {int(rank_of)}"


def format_date(date: dt.date) -> str:
    """ "1er décembre 2026", "7 octobre 2025": French writes the first of the month as an ordinal."""
    text = _babel_date(date, format="d MMMM y", locale=LOCALE)
    return ordinal_day(date.day) + text[len(str(date.day)) :]
