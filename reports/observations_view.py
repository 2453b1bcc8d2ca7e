"""The "Ce qu'en disent les acteurs" block of a portrait section, and the observation markers of
the IRIS map, from checked observations and the figures.

Takes the Observation of reports.pstfiles.observations, the schema the files are checked against.
Only `shown` is ever printed: the summary of an observation that may not be quoted, never its words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from reports.phrases import phrase_table
from reports.pst_view import day, indicator_trend
from reports.pstfiles.observations import Observation

if TYPE_CHECKING:
    import geopandas as gpd

    from indicators.territory import Territory

__all__ = [
    "KINDS",
    "MAX_FIGURES",
    "iris_markers",
    "iris_names",
    "observations_by_theme",
    "place_label",
    "theme_figures",
]

# Source kinds in reading order, with the heading of their group.
KINDS = {
    "professionnel du Département": "Professionnels du Département",
    "ville / CCAS": "Ville et CCAS",
    "centre social": "Centres sociaux",
    "association": "Associations",
    "habitant": "Habitants",
}
MAX_FIGURES = 3


def _words(text):
    """Block scalars keep the file's line breaks: a quote reads as one paragraph."""
    return " ".join(str(text).split())


def iris_names(shapes: gpd.GeoDataFrame | None) -> dict[str, str]:
    """{IRIS code: name} of the IRIS contours (territory.iris_shapes()), names with single spaces."""
    return (
        {}
        if shapes is None
        else {code: _words(name) for code, name in zip(shapes["code"], shapes["name"])}
    )


def place_label(place: str | None, code: str, territory: Territory, names: dict[str, str]) -> str:
    """The commune's name, "IRIS <name>" or the quartier as written."""
    if place is None or place == code:
        return territory.name_of(code)
    if place in names:
        return f"IRIS {names[place]}"
    return place


def theme_figures(
    territory: Territory,
    code: str,
    theme: str,
    first: Sequence[str] = (),
    limit: int = MAX_FIGURES,
) -> list[dict]:
    """The commune's latest values for `first` (the indicators the observations name), then the
    theme's headline indicators, then its other rates, up to `limit`, leaving out those without a
    value (a merged commune has no median, for instance)."""
    rates = [i.id for i in territory.catalogue.by_theme(theme) if i.is_rate]
    candidates = list(first) + list(phrase_table()["headline_candidates"].get(theme, [])) + rates
    figures, seen = [], set()
    for indicator_id in candidates:
        if indicator_id in seen or indicator_id not in territory.catalogue.indicators:
            continue
        seen.add(indicator_id)
        trend = indicator_trend(territory, code, indicator_id)
        if trend["reason"] and indicator_id not in first:
            continue
        figures.append(
            {
                "id": indicator_id,
                "label": trend["label"],
                "value": trend["latest"]
                if not trend["reason"]
                else f"{trend['latest']} ({trend['reason']})",
            }
        )
        if len(figures) >= limit:
            break
    return figures


def _item(observation: Observation, code: str, territory, names: dict[str, str]) -> dict:
    return {
        "text": _words(observation.shown),
        "quoted": observation.quoted,
        "date": day(observation.date),
        "place": place_label(observation.place, code, territory, names),
    }


def _groups(
    observations: Sequence[Observation], code: str, territory, names: dict[str, str]
) -> list[dict]:
    order = list(KINDS)
    kinds = sorted(
        {o.source for o in observations},
        key=lambda k: (order.index(k) if k in order else len(order), k),
    )
    return [
        {
            "kind": kind,
            "label": KINDS.get(kind, kind),
            "items": [
                _item(o, code, territory, names)
                for o in sorted(observations, key=lambda o: o.date)
                if o.source == kind
            ],
        }
        for kind in kinds
    ]


def observations_by_theme(
    observations: Sequence[Observation] | None,
    territory: Territory,
    code: str,
    example: bool = False,
) -> dict[str, dict]:
    """{theme id: {count, first, last, groups, figures, example}} for every theme of the catalogue;
    {} when the commune has no observations file (None), so that a template can leave the block out.
    `example` (the file's `example: true`) says the words are invented, next to each block."""
    if observations is None:
        return {}
    names = iris_names(territory.iris_shapes()) if any(o.place for o in observations) else {}
    out = {}
    for theme in territory.catalogue.themes:
        mine = [o for o in observations if o.theme == theme]
        dates = sorted(o.date for o in mine)
        related = list(dict.fromkeys(o.indicator for o in mine if o.indicator))
        out[theme] = {
            "count": len(mine),
            "first": day(dates[0]) if dates else "",
            "last": day(dates[-1]) if dates else "",
            "groups": _groups(mine, code, territory, names),
            "figures": theme_figures(territory, code, theme, related),
            "example": bool(example),
        }
    return out


def _marker_point(geometry):
    """The IRIS centroid (computed in Lambert-93), or a point inside the IRIS when the centroid
    falls outside it, in WGS84 longitude and latitude."""
    import geopandas as gpd

    shape = gpd.GeoSeries([geometry], crs="EPSG:4326").to_crs("EPSG:2154")
    point = shape.centroid
    if not shape.contains(point).iloc[0]:
        point = shape.representative_point()
    point = point.to_crs("EPSG:4326").iloc[0]
    return [round(point.x, 6), round(point.y, 6)]


def iris_markers(
    observations: Sequence[Observation] | None,
    iris_shapes: gpd.GeoDataFrame | None,
    themes: dict[str, str] | None = None,
) -> list[dict]:
    """GeoJSON Point features, one per IRIS named by an observation, for a marker layer on the IRIS map.

    `properties.text` is plain text (quotes in «guillemets», summaries prefixed "Résumé :"): the
    map must escape it like any text from a file. `themes` ({id: label}) names the themes.
    """
    if not observations or iris_shapes is None:
        return []
    shapes = iris_shapes.drop_duplicates("code").set_index("code")
    names = iris_names(iris_shapes)
    themes = themes or {}
    features = []
    for code in sorted({o.place for o in observations if o.place in shapes.index}):
        mine = sorted((o for o in observations if o.place == code), key=lambda o: o.date)
        items = [
            {
                "text": _words(o.shown),
                "quoted": o.quoted,
                "date": day(o.date),
                "kind": o.source,
                "theme": themes.get(o.theme, o.theme),
            }
            for o in mine
        ]
        text = "\n".join(
            f"{i['theme']} — {i['kind']}, {i['date']} : "
            + (f"« {i['text']} »" if i["quoted"] else f"Résumé : {i['text']}")
            for i in items
        )
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": _marker_point(shapes.loc[code, "geometry"]),
                },
                "properties": {
                    "iris": code,
                    "name": names.get(code, code),
                    "count": len(items),
                    "items": items,
                    "text": text,
                },
            }
        )
    return features
