"""The field types of the files field officers write (PST, observations), and their limits.

Each type checks one value and says in one line what is wrong with it, so that the schemas
that use them (reports.pstfiles.pst, reports.pstfiles.observations) read as lists of fields.
The text limits bound what the portrait prints, like MAX_FILE_BYTES bounds the file.
"""

import datetime as dt
import difflib
import re
from collections.abc import Callable, Collection
from functools import lru_cache
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
)

from reports.pstfiles.yamlreader import show_value

__all__ = [
    "COMMUNE_CODE",
    "MAX_ITEM",
    "MAX_ITEMS",
    "MAX_LABEL",
    "MAX_TEXT",
    "SCHEME",
    "SLUG",
    "UNLIMITED",
    "YEARS",
    "Day",
    "Duration",
    "IndicatorId",
    "Item",
    "Label",
    "Link",
    "Slug",
    "StrictModel",
    "Text",
    "Theme",
    "bounded_list",
    "one_of",
]

MAX_TEXT = 2_000  # a description, an action, a comment
MAX_LABEL = 300  # a title, a name, a place, a partner
MAX_ITEM = 1_000  # one objective, agenda item or decision
MAX_ITEMS = 30  # partners, participants, objectives, agenda, decisions, signatories, links of one project or meeting
YEARS = (2000, 2100)
UNLIMITED = "sans limite de durée"
COMMUNE_CODE = re.compile(r"(?:\d{5}|2[AB]\d{3})")
SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


@lru_cache(maxsize=1)
def _catalogue():
    from indicators.catalogue import load_catalogue  # read on the first theme or indicator checked

    return load_catalogue()


def one_of(choices: Collection[str] | Callable[[], Collection[str]]) -> AfterValidator:
    """A validator accepting only `choices` (or what `choices()` returns, when it is read late)."""

    def check(value):
        allowed = choices() if callable(choices) else choices
        if value not in allowed:
            raise ValueError(f"{show_value(value)} is not one of {', '.join(allowed)}")
        return value

    return AfterValidator(check)


def _indicator(value):
    known = _catalogue().indicators
    if value not in known:
        close = difflib.get_close_matches(value, known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "see indicators/data/catalogue.yaml"
        raise ValueError(f"unknown indicator '{value}' ({hint})")
    return value


def _slug(value):
    if not SLUG.fullmatch(value):
        raise ValueError(
            f"{show_value(value)} is not an id: lower-case letters, digits, - or _ (e.g. acces-aux-droits)"
        )
    return value


def _link(value):
    """http(s) URLs and relative paths only: a link is shown as <a href>, so no javascript:, data:, file:."""
    if re.search(r"[\s\\\x00-\x1f\x7f]", value):
        raise ValueError(
            f"{show_value(value)} is not a link: no spaces, backslashes or control characters"
        )
    if SCHEME.match(value):
        scheme, _, rest = value.partition(":")
        if scheme.lower() not in ("http", "https") or not re.match(r"//[^/]", rest):
            raise ValueError(
                f"{show_value(value)} is not allowed: links are http(s) URLs or relative paths"
            )
    elif value.startswith("//"):
        raise ValueError(f"{show_value(value)} is not allowed: write the URL with https:")
    return value


def _day(value):
    """Dates are written AAAA-MM-JJ; the loader keeps them as text so that a bad one is a field error."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"{show_value(value)} is not a valid date ({exc})") from None
    if not isinstance(value, dt.date):
        raise ValueError(f"{show_value(value)} is not a date (write AAAA-MM-JJ, e.g. 2025-03-14)")
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise ValueError(f"year {value.year} is out of range ({YEARS[0]} to {YEARS[1]})")
    return value


def _duration(value):
    if isinstance(value, str) and value.strip().lower() == UNLIMITED:
        return UNLIMITED
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 50:
        return value
    raise ValueError(
        f"{show_value(value)} is not a duration: a number of years (1 to 50) or '{UNLIMITED}'"
    )


def _none_is_empty(value):
    return [] if value is None else value


def bounded_list(kind: Any, limit: int = MAX_ITEMS) -> Any:
    """A list field that may be left empty in the file (`partners:` with nothing after it), of at most `limit` items."""
    return Annotated[list[kind], BeforeValidator(_none_is_empty), Field(max_length=limit)]


Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_TEXT)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_LABEL)]
Item = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ITEM)]
Slug = Annotated[Label, AfterValidator(_slug)]
Link = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(_link),
]
Day = Annotated[dt.date, PlainValidator(_day)]
Duration = Annotated[int | str, PlainValidator(_duration)]
Theme = Annotated[str, one_of(lambda: tuple(_catalogue().themes))]
IndicatorId = Annotated[str, AfterValidator(_indicator)]


class StrictModel(BaseModel):
    """A mapping of a hand-edited file: an unknown key is an error (a typo would otherwise be lost), and
    the loaded values cannot be changed by the renderers that share them."""

    model_config = ConfigDict(extra="forbid", frozen=True)
