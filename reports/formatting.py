"""French formatting of figures, through babel: "27,9 %", "1 681 725 habitants", "16 620 €".

Missing values read "n.d."; the reason is shown next to them by the templates.
"""

import math

from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal

LOCALE = "fr_FR"
MISSING = "n.d."
NBSP = "\u00a0"

# unit -> (decimals, suffix, signed)
UNITS = {
    "%": (1, f"{NBSP}%", False),
    "% par an": (2, f"{NBSP}% par an", True),
    "points": (1, f"{NBSP}pt", True),
    "‰": (1, f"{NBSP}‰", False),
    "€": (0, f"{NBSP}€", False),
    "habitants": (0, f"{NBSP}habitants", False),
    "ménages": (0, f"{NBSP}ménages", False),
    "logements": (0, f"{NBSP}logements", False),
    "personnes": (2, "", False),
    "hab./km²": (0, f"{NBSP}hab./km²", False),
    "ratio": (2, "", False),
    "score": (2, "", True),
}


def is_missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(value, decimals=0, signed=False):
    if is_missing(value):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    text = format_decimal(round(value, decimals) + 0.0, format=pattern, locale=LOCALE)
    text = text.replace("\u202f", NBSP)
    if signed and round(value, decimals) > 0:
        text = "+" + text
    return text.replace("-", "−")


def format_value(value, unit, decimals=None):
    """A value with its unit, e.g. format_value(27.94, "%") == "27,9 %" (non-breaking space)."""
    if is_missing(value):
        return MISSING
    default, suffix, signed = UNITS.get(unit, (1, f"{NBSP}{unit}", False))
    if unit == "points":
        plural = abs(round(value, default)) >= 2
        suffix = f"{NBSP}point{'s' if plural else ''}"
    return format_number(value, default if decimals is None else decimals, signed) + suffix


def format_gap(gap, unit):
    """Gap to the département: points for rates, a ratio ("× 1,25") for amounts."""
    if is_missing(gap):
        return MISSING
    if unit in ("%", "% par an", "points", "‰"):
        return format_value(gap, "points")
    return f"×{NBSP}{format_number(gap, 2)}"


def format_rank(rank, rank_of):
    if is_missing(rank) or is_missing(rank_of):
        return MISSING
    rank = int(rank)
    return f"{rank}{'re' if rank == 1 else 'e'} sur {int(rank_of)}"


def format_date(date):
    return _babel_date(date, format="long", locale=LOCALE)
