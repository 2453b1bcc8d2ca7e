"""Matplotlib charts of a portrait, drawn from the model's chart data, returned as PNG bytes.

Each drawer takes the data of one figure kind; reports/figures.py declares the kinds, their data's
shape and which drawer draws each, and `draw` finds the drawer there through the figure.
"""

import io
import textwrap
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox
from PIL import Image

from reports.formatting import format_number, format_value

# Okabe-Ito colours: distinguishable with colour-blindness and in grey print.
COMMUNE, DEPARTEMENT, REGION, FRANCE, MUTED = "#0072B2", "#E69F00", "#009E73", "#7F7F7F", "#C8C8C8"
DPI = 150

plt.rcParams.update(
    {
        "font.family": "DejaVu Sans",
        "font.size": 8.5,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.dpi": DPI,  # frames measured before saving then match the saved image, text included
        "axes.titlesize": 9,
        "axes.labelsize": 8.5,
        "legend.fontsize": 8,
        "legend.frameon": False,
        "text.parse_math": False,  # every text drawn is plain text: "50 $ ou 100 $" is not mathtext
    }
)


def to_png(
    fig: Figure, close: bool = True, bbox: str | Bbox | None = "tight", transparent: bool = False
) -> bytes:
    """PNG bytes of a chart or map at print resolution; close=False keeps the figure to be restyled.

    `bbox` is "tight" (measured by an extra draw), a Bbox in inches measured once, or None (the whole figure).

    PNG rather than SVG: weasyprint embeds an image much faster than it draws an SVG's
    hundreds of nodes, which more than pays for rasterising. An opaque chart is saved as RGB:
    weasyprint would otherwise split and compress an alpha channel that is opaque everywhere."""
    buffer = io.BytesIO()
    fig.savefig(
        buffer,
        format="png",
        dpi=DPI,
        bbox_inches=bbox,
        pad_inches=0.08,
        transparent=transparent,
        pil_kwargs={"compress_level": 1 if transparent else 0},
    )
    if close:
        plt.close(fig)
    return buffer.getvalue() if transparent else _png(Image.open(buffer).convert("RGB"))


def _png(image):
    """PNG bytes of a Pillow image at print resolution; light compression, since weasyprint compresses again."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1, dpi=(DPI, DPI))
    return buffer.getvalue()


def _wrap(label, width=34):
    return "\n".join(textwrap.wrap(label, width))


def ages(data: Mapping[str, Any]) -> bytes:
    """The population's share in each age band, the territory's bars beside the département's."""
    labels = data["labels"]
    y = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(6.3, 2.9))
    ax.barh(y - 0.2, data["commune"], height=0.38, color=COMMUNE, label=data["names"][0])
    ax.barh(y + 0.2, data["departement"], height=0.38, color=DEPARTEMENT, label=data["names"][1])
    for yy, value in zip(y, data["commune"]):
        ax.text(value + 0.3, yy - 0.2, format_value(value, "%"), va="center", fontsize=7.5)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel("Part de la population (%)")
    ax.legend(loc="lower right")
    return to_png(fig)


