"""Interactive maps for the browser, working offline.

folium builds each map page; Leaflet comes from the xstatic-leaflet package and is
written next to the pages, so nothing is loaded from the internet. Geometry is
simplified once (coverage simplification keeps shared borders shared) and shared
by every page in one data file; each page only says which commune it is about.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import folium
import matplotlib
import numpy as np
import shapely
import xstatic.pkg.leaflet as xleaflet
from branca.element import MacroElement
from jinja2 import Template
from markupsafe import escape

from geodata.boundaries import LAMBERT93, WEB_CRS
from indicators.iris import iris_catalogue, iris_values
from reports.formatting import (
    format_number,
    format_rank,
    format_value,
    is_missing,
    legend_decimals,
    shown_decimals,
)
from reports.maps import MISSING_COLOUR, PALETTES

if TYPE_CHECKING:
    from collections.abc import Iterable

    import geopandas as gpd

    from indicators.territory import Territory

__all__ = [
    "DECIMALS",
    "LEGEND_DECIMALS",
    "STATIC",
    "TOLERANCE_M",
    "PortraitLayer",
    "classify",
    "departement_data",
    "iris_data",
    "js_data",
    "leaflet_assets",
    "map_page",
    "simplify_for_web",
]

STATIC = Path(__file__).parent / "static"
TOLERANCE_M = 12  # simplification tolerance in metres
DECIMALS = 5  # about one metre in longitude/latitude
LEGEND_DECIMALS = {"€": 0, "habitants": 0, "ménages": 0, "logements": 0, "hab./km²": 0, "ratio": 2}


def leaflet_assets() -> dict[str, bytes]:
    """Leaflet's files from the xstatic-leaflet package: {path under assets/: bytes}."""
    base = Path(xleaflet.BASE_DIR)
    files = {
        "leaflet/leaflet.js": (base / "leaflet.js").read_bytes(),
        "leaflet/leaflet.css": (base / "leaflet.css").read_bytes(),
    }
    for image in (base / "images").glob("*.png"):
        files[f"leaflet/images/{image.name}"] = image.read_bytes()
    for name in ("webmap.js", "webmap.css", "table.js", "filters.js", "compare.js"):
        files[name] = (STATIC / name).read_bytes()
    return files


