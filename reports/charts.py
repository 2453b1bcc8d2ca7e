"""Matplotlib charts of a portrait, drawn from the model's chart data, returned as PNG bytes."""

import io
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from reports.formatting import format_number, format_value  # noqa: E402

# Okabe-Ito colours: distinguishable with colour-blindness and in grey print.
COMMUNE, DEPARTEMENT, REGION, FRANCE, MUTED = "#0072B2", "#E69F00", "#009E73", "#7F7F7F", "#C8C8C8"
DPI = 150

plt.rcParams.update({
    "font.family": "DejaVu Sans", "font.size": 8.5, "axes.spines.top": False, "axes.spines.right": False,
    "axes.titlesize": 9, "axes.labelsize": 8.5, "legend.fontsize": 8, "legend.frameon": False,
    "svg.fonttype": "none",
})


def to_png(fig, close=True):
    """PNG bytes of a figure (maps); close=False keeps it open to be restyled for the next commune."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.08)
    if close:
        plt.close(fig)
    return buffer.getvalue()


def to_svg(fig):
    """SVG bytes of a chart: faster to draw than PNG, half the PDF size, and its text stays text."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", pad_inches=0.08, metadata={"Date": None})
    plt.close(fig)
    return buffer.getvalue()


def _wrap(label, width=34):
    return "\n".join(textwrap.wrap(label, width))


def ages(data):
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
    return to_svg(fig)


def refs(data):
    labels = [_wrap(label) for label in data["labels"]]
    series = [("commune", COMMUNE), ("departement", DEPARTEMENT), ("region", REGION), ("france", FRANCE)]
    present = [(key, colour, name) for (key, colour), name in zip(series, data["names"]) if any(v is not None for v in data[key])]
    n = len(labels)
    height = 0.8 / len(present)
    fig, ax = plt.subplots(figsize=(6.3, 0.5 + 0.42 * n * max(1, len(present) / 2.2)))
    y = np.arange(n)
    for k, (key, colour, name) in enumerate(present):
        values = [np.nan if v is None else v for v in data[key]]
        offset = (k - (len(present) - 1) / 2) * height
        ax.barh(y + offset, values, height=height * 0.95, color=colour, label=name)
        if key == "commune":
            for yy, value in zip(y, values):
                ax.text(value + 0.5, yy + offset, format_value(value, "%"), va="center", fontsize=7, color="#222222")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel("%")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 if n > 3 else -0.3), ncol=len(present))
    return to_svg(fig)


def position(data):
    series = data["series"]
    fig, axes = plt.subplots(len(series), 1, figsize=(6.3, 0.85 * len(series) + 0.3), squeeze=False)
    rng = np.random.default_rng(0)
    for ax, item in zip(axes[:, 0], series):
        values = np.asarray(item["values"], dtype=float)
        ax.scatter(values, rng.uniform(-0.25, 0.25, len(values)), s=14, color=MUTED, edgecolor="none", zorder=2)
        ax.scatter([item["own"]], [0], s=70, color=COMMUNE, edgecolor="white", zorder=4, label=data["name"])
        ax.annotate(format_value(item["own"], item["unit"]), (item["own"], 0), xytext=(0, 9), textcoords="offset points",
                    ha="center", fontsize=7.5, color=COMMUNE, fontweight="bold")
        if item["departement"] is not None:
            ax.axvline(item["departement"], color=DEPARTEMENT, lw=1.5, zorder=3, label="Département")
        ax.set_title(item["label"], loc="left", fontsize=8.5)
        ax.set_yticks([])
        ax.set_ylim(-0.6, 0.8)
        ax.spines["left"].set_visible(False)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: format_number(x, 0 if abs(x) >= 10 else 1)))
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return to_svg(fig)


def iris(data):
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
    return to_svg(fig)




STATUS_COLOURS = {"idée": "#CC79A7", "en préparation": "#E69F00", "en cours": "#0072B2", "terminé": "#009E73", "suspendu": "#7F7F7F"}