class Overlay:
    """A base figure rasterised once, and a transparent twin of its axes for what one portrait adds.

    Saving a portrait's chart then draws only its own artists; Pillow lays them over the base image.
    `bbox` (inches) crops both images alike: "tight" is measured once on the base, None keeps the figure."""

    def __init__(self, fig: Figure, axes: list, bbox: str | Bbox | None = "tight") -> None:
        self.bbox = fig.get_tightbbox().padded(0.08) if bbox == "tight" else bbox
        self.base = Image.open(io.BytesIO(to_png(fig, close=False, bbox=self.bbox))).convert("RGBA")
        self.fig = Figure(figsize=fig.get_size_inches(), dpi=fig.dpi)
        self.axes, self.limits = [], []
        for ax in axes:
            twin = self.fig.add_axes(
                ax.get_position()
            )  # the position as drawn, after any aspect adjustment
            twin.set_xscale(ax.get_xscale())
            twin.set_yscale(ax.get_yscale())
            self.limits.append((ax.get_xlim(), ax.get_ylim()))
            twin.set_axis_off()
            self.axes.append(twin)
        self._reset_limits()
        plt.close(fig)

    def _reset_limits(self):
        for twin, (x, y) in zip(self.axes, self.limits):
            twin.set_xlim(x)
            twin.set_ylim(y)

    def render(self, layer: Callable[[Figure, list], None]) -> bytes:
        """PNG of the base with what `layer(fig, axes)` draws on the twin; the twin is cleared afterwards."""
        try:
            layer(self.fig, self.axes)
            return self.png()
        finally:
            self.clear()

    def clear(self) -> None:
        """Remove whatever a portrait drew on the twin, ready for the next one."""
        for twin in self.axes:
            for artist in [
                *twin.collections,
                *twin.patches,
                *twin.lines,
                *twin.texts,
                *twin.images,
            ]:
                artist.remove()
            if twin.get_legend():
                twin.get_legend().remove()
        for legend in list(self.fig.legends):
            legend.remove()

    def png(self) -> bytes:
        """The base with the twin's current artists drawn over it."""
        self._reset_limits()  # plotting the layer may have rescaled the twin
        raw = io.BytesIO()
        self.fig.savefig(raw, format="rgba", dpi=DPI, bbox_inches=self.bbox, transparent=True)
        if len(raw.getvalue()) != 4 * self.base.width * self.base.height:
            raise RuntimeError("a chart's layer and its base image differ in size")
        layer = Image.frombuffer("RGBA", self.base.size, raw.getvalue(), "raw", "RGBA", 0, 1)
        return _png(Image.alpha_composite(self.base, layer).convert("RGB"))


class Layered:
    """Charts whose base (every commune's dots) is the same in every portrait of a département.

    The base is drawn once per process as an Overlay; each portrait draws its commune's layer on
    the twin axes (`layer(fig, axes, data)`), saves, and clears the twin, as the maps do with outlines.
    """

    def __init__(
        self,
        base: Callable,
        layer: Callable,
        own: tuple[str, ...] = ("own", "name", "highlight"),
        bbox: str | Bbox | None = "tight",
    ) -> None:
        """`own` are the keys of the data (or of its series) that belong to the commune's layer."""
        self.base, self.layer, self.own, self.bbox, self.overlays = base, layer, own, bbox, {}

    def __call__(self, data: Mapping[str, Any]) -> bytes:
        key = repr(self.shared(data))
        if key not in self.overlays:
            fig, axes, *measured = self.base(data)  # a base may measure its own frame
            self.overlays[key] = Overlay(fig, axes, bbox=measured[0] if measured else self.bbox)
        return self.overlays[key].render(lambda fig, axes: self.layer(fig, axes, data))

    def shared(self, data: Mapping[str, Any]) -> dict:
        """What the base is drawn from: the data without the commune's own values."""
        return {k: v for k, v in data.items() if k not in self.own} | {
            "series": [
                {k: v for k, v in s.items() if k not in self.own} for s in data.get("series", [])
            ]
        }

    def close(self) -> None:
        self.overlays.clear()


def _tick(x, _=None):
    """A tick label with the decimals it needs: 62,5 is not written 62."""
    decimals = next(d for d in (0, 1, 2, 3) if abs(round(x, d) - x) < 1e-9 or d == 3)
    return format_number(x, decimals)


def _position_base(data):
    series = data["series"]
    fig, axes = plt.subplots(len(series), 1, figsize=(6.3, 0.85 * len(series) + 0.3), squeeze=False)
    rng = np.random.default_rng(0)
    for ax, item in zip(axes[:, 0], series):
        values = np.asarray(item["values"], dtype=float)
        ax.scatter(
            values,
            rng.uniform(-0.25, 0.25, len(values)),
            s=14,
            color=MUTED,
            edgecolor="none",
            zorder=2,
        )
        if item["departement"] is not None:
            ax.axvline(
                item["departement"], color=DEPARTEMENT, lw=1.5, zorder=3, label="Département"
            )
        ax.set_title(item["label"], loc="left", fontsize=8.5)
        ax.set_yticks([])
        ax.set_ylim(-0.6, 0.8)
        ax.spines["left"].set_visible(False)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(_tick))
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig, axes[:, 0]


