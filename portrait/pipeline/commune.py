"""One commune's folder (or one group's): its model, images, page, maps, PDF and CSV, skipped when its
inputs did not change since the last build (records.commune_key)."""

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from geodata.files import write_atomic
from indicators.territory import Territory
from portrait.files import inside, prepare_directory
from portrait.pipeline import records
from portrait.pipeline.inputs import Context
from reports import webmap
from reports.figures import CHART
from reports.figures import draw as draw_figure
from reports.figures import kind as figure_kind
from reports.maps import MapPainter
from reports.model import Chart, Portrait, build_portrait
from reports.observations_view import iris_markers, observations_by_theme
from reports.pages import PortraitPage
from reports.pst_view import pst_view

__all__ = [
    "CSV_COLUMNS",
    "CommuneResult",
    "Stopwatch",
    "build_commune",
    "commune_csv",
    "draw_images",
    "render_commune",
]

CSV_COLUMNS = [
    "code",
    "name",
    "level",
    "indicator",
    "label",
    "theme",
    "vintage",
    "value",
    "decimals",
    "unit",
    "rank",
    "rank_of",
    "ties",
    "departement_value",
    "departement_estimate",
    "region_value",
    "region_estimate",
    "france_value",
    "france_name",
    "france_estimate",
    "gap",
    "how",
    "estimate",
    "missing_reason",
    "note",
    "source",
    "definition",
]


@dataclass
class CommuneResult:
    code: str
    name: str
    folder: str
    written: dict[str, int]  # file name -> bytes written
    stages: dict[str, float]  # stage -> seconds
    skipped: bool = False  # inputs unchanged since the last build
    # image file written -> digest of its inputs, to reuse it next time
    images: dict[str, str] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.stages.values())


class Stopwatch:
    """Adds the time of each `with watch("stage"):` block to a dict."""

    def __init__(self):
        self.stages = {}

    def __call__(self, stage):
        watch = self

        class Block:
            def __enter__(self):
                self.started = time.perf_counter()

            def __exit__(self, *exc):
                watch.stages[stage] = (
                    watch.stages.get(stage, 0.0) + time.perf_counter() - self.started
                )

        return Block()


def commune_csv(territory: Territory, code: str) -> str:
    """Every figure of a commune with its references; `estimate` flags values computed where none is
    published, `decimals` the decimals the source publishes (a value is never written with more).
    The indicators only a chart draws (`listed: false`, the age bands) are lines of no table."""
    table = territory.table
    listed = {i.id for i in territory.catalogue if i.listed}
    own = table[(table["code"] == code) & table["indicator"].isin(listed)]
    rows = _published_precision(own.copy(), "value", "decimals")
    keys = pd.MultiIndex.from_arrays([rows["indicator"], rows["vintage"]])
    for level in ("departement", "region", "france"):
        refs = table[table["level"] == level].set_index(["indicator", "vintage"])
        rows[f"{level}_estimate"] = refs["estimate"].reindex(keys).to_numpy()
        rows[f"{level}_decimals"] = refs["decimals"].reindex(keys).to_numpy()
        rows = _published_precision(rows, f"{level}_value", f"{level}_decimals").drop(
            columns=f"{level}_decimals"
        )
    rows.loc[rows["france_value"].isna(), "france_name"] = ""
    rows["label"] = rows["indicator"].map(lambda i: territory.catalogue[i].label)
    rows["definition"] = rows["indicator"].map(lambda i: territory.catalogue[i].definition)
    return rows[CSV_COLUMNS].to_csv(index=False, float_format="%.10g", lineterminator="\n")


def _published_precision(rows, column, decimals_column):
    """`column` rounded to the decimals its source publishes (given by `decimals_column`), where known."""
    decimals = rows[decimals_column]
    known = decimals.notna() & rows[column].notna()
    rows.loc[known, column] = [
        round(v, int(d)) for v, d in zip(rows.loc[known, column], decimals[known])
    ]
    return rows


def draw_images(
    figures: list[Chart],
    painter: MapPainter,
    watch: Stopwatch,
    reuse: dict[str, Path] | None = None,
    territory: Territory | None = None,
) -> dict[str, bytes]:
    """Draw charts and maps as PNG; returns {file name: bytes} and sets each figure's image name and key.

    `reuse` maps an image's key to a file holding it from the last build: only what changed is drawn
    again (after a PST change, the timeline alone)."""
    images = {}
    fingerprint = territory.fingerprint if territory else None
    for chart in figures:
        is_chart = figure_kind(chart.kind).medium == CHART
        chart.image = f"{chart.id}.png"
        chart.digest = records.image_key(chart.kind, chart.data, fingerprint)
        with watch("charts" if is_chart else "maps"):
            kept = (reuse or {}).get(chart.digest)
            if kept:
                images[chart.image] = kept.read_bytes()
            else:
                images[chart.image] = draw_figure(chart, painter)
    return images