def simplify_for_web(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Simplify polygons once in Lambert-93, keeping shared borders shared, then round coordinates."""
    lambert = gdf.to_crs(LAMBERT93)
    simplified = shapely.coverage_simplify(lambert.geometry.values, TOLERANCE_M)
    out = lambert.set_geometry(simplified).to_crs(WEB_CRS)
    rounded = shapely.transform(out.geometry.values, lambda xy: np.round(xy, DECIMALS))
    return out.set_geometry(rounded)


def _geojson(gdf, properties):
    features = []
    for row in gdf.itertuples():
        features.append(
            {
                "type": "Feature",
                "id": row.code,
                "properties": properties(row),
                "geometry": json.loads(shapely.to_geojson(row.geometry)),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def classify(
    values: Iterable[float | None], unit: str, polarity: str, published: float | None = None
) -> tuple[list[float], list[str], list[str]]:
    """Quantile classes, colours and French legend labels for one indicator's values; `published` are the
    decimals the values are published with, when fewer than the unit's (whole-number rates: "34 – 42")."""
    known = np.array([v for v in values if not is_missing(v)], dtype=float)
    if len(known) == 0:
        return [], [], []
    k = int(min(5, max(1, len(np.unique(known)) - 1)))
    bins = sorted(set(np.quantile(known, np.linspace(0, 1, k + 1))[1:])) if k > 1 else [known.max()]
    cmap = matplotlib.colormaps[PALETTES.get(polarity, "PuBu")].resampled(max(len(bins), 2))
    colours = [matplotlib.colors.to_hex(cmap(n)) for n in range(len(bins))]
    decimals = (
        LEGEND_DECIMALS.get(unit, 1)
        if is_missing(published)
        else min(LEGEND_DECIMALS.get(unit, 1), int(published))
    )
    labels, lower = [], known.min()
    for upper in bins:
        labels.append(f"{format_number(lower, decimals)} – {format_number(upper, decimals)}")
        lower = upper
    return [float(b) for b in bins], colours, labels


def _class_of(value, bins):
    if is_missing(value):
        return -1
    return int(min(np.searchsorted(bins, value, side="left"), len(bins) - 1))


def _indicator_entry(
    label, unit, polarity, vintage, values, ranks=None, reasons=None, decimals=None
):
    """One indicator of a web map; `decimals` are those each value is published with (whole-number rates: none)."""
    bins, colours, labels = classify(
        list(values.values()), unit, polarity, legend_decimals(values, decimals)
    )
    entry = {
        "label": label,
        "unit": unit,
        "vintage": vintage,
        "colours": colours,
        "legend": labels,
        "missing": MISSING_COLOUR,
        "values": {},
    }
    for code, value in values.items():
        text = format_value(value, unit, shown_decimals(unit, (decimals or {}).get(code)))
        item = {
            "t": text,
            "c": _class_of(value, bins),
            "v": None if is_missing(value) else round(float(value), 6),
        }
        if ranks and code in ranks:
            item["r"] = ranks[code]
        if is_missing(value) and reasons:
            item["n"] = reasons.get(code, "")
        entry["values"][code] = item
    return entry


def departement_data(
    territory: Territory, shapes: gpd.GeoDataFrame, folders: dict[str, str]
) -> dict:
    """Everything the département's maps show, shared by every page: geometry and all indicators."""
    table = territory.table
    web = simplify_for_web(shapes)
    names = dict(zip(territory.communes["code"], territory.communes["name"]))
    geo = _geojson(
        web, lambda row: {"name": names.get(row.code, row.name), "href": folders.get(row.code)}
    )
    indicators, themes = {}, []
    for theme, theme_label in territory.catalogue.themes.items():
        ids = []
        for indicator in territory.catalogue.by_theme(theme):
            rows = table[(table["indicator"] == indicator.id) & (table["level"] == "commune")]
            known = rows.dropna(subset=["value"])
            if known.empty:
                continue
            vintage = int(known["vintage"].max())
            rows = rows[rows["vintage"] == vintage]
            values = dict(zip(rows["code"], rows["value"]))
            ranks = {
                c: format_rank(r, n, t, len(rows))
                for c, r, n, t in zip(rows["code"], rows["rank"], rows["rank_of"], rows["ties"])
                if not is_missing(r)
            }
            reasons = dict(zip(rows["code"], rows["missing_reason"]))
            decimals = dict(zip(rows["code"], rows["decimals"]))
            indicators[indicator.id] = _indicator_entry(
                indicator.label,
                indicator.unit,
                indicator.polarity,
                vintage,
                values,
                ranks,
                reasons,
                decimals,
            )
            ids.append(indicator.id)
        if ids:
            themes.append({"label": theme_label, "indicators": ids})
    default = "taux_pauvrete" if "taux_pauvrete" in indicators else next(iter(indicators), None)
    bounds = web.total_bounds
    return {
        "title": territory.name,
        "features": geo,
        "themes": themes,
        "indicators": indicators,
        "default": default,
        "bounds": [[bounds[1], bounds[0]], [bounds[3], bounds[2]]],
    }


def iris_data(territory: Territory, code: str, iris_shapes: gpd.GeoDataFrame | None) -> dict | None:
    """IRIS polygons of a commune with their indicators; IRIS of the data without contour are listed."""
    if iris_shapes is None:
        return None
    shapes = iris_shapes[iris_shapes["commune"] == code]
    if shapes.empty:
        return None
    web = simplify_for_web(shapes)
    values = iris_values(territory, code)
    drawn = set(web["code"])
    indicators, rows = {}, {}
    for entry, _ in iris_catalogue():
        sub = values[values["indicator"] == entry["id"]]
        if sub.empty:
            continue
        data = {c: v for c, v in zip(sub["iris"], sub["value"]) if c in drawn}
        for c in drawn - set(data):
            data[c] = np.nan
        reasons = dict(zip(sub["iris"], sub["missing_reason"]))
        for c in drawn - set(sub["iris"]):
            reasons[c] = "pas de donnée pour cet IRIS"
        decimals = dict(zip(sub["iris"], sub["decimals"]))
        indicators[entry["id"]] = _indicator_entry(
            entry["label"],
            entry["unit"],
            entry["polarity"],
            entry["vintage"],
            data,
            reasons=reasons,
            decimals=decimals,
        )
        for c, v in data.items():
            rows.setdefault(c, {})[entry["id"]] = format_value(
                v, entry["unit"], shown_decimals(entry["unit"], decimals.get(c))
            )
    unmatched = sorted(set(values["iris"]) - drawn)
    names = dict(zip(web["code"], web["name"]))
    geo = _geojson(web, lambda row: {"name": names.get(row.code, row.code)})
    bounds = web.total_bounds
    default = next(iter(indicators), None)
    return {
        "features": geo,
        "themes": [{"label": "IRIS", "indicators": list(indicators)}],
        "indicators": indicators,
        "default": default,
        "bounds": [[bounds[1], bounds[0]], [bounds[3], bounds[2]]],
        "table": [
            {"code": c, "name": names.get(c, c), "values": rows.get(c, {})} for c in sorted(drawn)
        ],
        "unmatched": unmatched,
        "columns": [(k, v["label"], v["vintage"]) for k, v in indicators.items()],
    }


def js_data(variable: str, data: object) -> str:
    """A JavaScript file that defines one global from data, safe to load with <script src>."""
    text = json.dumps(
        data, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_plain
    )
    text = text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.{variable} = {text};\n"


def _plain(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if np.isnan(value) else float(value)
    raise TypeError(f"not serialisable: {type(value).__name__}")


class PortraitLayer(MacroElement):
    """Draws the data of window[variable] on the folium map with webmap.js."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "portraitMap({{ this._parent.get_name() }}, window[{{ this.variable|tojson }}], {{ this.options|tojson }});"
        "{% endmacro %}"
    )

    def __init__(self, variable, options):
        super().__init__()
        self._name = "PortraitLayer"
        self.variable = variable
        self.options = options


def map_page(
    title: str,
    scripts: list[str],
    variable: str,
    options: dict,
    prefix: str,
    tiles: str | None = None,
    attribution: str | None = None,
) -> str:
    """The HTML of a standalone folium map page that loads only local files."""
    fmap = folium.Map(
        location=[48.9, 2.45], zoom_start=11, tiles=None, control_scale=True, prefer_canvas=False
    )
    fmap.default_js = (
        [("leaflet", f"{prefix}assets/leaflet/leaflet.js")]
        + [(s, s) for s in scripts]
        + [("webmap", f"{prefix}assets/webmap.js")]
    )
    fmap.default_css = [
        ("leaflet_css", f"{prefix}assets/leaflet/leaflet.css"),
        ("webmap_css", f"{prefix}assets/webmap.css"),
    ]
    if tiles:
        folium.TileLayer(
            tiles, attr=attribution or tiles.split("/")[2], name="Fond de carte"
        ).add_to(fmap)
    PortraitLayer(variable, options).add_to(fmap)
    html = fmap.get_root().render()
    return html.replace(
        "<head>", f'<head>\n<meta charset="utf-8">\n<title>{escape(title)}</title>', 1
    ).replace("<html>", '<html lang="fr">', 1)
