"""Which figures each part (theme) of a portrait shows: declared in data/figures.yaml, checked on load.

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

__all__ = ["DEFAULT_PATH", "Band", "FigureSpec", "theme_figures"]

DEFAULT_PATH = DATA / "figures.yaml"
KEYS = ("kind", "id", "vintage", "bands", "iris_indicator", "iris_columns", "title", "column")


@dataclass(frozen=True)
class Band:
    """One bar of an age figure: its label and the catalogue indicator giving its share."""

    label: str
    indicator: str
    said: str = ""  # how a sentence names it ("les moins de 15 ans"); the label when empty


@dataclass(frozen=True)
class FigureSpec:
    """One figure of a part, as figures.yaml declares it; which keys a kind uses is the kind's."""

    kind: str
    id: str  # the figure's id and image file name
    vintage: int | None = None  # of the band indicators
    bands: tuple[Band, ...] = ()
    iris_indicator: str | None = None  # an id of iris.yaml
    iris_columns: tuple[str, ...] = ()  # more ids of iris.yaml, shown in the figure's table
    title: str = ""
    column: str = ""  # the heading of the figure's values in its table


@cache
def _raw(path: Path) -> Any:
    return read_yaml(path, "figures")


def theme_figures(
    catalogue: Catalogue,
    kinds: Mapping[str, tuple[str, ...]],
    path: str | Path | None = None,
) -> dict[str, tuple[FigureSpec, ...]]:
    """{theme: its figures, in order} for every theme of the catalogue.

    `kinds` are the figure kinds the caller can build, each with the keys it needs; an unknown kind,
    a missing key, an unknown theme or indicator, or two figures with the same id is an InputError."""
    path = Path(path) if path else DEFAULT_PATH
    raw = _raw(path)
    if (
        not isinstance(raw, dict)
        or not isinstance(raw.get("themes"), dict)
        or not isinstance(raw.get("default", []), list)
    ):
        raise InputError(
            path,
            "a figures file maps `themes` to lists of figures, with an optional `default` list",
        )
    unknown = [t for t in raw["themes"] if t not in catalogue.themes]
    if unknown:
        known = ", ".join(catalogue.themes)
        raise InputError(path, f"unknown theme {unknown[0]!r} (themes: {known})")
    out, seen = {}, {}
    for theme in catalogue.themes:
        entries = raw["themes"].get(theme, raw.get("default", []))
        if not isinstance(entries, list):
            raise InputError(path, f"{theme}: expected a list of figures")
        specs = tuple(
            _spec(entry, theme, n, catalogue, kinds, path) for n, entry in enumerate(entries, 1)
        )
        for spec in specs:
            if spec.id in seen:
                raise InputError(
                    path, f"{theme}: figure id {spec.id!r} is already a figure of {seen[spec.id]}"
                )
            seen[spec.id] = theme
        out[theme] = specs
    return out


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
