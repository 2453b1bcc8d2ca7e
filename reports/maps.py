"""Static maps for the printed portraits: choropleths of the département and a locator map.

What every commune's portrait shares (outlines, classes, colours) is drawn once
per indicator as an image; each portrait only draws its commune's outline over it.
"""

import warnings
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from geodata.boundaries import to_lambert
from reports.charts import COMMUNE, Drawable, Overlay, to_png
from reports.formatting import format_number

PALETTES = {"higher_is_worse": "YlOrRd", "higher_is_better": "YlGnBu", "neutral": "PuBu"}
MISSING_COLOUR = "#EEEEEE"
DECIMALS = {"%": 1, "€": 0, "ratio": 2}


def _legend_decimals(data):
    """The unit's decimals, or fewer when every value is published with fewer (`published` in the map's data)."""
    default = DECIMALS.get(data["unit"], 1)
    published = data.get("published")
    return default if published is None or published != published else min(default, int(published))


def quantiles(values: np.ndarray) -> Any:  # a mapclassify.Quantiles (imported when needed)
    """Up to five classes of equal counts, two at least; fewer when the values are too few to tell apart
    (then said in the legend)."""
    import mapclassify  # with scipy, a second of start-up that a rebuild reusing every map never needs

    k = max(2, min(5, len(np.unique(values)) - 1))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Not enough unique values", UserWarning)
        return mapclassify.Quantiles(values, k=k)