def timeline(data):
    """Projects as bars from start to end, meetings as markers, today as a line."""
    import matplotlib.dates as mdates

    projects = data["projects"]
    fig, ax = plt.subplots(figsize=(6.3, 0.9 + 0.42 * (len(projects) + 1)))
    dates = [d for p in projects for d in (p["start"], p["end"]) if d] + [m["date"] for m in data["meetings"]] + [data["today"]]
    first, last = min(dates), max(dates)
    for n, project in enumerate(projects):
        start, end = project["start"] or first, project["end"] or last
        ax.barh(n, mdates.date2num(end) - mdates.date2num(start), left=mdates.date2num(start), height=0.55,
                color=STATUS_COLOURS.get(project["status"], MUTED))
    row = len(projects)
    for kind, marker, label in (("conference", "D", "Conférence sociale locale"), ("concertation", "o", "Concertation")):
        points = [mdates.date2num(m["date"]) for m in data["meetings"] if m["kind"] == kind]
        if points:
            ax.scatter(points, [row] * len(points), marker=marker, s=36, color="#1d2330", label=label, zorder=3)
    ax.axvline(mdates.date2num(data["today"]), color="#D55E00", lw=1.5, label="Aujourd'hui")
    ax.set_yticks(range(row + 1), [_wrap(p["title"], 40) for p in projects] + ["Réunions"], fontsize=7.5)
    ax.invert_yaxis()
    locator = mdates.AutoDateLocator(maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    handles, labels = ax.get_legend_handles_labels()
    statuses = [s for s in STATUS_COLOURS if any(p["status"] == s for p in projects)]
    handles += [plt.Rectangle((0, 0), 1, 1, color=STATUS_COLOURS[s]) for s in statuses]
    labels += statuses
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4, fontsize=7)
    return to_svg(fig)


DRAWERS = {"ages": ages, "refs": refs, "position": position, "iris": iris, "timeline": timeline}


EXTENSION = "svg"


def draw(chart):
    return DRAWERS[chart.kind](chart.data)


def _signed_bars(labels, values, xlabel, row, fontsize):
    """Horizontal bars coloured by sign: orange above zero (more fragile), blue below."""
    fig, ax = plt.subplots(figsize=(6.3, 0.5 + row * len(values)))
    y = np.arange(len(values))
    ax.barh(y, values, color=[DEPARTEMENT if v > 0 else COMMUNE for v in values], height=0.65)
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_yticks(y, labels, fontsize=fontsize)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    return to_svg(fig)


def contributions(data):
    """What pulls the fragility index up or down."""
    labels = [_wrap(label, 40) for label in data["labels"]]
    return _signed_bars(labels, data["values"], "Contribution à l'indice (écarts réduits pondérés)", 0.36, 8.5)


def quadrant(data):
    """All communes on two indicators, lines at the département's values, the commune labelled."""
    fig, ax = plt.subplots(figsize=(6.0, 4.2))
    ax.scatter(data["x"], data["y"], s=16, color=MUTED, edgecolor="none", zorder=2)
    if data["x0"] is not None:
        ax.axvline(data["x0"], color=DEPARTEMENT, lw=1.2, zorder=1)
    if data["y0"] is not None:
        ax.axhline(data["y0"], color=DEPARTEMENT, lw=1.2, zorder=1, label="Valeurs du département")
    for x, y, name, code in zip(data["x"], data["y"], data["names"], data["codes"]):
        if code == data["highlight"]:
            ax.scatter([x], [y], s=70, color=COMMUNE, edgecolor="white", zorder=4)
            ax.annotate(name, (x, y), xytext=(6, 6), textcoords="offset points", fontsize=8.5, color=COMMUNE, fontweight="bold")
        elif data["highlight"] is None:
            ax.annotate(name, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=6, color="#555555")
    ax.set_xlabel(_wrap(data["xlabel"], 60))
    ax.set_ylabel(_wrap(data["ylabel"], 40))
    return to_svg(fig)


def ranking(data):
    return _signed_bars(data["labels"], data["values"], "Indice de fragilité (0 = moyenne des communes)", 0.19, 7)


DRAWERS.update({"contributions": contributions, "quadrant": quadrant, "ranking": ranking})