def _position_layer(fig, axes, data):
    """The commune's dot and value on each strip, and the legend naming it."""
    dots = []
    for ax, item in zip(axes, data["series"]):
        dots.append(
            ax.scatter(
                [item["own"]],
                [0],
                s=70,
                color=COMMUNE,
                edgecolor="white",
                zorder=4,
                label=data["name"],
            )
        )
        ax.annotate(
            item.get("own_text") or format_value(item["own"], item["unit"]),
            (item["own"], 0),
            xytext=(0, 9),
            textcoords="offset points",
            ha="center",
            fontsize=7.5,
            color=COMMUNE,
            fontweight="bold",
        )
    handles = dots[:1]
    if any(item["departement"] is not None for item in data["series"]):
        handles.append(Line2D([], [], color=DEPARTEMENT, lw=1.5, label="Département"))
    fig.legend(
        handles,
        [h.get_label() for h in handles],
        loc="lower center",
        ncol=2,
        bbox_to_anchor=(0.5, 0.0),
    )


position = Layered(
    _position_base, _position_layer, own=("own", "own_text", "name", "highlight"), bbox=None
)  # laid out to hold the legend: the whole figure


def iris(data: Mapping[str, Any]) -> bytes:
    """An IRIS indicator (the declared median income) for each IRIS of the commune, as bars."""
    names = [_wrap(n, 30) for n in data["names"]]
    values = data["values"]
    fig, ax = plt.subplots(figsize=(6.3, 0.5 + 0.2 * len(values)))
    y = np.arange(len(values))
    ax.barh(y, values, color=COMMUNE, height=0.7)
    for yy, value in zip(y, values):
        ax.text(value + max(values) * 0.01, yy, format_value(value, "€"), va="center", fontsize=6.5)
    ax.set_yticks(y, names, fontsize=6.5)
    ax.set_xlabel("Revenu déclaré médian par unité de consommation (€ par an)")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: format_number(x, 0)))
    ax.set_xlim(0, max(values) * 1.18)
    return to_png(fig)


STATUS_COLOURS = {
    "idée": "#CC79A7",
    "en préparation": "#E69F00",
    "en cours": "#0072B2",
    "terminé": "#009E73",
    "suspendu": "#7F7F7F",
}


def timeline(data: Mapping[str, Any]) -> bytes:
    """Projects as bars from start to end, meetings as markers, today as a line."""
    import matplotlib.dates as mdates

    projects = data["projects"]
    fig, ax = plt.subplots(figsize=(6.3, 0.9 + 0.42 * (len(projects) + 1)))
    dates = (
        [d for p in projects for d in (p["start"], p["end"]) if d]
        + [m["date"] for m in data["meetings"]]
        + [data["today"]]
    )
    first, last = min(dates), max(dates)
    for n, project in enumerate(projects):
        start, end = project["start"] or first, project["end"] or last
        ax.barh(
            n,
            mdates.date2num(end) - mdates.date2num(start),
            left=mdates.date2num(start),
            height=0.55,
            color=STATUS_COLOURS.get(project["status"], MUTED),
        )
    row = len(projects)
    for kind, marker, label in (
        ("conference", "D", "Conférence sociale locale"),
        ("concertation", "o", "Concertation"),
    ):
        points = [mdates.date2num(m["date"]) for m in data["meetings"] if m["kind"] == kind]
        if points:
            ax.scatter(
                points,
                [row] * len(points),
                marker=marker,
                s=36,
                color="#1d2330",
                label=label,
                zorder=3,
            )
    ax.axvline(mdates.date2num(data["today"]), color="#D55E00", lw=1.5, label="Aujourd'hui")
    ax.set_yticks(
        range(row + 1), [_wrap(p["title"], 40) for p in projects] + ["Réunions"], fontsize=7.5
    )
    ax.invert_yaxis()
    # One tick limit per frequency: a single one leaves some spans (about four years) with no interval that fits.
    locator = mdates.AutoDateLocator(
        minticks=3, maxticks={mdates.YEARLY: 7, mdates.MONTHLY: 8, mdates.DAILY: 8}
    )
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    handles, labels = ax.get_legend_handles_labels()
    statuses = [s for s in STATUS_COLOURS if any(p["status"] == s for p in projects)]
    handles += [plt.Rectangle((0, 0), 1, 1, color=STATUS_COLOURS[s]) for s in statuses]
    labels += statuses
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4, fontsize=7)
    return to_png(fig)