class MapPainter:
    """Draws the maps of one département; reuses each indicator's base figure across communes."""

    def __init__(
        self,
        communes: gpd.GeoDataFrame,
        departements: gpd.GeoDataFrame | None,
        iris: gpd.GeoDataFrame | None = None,
    ) -> None:
        self.communes = to_lambert(communes).set_index("code")
        self.departements = (
            to_lambert(departements) if departements is not None and len(departements) else None
        )
        self.iris = to_lambert(iris) if iris is not None else None
        self._bases = {}

    def _frame(self, ax, geometries):
        minx, miny, maxx, maxy = geometries.total_bounds
        pad = 0.04 * max(maxx - minx, maxy - miny)
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
        ax.set_axis_off()
        ax.set_aspect("equal")

    def _base(self, data):
        key = (data["indicator"], data["vintage"])
        if key in self._bases:
            return self._bases[key]
        fig, ax = plt.subplots(figsize=(3.6, 3.3))
        values = self.communes.index.map(lambda c: data["values"].get(c, np.nan)).to_numpy(
            dtype=float
        )
        known = ~np.isnan(values)
        classes = quantiles(values[known])
        k = len(classes.bins)
        cmap = matplotlib.colormaps[PALETTES.get(data["polarity"], "PuBu")].resampled(k)
        colours = np.array([MISSING_COLOUR] * len(values), dtype=object)
        colours[known] = [matplotlib.colors.to_hex(cmap(c)) for c in classes.yb]
        self.communes.plot(ax=ax, color=list(colours), edgecolor="white", linewidth=0.4)
        if (~known).any():
            self.communes[~known].plot(
                ax=ax, facecolor=MISSING_COLOUR, edgecolor="#999999", hatch="////", linewidth=0.3
            )
        self._frame(ax, self.communes)
        decimals = _legend_decimals(data)
        lower = values[known].min()
        handles = []
        for n, upper in enumerate(classes.bins):
            text = f"{format_number(lower, decimals)} – {format_number(upper, decimals)}"
            handles.append(Patch(facecolor=cmap(n), edgecolor="#888888", linewidth=0.3, label=text))
            lower = upper
        if (~known).any():
            handles.append(
                Patch(facecolor=MISSING_COLOUR, hatch="////", edgecolor="#999999", label="n.d.")
            )
        unit = {"%": "en %", "€": "en €"}.get(data["unit"], data["unit"])
        ax.legend(
            handles=handles,
            title=unit,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=3,
            fontsize=7.5,
            title_fontsize=7.5,
            columnspacing=0.8,
            handlelength=1.2,
        )
        self._bases[key] = Overlay(
            fig, [ax]
        )  # a commune's outline stays inside the frame measured here
        return self._bases[key]

    def _outline(self, highlight):
        """The outline of one commune or of a group of communes (their union), or None."""
        codes = [highlight] if isinstance(highlight, str) else list(highlight or [])
        codes = [c for c in codes if c in self.communes.index]
        if not codes:
            return None
        return self.communes.loc[codes].dissolve().boundary

    def choropleth(self, data: Mapping[str, Any]) -> bytes:
        """One indicator over the département's communes, the commune or group outlined."""
        outline = self._outline(data.get("highlight"))

        def layer(fig, axes):
            if outline is not None:
                outline.plot(ax=axes[0], color="black", linewidth=1.6, aspect=None)

        return self._base(data).render(layer)

    def locator(self, data: Mapping[str, Any]) -> bytes:
        """The département among its neighbours, the commune (or the group's communes) in blue."""
        if "locator" not in self._bases:
            fig, ax = plt.subplots(figsize=(3.4, 3.2))
            if self.departements is not None:
                self.departements.plot(ax=ax, color="#E4E4E4", edgecolor="white", linewidth=0.8)
            self.communes.plot(ax=ax, color="#BFD5E8", edgecolor="white", linewidth=0.4)
            self._frame(ax, self.communes.buffer(3000))
            self._bases["locator"] = Overlay(fig, [ax])
        highlight = data.get("highlight")
        codes = [
            c
            for c in ([highlight] if isinstance(highlight, str) else highlight or [])
            if c in self.communes.index
        ]

        def layer(fig, axes):
            if codes:
                self.communes.loc[codes].plot(
                    ax=axes[0], color=COMMUNE, edgecolor="white", linewidth=0.4, aspect=None
                )
                self._outline(codes).plot(ax=axes[0], color="black", linewidth=0.8, aspect=None)

        return self._bases["locator"].render(layer)

    def iris_map(self, data: Mapping[str, Any]) -> bytes:
        """The commune's IRIS coloured by one IRIS indicator; withheld IRIS hatched."""
        shapes = self.iris[self.iris["commune"] == data["commune"]].set_index("code")
        fig, ax = plt.subplots(figsize=(4.2, 3.8))
        values = shapes.index.map(lambda c: data["values"].get(c, np.nan)).to_numpy(dtype=float)
        known = ~np.isnan(values)
        if known.sum() >= 3:
            classes = quantiles(values[known])
            cmap = matplotlib.colormaps[PALETTES.get(data["polarity"], "PuBu")].resampled(
                len(classes.bins)
            )
            shapes[known].plot(
                ax=ax, color=[cmap(c) for c in classes.yb], edgecolor="white", linewidth=0.5
            )
            lower = values[known].min()
            handles = []
            for n, upper in enumerate(classes.bins):
                decimals = _legend_decimals(data)
                handles.append(
                    Patch(
                        facecolor=cmap(n),
                        label=f"{format_number(lower, decimals)} – {format_number(upper, decimals)}",
                    )
                )
                lower = upper
        else:
            handles = []
        if (~known).any():
            shapes[~known].plot(
                ax=ax, facecolor=MISSING_COLOUR, edgecolor="#999999", hatch="////", linewidth=0.4
            )
            handles.append(
                Patch(
                    facecolor=MISSING_COLOUR,
                    hatch="////",
                    edgecolor="#999999",
                    label="valeur non diffusée",
                )
            )
        self.communes.loc[[data["commune"]]].boundary.plot(ax=ax, color="black", linewidth=1.2)
        self._frame(ax, shapes)
        unit = {"%": "en %", "€": "en €"}.get(data["unit"], data["unit"])
        ax.legend(
            handles=handles,
            title=unit,
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            fontsize=8,
            title_fontsize=8,
        )
        return to_png(fig)

    def types(self, data: Mapping[str, Any]) -> bytes:
        """Communes coloured by category (the typology), with a legend of the categories."""
        fig, ax = plt.subplots(figsize=(6.0, 4.6))
        categories = self.communes.index.map(lambda c: data["values"].get(c))
        colours = [
            data["colours"].get(t, MISSING_COLOUR) if t is not None else MISSING_COLOUR
            for t in categories
        ]
        self.communes.plot(ax=ax, color=colours, edgecolor="white", linewidth=0.5)
        self._frame(ax, self.communes)
        for point, name in zip(self.communes.representative_point(), self.communes["name"]):
            ax.annotate(
                name.replace("-", "-\n", 1) if len(name) > 14 else name,
                (point.x, point.y),
                ha="center",
                va="center",
                fontsize=4.2,
                color="#1f2a44",
            )
        handles = [
            Patch(facecolor=data["colours"][t], label=label)
            for t, label in sorted(data["labels"].items())
        ]
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            fontsize=7.5,
            frameon=False,
        )
        return to_png(fig)

    def close(self) -> None:
        """Release the base images kept for restyling."""
        self._bases.clear()

    def draw(self, figure: Drawable) -> bytes:
        """PNG of a map figure, drawn by its kind's drawer (the registry of reports/figures.py)."""
        kind = figure.figure_kind
        if kind.medium != "map":
            raise ValueError(f"a {kind.name} figure is a chart: charts.draw draws it")
        return kind.draw(self, figure.data)
