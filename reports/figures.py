"""The registry of figure kinds: each kind of chart or map a report draws, declared once.

A figure (reports.model.Chart) names its kind; the kind says whether it is a chart (drawn alone,
reports/charts.py) or a map (drawn by the département's MapPainter over its shapes, reports/maps.py),
which function draws it, and the shape of its data, a TypedDict below. Every dispatch goes through
this table: the build draws with `draw`, charts.draw and MapPainter.draw find the drawer here (through
the figure's `figure_kind`), and a figure whose data does not have its kind's shape is refused when
it is made, not half-drawn. Which figures each part of a portrait shows is data
(indicators/data/parts.yaml).
"""

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, Protocol, TypedDict

from reports import charts
from reports.maps import MapPainter

__all__ = [
    "CHART",
    "KINDS",
    "MAP",
    "AgesData",
    "ChoroplethData",
    "ContributionsData",
    "Figure",
    "FigureKind",
    "IrisBarsData",
    "IrisMapData",
    "LocatorData",
    "PositionData",
    "PositionSeries",
    "QuadrantData",
    "RankingData",
    "TimelineData",
    "TimelineMeeting",
    "TimelineProject",
    "TypesData",
    "draw",
    "kind",
]

CHART, MAP = "chart", "map"
Medium = Literal["chart", "map"]


# ------------------------------------------------------------------ the data of each kind of chart


class AgesData(TypedDict):
    """ages: the population's share (%) in each age band, the territory's bars beside the département's."""

    labels: list[str]  # the bands, youngest first
    commune: list[float]  # the territory's share of each band
    departement: list[float]
    names: list[str]  # [the territory's name, the département's]


class PositionSeries(TypedDict):
    """One strip of a position chart: every commune's value of one indicator, the territory's on top."""

    label: str  # the indicator and its vintage
    unit: str
    values: list[float]  # every commune's value
    own: float  # the territory's
    own_text: str  # as the table prints it
    departement: float | None


class PositionData(TypedDict):
    """position: every commune as a dot on the theme's headline indicators, the territory highlighted."""

    series: list[PositionSeries]
    name: str  # the territory's, in the legend


class IrisBarsData(TypedDict):
    """iris: one IRIS indicator (the declared median income) for each IRIS of the commune, as bars."""

    names: list[str]  # the IRIS, in increasing order of their values
    values: list[float]


class TimelineProject(TypedDict):
    title: str
    start: dt.date | None
    end: dt.date | None
    status: str  # a status of the PST file (idée, en préparation, en cours, terminé, suspendu)


class TimelineMeeting(TypedDict):
    date: dt.date
    kind: str  # "conference" or "concertation"


class TimelineData(TypedDict):
    """timeline: the PST's projects as bars from start to end, its meetings as markers, today as a line."""

    projects: list[TimelineProject]
    meetings: list[TimelineMeeting]
    today: dt.date


class ContributionsData(TypedDict):
    """contributions: what pulls a commune's fragility index up (positive) or down (negative)."""

    labels: list[str]  # the index's components
    values: list[float]


class QuadrantData(TypedDict):
    """quadrant: every commune on two indicators, lines at the département's values."""

    x: list[float]
    y: list[float]
    names: list[str]
    codes: list[str]
    x0: float | None  # the département's values, where the lines are
    y0: float | None
    xlabel: str
    ylabel: str
    highlight: str | None  # the commune highlighted; None names every commune (the synthesis)
    corners: dict[str, str]  # quadrant ("haut-droite"...) -> its name in words
    labelled: list[
        str
    ]  # codes named beside the highlighted one (its closest communes, the extremes)


class RankingData(TypedDict):
    """ranking: every commune's fragility index, the most fragile first."""

    labels: list[str]  # the communes
    values: list[float]


# ------------------------------------------------------------------ the data of each kind of map


class ChoroplethData(TypedDict):
    """choropleth: one indicator over the département's communes in classes of colour."""

    indicator: str
    vintage: int
    unit: str
    polarity: str  # the catalogue's: it chooses the palette
    values: dict[str, float]  # by commune code
    highlight: str | list[str] | None  # the commune, or a group's communes, outlined
    label: str
    published: int | float | None  # the decimals the source publishes the values with, when fewer


class LocatorData(TypedDict):
    """locator: the département among its neighbours, the territory's communes in colour."""

    highlight: str | list[str]


class IrisMapData(TypedDict):
    """iris_map: one IRIS indicator over the commune's IRIS, withheld values hatched."""

    commune: str
    values: dict[str, float]  # by IRIS code, the known values only
    unit: str
    polarity: str
    unmatched: list[str]  # IRIS of the data without an outline, listed under the map
    withheld: int  # outlined IRIS without a value
    published: int | float | None


class TypesData(TypedDict):
    """types: the communes coloured by their type (the typology of the synthesis)."""

    values: dict[str, int]  # type by commune code
    colours: dict[int, str]
    labels: dict[int, str]


# ------------------------------------------------------------------ the registry


@dataclass(frozen=True)
class FigureKind:
    """One kind of figure: a chart drawn as `draw(data)`, or a map drawn as `draw(painter, data)` by the
    département's MapPainter (its shapes and its kept base images)."""

    name: str
    medium: Medium
    shape: type  # the TypedDict of its data
    draw: Callable[..., bytes]  # returns PNG bytes

    def check(self, data: Mapping[str, Any]) -> None:
        """Refuse data that is not of this kind's shape: a key missing or unknown (a renamed key)."""
        required = self.shape.__required_keys__
        allowed = required | self.shape.__optional_keys__
        missing, unknown = sorted(required - data.keys()), sorted(data.keys() - allowed)
        if missing or unknown:
            what = f"no {missing[0]!r}" if missing else f"an unknown key {unknown[0]!r}"
            raise ValueError(f"a {self.name} figure's data has {what} ({self.shape.__name__})")


KINDS: Mapping[str, FigureKind] = MappingProxyType(
    {
        k.name: k
        for k in (
            FigureKind("ages", CHART, AgesData, charts.ages),
            FigureKind("position", CHART, PositionData, charts.position),
            FigureKind("iris", CHART, IrisBarsData, charts.iris),
            FigureKind("timeline", CHART, TimelineData, charts.timeline),
            FigureKind("contributions", CHART, ContributionsData, charts.contributions),
            FigureKind("quadrant", CHART, QuadrantData, charts.quadrant),
            FigureKind("ranking", CHART, RankingData, charts.ranking),
            FigureKind("choropleth", MAP, ChoroplethData, MapPainter.choropleth),
            FigureKind("locator", MAP, LocatorData, MapPainter.locator),
            FigureKind("iris_map", MAP, IrisMapData, MapPainter.iris_map),
            FigureKind("types", MAP, TypesData, MapPainter.types),
        )
    }
)


class Figure(Protocol):
    """What is drawn: a figure of the model (reports.model.Chart) with its kind's name and its data."""

    id: str
    kind: str
    data: Mapping[str, Any]


def kind(name: str) -> FigureKind:
    """The kind of that name; a ValueError lists the known ones."""
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown figure kind {name!r} (kinds: {', '.join(KINDS)})") from None


def draw(figure: Figure, painter: MapPainter) -> bytes:
    """PNG of a figure: a chart by charts.draw, a map by the département's painter."""
    found = kind(figure.kind)
    found.check(figure.data)
    return charts.draw(figure) if found.medium == CHART else painter.draw(figure)