def build_commune(context: Context, code: str) -> CommuneResult:
    """Write one commune's folder, timing each stage; skipped when its inputs did not change.

    The folder's record is removed before anything is rewritten and written last, with the digest of
    every file: a build stopped half-way leaves no record, so the next build redoes the commune."""
    folder = context.out / context.folders[code] if context.folders.get(code) else None
    key = records.commune_key(
        context.territory.fingerprint,
        context.formats,
        context.tiles,
        context.folders,
        context.pst_paths.get(code),
        context.observation_paths.get(code),
    )
    recorded = {} if context.force else records.last_commune_build(folder)
    files = recorded.get("files", {})
    if (
        recorded
        and recorded.get("fingerprint") == key
        and records.intact(folder, files, recorded.get("digests"))
    ):
        return CommuneResult(code, recorded["name"], folder.name, files, {}, skipped=True)
    if folder:
        records.forget(folder, records.COMMUNE_RECORD)
    result = render_commune(context, code, _drawn_before(folder, recorded))
    records.remember_commune(
        context.out / result.folder, key, result.name, result.written, result.images
    )
    return result


def _drawn_before(folder: Path | None, recorded: dict) -> dict[str, Path]:
    """{image key: file} of the images the last build of this commune drew and left intact."""
    files = recorded.get("files", {})
    return {
        key: folder / name
        for name, key in recorded.get("images", {}).items()
        if name in files and records.intact(folder, {name: files[name]}, recorded.get("digests"))
    }


def render_commune(
    context: Context, code: str, reuse: dict[str, Path] | None = None
) -> CommuneResult:
    """The portrait's files, written whatever the last build left (build_commune decides whether to call it)."""
    territory = context.territory
    watch = Stopwatch()
    with watch("model"):
        portrait = build_portrait(territory, code)
        pst = pst_view(context.pst.get(code), territory, code)
        crossed = context.crossed.commune_view(code) if context.crossed else None
        crossed_rows = portrait.crossed_rows if crossed else []
        folder = prepare_directory(inside(context.out, portrait.folder))
    figures = (
        [c for s in portrait.sections for c in s.charts]
        + portrait.maps
        + ([portrait.cover_map] if portrait.cover_map else [])
    )
    figures += ([pst["timeline"]] if pst and pst["timeline"] else []) + (
        crossed["charts"] if crossed else []
    )
    images = (
        draw_images(figures, context.painter, watch, reuse, territory)
        if context.formats & {"html", "pdf"}
        else {}
    )
    said = context.observations.get(code)
    obs = observations_by_theme(
        said.observations if said else None, territory, code, example=bool(said and said.example)
    )
    page = PortraitPage(
        portrait=portrait,
        pst=pst,
        crossed=crossed,
        crossed_rows=crossed_rows,
        observations=obs,
    )
    written = {}
    if "html" in context.formats:
        with watch("html"):
            for name, png in images.items():
                written[name] = write_atomic(folder / name, png)
            web = write_web_maps(context, portrait, folder, written)
            html = context.renderer.html(
                replace(page, web_maps=web, portrait_folders=context.folders)
            )
            written["index.html"] = write_atomic(folder / "index.html", html)
    if "pdf" in context.formats:
        with watch("pdf"):
            pdf = context.renderer.pdf(page, images)
            written[f"portrait-{portrait.folder}.pdf"] = write_atomic(
                folder / f"portrait-{portrait.folder}.pdf", pdf
            )
    if "csv" in context.formats:
        with watch("csv"):
            csv = commune_csv(territory, code)
            written[f"indicateurs-{portrait.folder}.csv"] = write_atomic(
                folder / f"indicateurs-{portrait.folder}.csv", csv
            )
    drawn = {c.image: c.digest for c in figures} if "html" in context.formats else {}
    return CommuneResult(code, portrait.name, portrait.folder, written, watch.stages, images=drawn)


def write_web_maps(
    context: Context, portrait: Portrait, folder: Path, written: dict[str, int]
) -> dict:
    """The commune's interactive maps (communes, IRIS); returns what the page template needs."""
    tiles, attribution = context.tiles
    code = portrait.code
    page = webmap.map_page(
        f"Carte — {portrait.name}",
        [f"../{context.data_script}"],
        "PORTRAIT_COMMUNES",
        {"highlight": code, "linkPrefix": "../"},
        "../",
        tiles,
        attribution,
    )
    written["carte.html"] = write_atomic(folder / "carte.html", page)
    iris = webmap.iris_data(context.territory, code, context.territory.iris_shapes())
    said = context.observations.get(code)
    if iris and said:
        iris["markers"] = iris_markers(
            said.observations, context.territory.iris_shapes(), context.territory.catalogue.themes
        )
    if iris:
        written["iris.js"] = write_atomic(folder / "iris.js", webmap.js_data("PORTRAIT_IRIS", iris))
        page = webmap.map_page(
            f"IRIS — {portrait.name}",
            ["iris.js"],
            "PORTRAIT_IRIS",
            {"hatchMissing": True, "missingLabel": "valeur non diffusée"},
            "../",
            tiles,
            attribution,
        )
        written["carte-iris.html"] = write_atomic(folder / "carte-iris.html", page)
    names = dict(zip(context.territory.communes["code"], context.territory.communes["name"]))
    neighbours = [
        {"name": names[c], "folder": context.folders[c]}
        for c in context.neighbours.get(code, [])
        if c in context.folders
    ]
    return {
        "commune_map": "carte.html",
        "iris_map": "carte-iris.html" if iris else None,
        "iris": iris,
        "neighbours": neighbours,
    }
