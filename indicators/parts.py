"""The parts of a portrait, their tables and their figures: declared in data/parts.yaml, checked on load.

How a kind of figure is built and drawn is the reports' business (reports/figures.py); the reports
pass the kinds they know with the keys each needs. What the figures read is checked here against the
catalogue (catalogue.yaml) and the IRIS catalogue (iris.yaml), so that a typo is a one-line
InputError naming the file rather than a figure missing from every portrait.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from geodata.errors import InputError
from indicators.catalogue import Catalogue
from indicators.declared import DATA, check_ref, read_yaml
from indicators.iris import iris_catalogue

__all__ = ["DEFAULT_PATH", "Band", "FigureSpec", "Part", "load_parts"]

DEFAULT_PATH = DATA / "parts.yaml"
KEYS = ("kind", "id", "vintage", "bands", "iris_indicator", "iris_columns", "title", "column")


@dataclass(frozen=True)
class Band:
    """One bar of an age figure: its label and the catalogue indicator giving its share."""

    label: str
    indicator: str
    said: str = ""  # how a sentence names it ("les moins de 15 ans"); the label when empty


@dataclass(frozen=True)
class FigureSpec:
    """One figure of a part, as parts.yaml declares it; which keys a kind uses is the kind's."""

    kind: str
    id: str  # the figure's id and image file name
    vintage: int | None = None  # of the band indicators
    bands: tuple[Band, ...] = ()
    iris_indicator: str | None = None  # an id of iris.yaml
    iris_columns: tuple[str, ...] = ()  # more ids of iris.yaml, shown in the figure's table
    title: str = ""
    column: str = ""  # the heading of the figure's values in its table


@dataclass(frozen=True)
class Part:
    """One part of a portrait: the themes it gathers, its one table, its figures."""

    id: str
    label: str
    themes: tuple[str, ...]
    table: tuple[str, ...]  # indicator ids, in order
    figures: tuple[FigureSpec, ...]


@cache
def _raw(path: Path) -> Any:
    return read_yaml(path, "parts")


def load_parts(
    catalogue: Catalogue,
    kinds: Mapping[str, tuple[str, ...]],
    path: str | Path | None = None,
) -> tuple[Part, ...]:
    """The parts of parts.yaml, in order, checked against the catalogue.

    `kinds` are the figure kinds the caller can build, each with the keys it needs. An unknown kind,
    theme or indicator, a missing key, a theme in two parts, an indicator twice, or two figures with
    the same id is a one-line InputError naming the file."""
    path = Path(path) if path else DEFAULT_PATH
    raw = _raw(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("parts"), list):
        raise InputError(path, "a parts file holds a list under `parts`")
    parts, themes, shown, seen = [], {}, {}, {}
    for n, entry in enumerate(raw["parts"], 1):
        part = _part(entry, n, catalogue, kinds, path)
        for theme in part.themes:
            if theme in themes:
                raise InputError(
                    path, f"{part.id}: theme {theme!r} is already in part {themes[theme]}"
                )
            themes[theme] = part.id
        for indicator in part.table:
            if indicator in shown:
                raise InputError(
                    path, f"{part.id}: {indicator} is already in the table of {shown[indicator]}"
                )
            shown[indicator] = part.id
        for spec in part.figures:
            if spec.id in seen:
                raise InputError(
                    path, f"{part.id}: figure id {spec.id!r} is already a figure of {seen[spec.id]}"
                )
            seen[spec.id] = part.id
        parts.append(part)
    return tuple(parts)


def _part(entry, n, catalogue, kinds, path):
    if not isinstance(entry, dict) or not entry.get("id") or not entry.get("label"):
        raise InputError(path, f"part {n}: expected a mapping with an id and a label")
    part = str(entry["id"])
    themes = tuple(entry.get("themes") or ())
    unknown = [t for t in themes if t not in catalogue.themes]
    if not themes or unknown:
        known = ", ".join(catalogue.themes)
        what = f"unknown theme {unknown[0]!r}" if unknown else "no themes"
        raise InputError(path, f"{part}: {what} (themes: {known})")
    table = tuple(entry.get("table") or ())
    missing = [i for i in table if i not in catalogue.indicators]
    if missing:
        raise InputError(path, f"{part}: unknown indicator {missing[0]!r} in its table")
    figures = entry.get("figures") or []
    if not isinstance(figures, list):
        raise InputError(path, f"{part}: expected a list of figures")
    specs = tuple(_spec(f, part, m, catalogue, kinds, path) for m, f in enumerate(figures, 1))
    return Part(part, str(entry["label"]), themes, table, specs)


def _spec(entry, theme, n, catalogue, kinds, path):
    where = f"{theme}, figure {n}"
    if not isinstance(entry, dict):
        raise InputError(path, f"{where}: expected a mapping with a kind")
    kind = entry.get("kind")
    if kind not in kinds:
        raise InputError(
            path, f"{where}: unknown kind {kind!r} (kinds: {', '.join(sorted(kinds))})"
        )
    extra = [k for k in entry if k not in KEYS]
    missing = [k for k in kinds[kind] if k not in entry]
    if extra or missing:
        what = f"unknown key {extra[0]!r}" if extra else f"a {kind} figure needs {missing[0]!r}"
        raise InputError(path, f"{where}: {what}")
    vintage = entry.get("vintage")
    bands = tuple(
        _band(b, vintage, catalogue, path, f"{where}, band {m}")
        for m, b in enumerate(entry.get("bands") or [], 1)
    )
    iris = {e["id"] for e, _ in iris_catalogue()}
    for name in [entry.get("iris_indicator"), *(entry.get("iris_columns") or [])]:
        if name is not None and name not in iris:
            raise InputError(path, f"{where}: unknown IRIS indicator {name!r} (see iris.yaml)")
    return FigureSpec(
        kind,
        str(entry.get("id") or f"{kind}-{theme}"),
        vintage,
        bands,
        entry.get("iris_indicator"),
        tuple(entry.get("iris_columns") or ()),
        str(entry.get("title", "")),
        str(entry.get("column", "")),
    )


def _band(raw, vintage, catalogue, path, where):
    if not isinstance(raw, dict) or not raw.get("label"):
        raise InputError(path, f"{where}: a band needs a label and an indicator")
    ref = check_ref({"indicator": raw.get("indicator"), "vintage": vintage}, catalogue, path, where)
    return Band(str(raw["label"]), ref.indicator, str(raw.get("said", "")))