class Drawable(Protocol):
    """A figure as `draw` and MapPainter.draw take it (reports.model.Chart): its data, and its kind from
    the registry of reports/figures.py, whose `draw` is the drawer and `medium` "chart" or "map"."""

    data: Mapping[str, Any]

    @property
    def figure_kind(self) -> Any: ...


def draw(chart: Drawable) -> bytes:
    """PNG of a chart figure, drawn by its kind's drawer (the registry of reports/figures.py)."""
    kind = chart.figure_kind
    if kind.medium != "chart":
        raise ValueError(f"a {kind.name} figure is a map: the département's MapPainter draws it")
    return kind.draw(chart.data)


def _signed_bars(labels, values, xlabel, row, fontsize):
    """Horizontal bars coloured by sign: orange above zero (more fragile), blue below."""
    fig, ax = plt.subplots(figsize=(6.3, 0.5 + row * len(values)))
    y = np.arange(len(values))
    ax.barh(y, values, color=[DEPARTEMENT if v > 0 else COMMUNE for v in values], height=0.65)
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_yticks(y, labels, fontsize=fontsize)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    return to_png(fig)


def contributions(data: Mapping[str, Any]) -> bytes:
    """What pulls the fragility index up or down."""
    labels = [_wrap(label, 40) for label in data["labels"]]
    return _signed_bars(
        labels, data["values"], "Contribution à l'indice (écarts réduits pondérés)", 0.36, 8.5
    )


def _quadrant_base(data):
    fig, ax = plt.subplots(figsize=(6.0, 4.2))
    ax.scatter(data["x"], data["y"], s=16, color=MUTED, edgecolor="none", zorder=2)
    if data["x0"] is not None:
        ax.axvline(data["x0"], color=DEPARTEMENT, lw=1.2, zorder=1)
    if data["y0"] is not None:
        ax.axhline(data["y0"], color=DEPARTEMENT, lw=1.2, zorder=1, label="Valeurs du département")
    ax.set_xlabel(_wrap(data["xlabel"], 60))
    ax.set_ylabel(_wrap(data["ylabel"], 40))
    corners = {
        "haut-droite": (0.98, 0.98),
        "haut-gauche": (0.02, 0.98),
        "bas-gauche": (0.02, 0.02),
        "bas-droite": (0.98, 0.02),
    }
    for corner, words in data["corners"].items():
        x, y = corners[corner]
        ax.text(
            x,
            y,
            _wrap(words, 28),
            transform=ax.transAxes,
            ha="right" if x > 0.5 else "left",
            va="top" if y > 0.5 else "bottom",
            fontsize=6.5,
            style="italic",
            color="#5b6475",
            zorder=3,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.75, "pad": 1},
        )
    return fig, [ax]


def _quadrant_layer(fig, axes, data):
    """The commune highlighted and named, or, for the département's synthesis, every commune named."""
    ax = axes[0]
    for x, y, name, code in zip(data["x"], data["y"], data["names"], data["codes"]):
        right = x > np.nanmean(ax.get_xlim())  # names written inward, inside the measured frame
        if code == data["highlight"]:
            ax.scatter([x], [y], s=70, color=COMMUNE, edgecolor="white", zorder=4)
            ax.annotate(
                name,
                (x, y),
                xytext=(-6 if right else 6, 6),
                textcoords="offset points",
                fontsize=8.5,
                ha="right" if right else "left",
                color=COMMUNE,
                fontweight="bold",
            )
        elif code in data["labelled"] or data["highlight"] is None:
            # its closest communes and the extremes beside a commune; every name in the synthesis
            size, colour = (6.5, "#333333") if data["highlight"] else (6, "#555555")
            ax.annotate(
                name,
                (x, y),
                xytext=(-3 if right else 3, 3),
                textcoords="offset points",
                fontsize=size,
                ha="right" if right else "left",
                color=colour,
            )


quadrant = Layered(
    _quadrant_base, _quadrant_layer, own=("highlight", "labelled")
)  # every commune on two indicators, lines at the département's values


def ranking(data: Mapping[str, Any]) -> bytes:
    """Every commune's fragility index, the most fragile first."""
    return _signed_bars(
        data["labels"], data["values"], "Indice de fragilité (0 = moyenne des communes)", 0.19, 7
    )


LAYERED = (position, quadrant)  # the drawers that keep a base image per département


def close() -> None:
    """Release the base images kept for restyling."""
    for drawer in LAYERED:
        drawer.close()
