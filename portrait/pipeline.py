"""The build: load once, then for each commune draw, render and write its portrait.

Communes are rendered in parallel processes (fork): each worker inherits the
loaded territory and keeps its own matplotlib figures and templates. With a Dask
scheduler, the same per-commune task runs on the cluster's workers (portrait.cluster).
"""

import datetime as dt
import gc
import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geodata import boundaries
from geodata.datadir import find_data_dir
from geodata.errors import InputError
from geodata.files import write_atomic
from indicators import cache, load_territory
from indicators.groups import group_territory, load_groups
from portrait import freshness
from portrait.dictionary import dictionary
from portrait.files import default_pst_directory, file_digest, inside, prepare_directory
from portrait.freshness import code_fingerprint
from reports import charts, webmap
from reports.crossed_view import CrossedAnalysis
from reports.maps import MapPainter
from reports.model import build_portrait, slugify
from reports.observations_view import iris_markers, observations_by_theme
from reports.pst_view import pst_view
from reports.render import STATIC, Renderer

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
class Context:
    """What every worker needs, built once in the parent process."""

    territory: object
    out: object
    formats: set
    painter: MapPainter
    folders: dict = field(default_factory=dict)
    neighbours: dict = field(default_factory=dict)
    tiles: tuple = (None, None)
    pst: dict = field(default_factory=dict)
    pst_paths: dict = field(default_factory=dict)
    force: bool = False
    crossed: object = None
    observations: dict = field(default_factory=dict)
    observation_paths: dict = field(default_factory=dict)
    renderer: Renderer = field(default_factory=Renderer)

    @property
    def data_script(self):
        return f"assets/carte-{self.territory.dept}.js"


_CONTEXT = None


def commune_csv(territory, code):
    """Every figure of a commune with its references; `estimate` flags values computed where none is published,
    `decimals` the decimals the source publishes (a value is never written with more)."""
    table = territory.table
    rows = _published_precision(table[table["code"] == code].copy(), "value", "decimals")
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


@dataclass
class CommuneResult:
    code: str
    name: str
    folder: str
    written: dict  # file name -> bytes written
    stages: dict  # stage -> seconds
    skipped: bool = False  # inputs unchanged since the last build
    images: dict = field(
        default_factory=dict
    )  # image file written -> digest of its inputs, to reuse it next time

    @property
    def seconds(self):
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


def draw_images(figures, painter, watch, reuse=None, territory=None):
    """Draw charts and maps as PNG; returns {file name: bytes} and sets each chart's image name and digest.

    `reuse` maps an image's digest to a file holding it from the last build: only what changed is drawn
    again (after a PST change, the timeline alone)."""
    images = {}
    for chart in figures:
        is_chart = chart.kind in charts.DRAWERS
        chart.image, chart.digest = f"{chart.id}.png", image_digest(chart, territory)
        with watch("charts" if is_chart else "maps"):
            kept = (reuse or {}).get(chart.digest)
            images[chart.image] = (
                kept.read_bytes()
                if kept
                else charts.draw(chart)
                if is_chart
                else painter.draw(chart)
            )
    return images


def image_digest(chart, territory=None):
    """What a chart's image depends on: its kind and data, the data files (boundaries drawn from them), the code
    (drawing and formatting) and the libraries' versions."""
    return cache.digest(
        chart.kind, chart.data, territory.fingerprint if territory else None, code_fingerprint()
    )


MANIFEST = ".portrait-build.json"


def inputs_fingerprint(context, code):
    """Everything a commune's portrait depends on; equal fingerprints mean identical output."""
    pst, seen = context.pst_paths.get(code), context.observation_paths.get(code)
    parts = (
        context.territory.fingerprint,
        code_fingerprint(),
        sorted(context.formats),
        context.tiles,
        sorted(context.folders.items()),
        pst.read_bytes() if pst else None,
        seen.read_bytes() if seen else None,
        dt.date.today().isoformat()
        if pst
        else None,  # overdue actions and the timeline's "today" move with the date
    )
    return cache.digest(*parts)


def last_build(context, code):
    """What the last build of this commune recorded in its folder ({} when none, or with --force)."""
    folder = context.folders.get(code)
    if context.force or not folder:
        return {}
    try:
        recorded = json.loads((context.out / folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return (
        recorded if isinstance(recorded, dict) and isinstance(recorded.get("digests"), dict) else {}
    )  # else damaged, or older


def up_to_date(context, code, fingerprint, recorded):
    """The result recorded by the last build of this commune, when its inputs did not change and every file it
    wrote still has the content it was written with (a file rewritten by an interrupted build is not)."""
    folder, files = context.folders.get(code), recorded.get("files", {})
    if (
        not recorded
        or recorded.get("fingerprint") != fingerprint
        or not _intact(context.out / folder, files, recorded.get("digests"))
    ):
        return None
    return CommuneResult(code, recorded["name"], folder, files, {}, skipped=True)


def build_commune(context, code):
    """Write one commune's folder, timing each stage; skipped when its inputs did not change.

    The folder's record is removed before anything is rewritten and written last, with the digest of
    every file: a build stopped half-way leaves no record, so the next build redoes the commune."""
    fingerprint, recorded = inputs_fingerprint(context, code), last_build(context, code)
    done = up_to_date(context, code, fingerprint, recorded)
    if done:
        return done
    if context.folders.get(code):
        (context.out / context.folders[code] / MANIFEST).unlink(missing_ok=True)
    result = render_commune(context, code, drawn_before(context, code, recorded))
    folder = context.out / result.folder
    manifest = {
        "fingerprint": fingerprint,
        "name": result.name,
        "files": result.written,
        "images": result.images,
        "digests": {name: file_digest(folder / name) for name in result.written},
    }
    write_atomic(folder / MANIFEST, json.dumps(manifest, ensure_ascii=False))
    return result


def drawn_before(context, code, recorded):
    """{image digest: file} of the images the last build of this commune drew and left intact."""
    folder, files = context.out / context.folders.get(code, ""), recorded.get("files", {})
    return {
        digest: folder / name
        for name, digest in recorded.get("images", {}).items()
        if name in files and _intact(folder, {name: files[name]}, recorded.get("digests"))
    }


def render_commune(context, code, reuse=None):
    territory = context.territory
    watch = Stopwatch()
    with watch("model"):
        portrait = build_portrait(territory, code)
        pst = pst_view(context.pst.get(code), territory, code)
        crossed = context.crossed.commune_view(code) if context.crossed else None
        crossed_ids = {i.id for i in territory.catalogue.crossed()}
        crossed_rows = (
            [r for s in portrait.sections for r in s.rows if r.id in crossed_ids] if crossed else []
        )
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
    extra = {"pst": pst, "crossed": crossed, "crossed_rows": crossed_rows, "obs": obs}
    written = {}
    if "html" in context.formats:
        with watch("html"):
            for name, png in images.items():
                written[name] = write_atomic(folder / name, png)
            web = write_web_maps(context, portrait, folder, written)
            html = context.renderer.html(
                "portrait.html", p=portrait, web=web, folders=context.folders, **extra
            )
            written["index.html"] = write_atomic(folder / "index.html", html)
    if "pdf" in context.formats:
        with watch("pdf"):
            pdf = context.renderer.pdf("portrait.html", images, p=portrait, **extra)
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


def write_web_maps(context, portrait, folder, written):
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


def _worker(code):
    return build_commune(_CONTEXT, code)


def write_shared_assets(context, shapes):
    """Leaflet, our scripts and the département's map data, shared by every page; kept when unchanged.

    Returns the size of the map data."""
    key = cache.digest(
        context.territory.fingerprint, code_fingerprint(), sorted(context.folders.items())
    )
    recorded = _still_current(context.out, ASSETS_MANIFEST, key)
    if recorded and not context.force:
        return recorded["files"][context.data_script]
    _forget(context.out, ASSETS_MANIFEST)
    assets = prepare_directory(context.out / "assets")
    written = {
        "assets/portrait.css": write_atomic(
            assets / "portrait.css", (STATIC / "portrait.css").read_bytes()
        )
    }
    for name, data in webmap.leaflet_assets().items():
        prepare_directory((assets / name).parent)
        written[f"assets/{name}"] = write_atomic(assets / name, data)
    data = webmap.departement_data(context.territory, shapes, context.folders)
    written[context.data_script] = write_atomic(
        context.out / context.data_script, webmap.js_data("PORTRAIT_COMMUNES", data)
    )
    _remember(context.out, ASSETS_MANIFEST, key, written)
    return written[context.data_script]


ASSETS_MANIFEST = ".portrait-assets.json"


def crossed_analysis(territory):
    """Fragility, typology and quadrants of the département, or None (with a warning) when the data is too thin."""
    try:
        return CrossedAnalysis(territory)
    except ValueError as exc:
        territory.warnings.append(f"indicateurs croisés non calculés : {str(exc).splitlines()[0]}")
        return None


def write_synthesis(context):
    """The "Synthèse départementale" page and PDF: typology map, fragility ranking, quadrants.

    It depends on the data and the code only: kept as it is when neither changed since the last build."""
    if context.crossed is None:
        return
    territory = context.territory
    key = cache.digest(territory.fingerprint, code_fingerprint(), sorted(context.formats))
    if not context.force and _still_current(context.out, SYNTHESIS_MANIFEST, key):
        return
    _forget(context.out, SYNTHESIS_MANIFEST)
    synthesis = context.crossed.synthesis()
    figures = [synthesis["types_map"], synthesis["ranking"], *synthesis["quadrants"]]
    images = draw_images(figures, context.painter, Stopwatch())
    page = context.renderer.html("synthese.html", asset_prefix="", t=territory, s=synthesis)
    written = {name: write_atomic(context.out / name, data) for name, data in images.items()}
    written["synthese.html"] = write_atomic(context.out / "synthese.html", page)
    if "pdf" in context.formats:
        pdf = context.renderer.pdf("synthese.html", images, t=territory, s=synthesis)
        written[f"synthese-{territory.dept}.pdf"] = write_atomic(
            context.out / f"synthese-{territory.dept}.pdf", pdf
        )
    _remember(context.out, SYNTHESIS_MANIFEST, key, written)


SYNTHESIS_MANIFEST = ".portrait-synthese.json"
DEPARTEMENT_MAP_MANIFEST = ".portrait-carte-departement.json"


def _still_current(out, manifest, key):
    """The record of `manifest` when its files were written from inputs with this key and still hold what was
    written (sizes and digests), else None: a record without digests is an older build's, redone."""
    try:
        recorded = json.loads((out / manifest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not isinstance(recorded, dict)
        or recorded.get("key") != key
        or not isinstance(recorded.get("digests"), dict)
    ):
        return None
    return recorded if _intact(out, recorded.get("files", {}), recorded["digests"]) else None


def _forget(out, manifest):
    """Remove a record before its files are rewritten: a build stopped half-way leaves none, and is redone."""
    (out / manifest).unlink(missing_ok=True)


def _remember(out, manifest, key, written):
    """The record of the files just written ({name: size}), written last, with their digests."""
    digests = {name: file_digest(out / name) for name in written}
    write_atomic(out / manifest, json.dumps({"key": key, "files": written, "digests": digests}))


def _intact(folder, files, digests=None):
    """Whether every recorded file is still there with the size (and, when recorded, the content) it was written with."""
    digests = digests or {}
    return all(
        (folder / name).is_file()
        and (folder / name).stat().st_size == size
        and (name not in digests or file_digest(folder / name) == digests[name])
        for name, size in files.items()
    )


def write_departement_page(context, folders, group_links=()):
    territory = context.territory
    tiles, attribution = context.tiles
    page = webmap.map_page(
        f"Carte — {territory.name}",
        [context.data_script],
        "PORTRAIT_COMMUNES",
        {"linkPrefix": ""},
        "",
        tiles,
        attribution,
    )
    write_atomic(context.out / "carte.html", page)
    from reports.model import _map_chart

    chart = _map_chart(territory, None, "taux_pauvrete")
    if chart:
        chart.image = "carte-departement.png"
        _departement_map(context, chart)
    key_ids = [i.id for i in territory.catalogue if i.key]
    rows = []
    for code, name in zip(territory.communes["code"], territory.communes["name"]):
        values = territory.values(code)
        rows.append(
            {
                "code": code,
                "name": name,
                "folder": folders.get(code),
                "values": [values.loc[i] if i in values.index else None for i in key_ids],
            }
        )
    html = context.renderer.html(
        "departement.html",
        asset_prefix="",
        t=territory,
        rows=rows,
        key=[territory.catalogue[i] for i in key_ids],
        map=chart,
        has_projects=bool(context.pst),
        groups=group_links,
        has_pdf="pdf" in context.formats,
        has_synthesis=context.crossed is not None,
    )
    write_atomic(
        context.out / "comparer.html",
        context.renderer.html("comparer.html", asset_prefix="", t=territory),
    )
    write_atomic(context.out / "dictionnaire.html", dictionary(territory.catalogue, "html"))
    write_atomic(context.out / "index.html", html)


def _departement_map(context, chart):
    """The printable map of the département page, drawn again only when its data or the drawing code changed."""
    key = image_digest(chart, context.territory)
    if context.force or not _still_current(context.out, DEPARTEMENT_MAP_MANIFEST, key):
        _forget(context.out, DEPARTEMENT_MAP_MANIFEST)
        size = write_atomic(context.out / chart.image, context.painter.draw(chart))
        _remember(context.out, DEPARTEMENT_MAP_MANIFEST, key, {chart.image: size})


def load_inputs(dept, data_dir=None):
    """The département trimmed to its communes, with its IRIS, and the outlines of its communes and of the départements.

    Kept in the cache while the data files, the code and the libraries do not change: after a PST
    change, the build then reads one file (0.1 s) instead of parsing tables and outlines (2 s)."""
    data = find_data_dir(data_dir)

    def produce():
        territory = load_territory(dept, data).trimmed()
        territory.iris_shapes()  # loaded now, to be kept with the rest
        shapes = boundaries.load_communes(territory.data_dir, territory.dept, territory.events)
        return territory, shapes, boundaries.load_departements(territory.data_dir)

    return cache.cached_object(
        cache.digest("inputs", str(dept).strip().upper(), freshness.data_key(data)), produce
    )


def load_pst_files(pst_dir, territory):
    """Every PST file, checked before anything is written; {} when there is no PST directory."""
    from portrait import pst

    directory = (
        Path(pst_dir) if pst_dir else default_pst_directory(territory.data_dir)
    ).absolute()  # workers elsewhere read the same paths
    if pst_dir and not directory.is_dir():
        raise InputError(directory, "PST directory does not exist")
    if not directory.is_dir():
        return {}, {}, None
    known = set(territory.communes["code"])
    files = {p.stem: p for p in pst.pst_files(directory)}
    ours = {code: path for code, path in files.items() if code in known}
    checked = pst.load_directory(directory, None)
    return {code: checked[code] for code in ours if code in checked}, ours, directory


def load_observation_files(pst_dir, territory):
    """The actors' observations of the PST directory ({} without one), checked before anything is written."""
    from portrait import observations

    if pst_dir is None:
        return {}, {}
    files = observations.load_observations(
        pst_dir, known_iris=observations.iris_communes(territory.iris_shapes())
    )
    paths = {code: observations.folder(pst_dir) / f"{code}.yaml" for code in files}
    return files, paths


def write_projects_page(context):
    """The list of every shared project of the département, and the follow-up tables as CSV and XLSX."""
    territory = context.territory
    projects, actions = [], []
    for code, pst in sorted(context.pst.items()):
        view = pst_view(pst, territory, code)
        name = territory.name_of(code)
        for project in view["projects"]:
            projects.append(
                {
                    **project,
                    "commune": name,
                    "folder": context.folders.get(code),
                    "example": view["example"],
                }
            )
        for action in view["actions"]:
            actions.append({"commune": name, "code": code, **action})
    html = context.renderer.html("projets.html", asset_prefix="", t=territory, projects=projects)
    write_atomic(context.out / "projets.html", html)
    columns = ["code", "commune", "id", "action", "owner", "due", "status", "overdue", "comment"]
    headers = [
        "code",
        "commune",
        "action_id",
        "action",
        "responsable",
        "echeance",
        "statut",
        "en_retard",
        "commentaire",
    ]
    rows = [
        [a[c] if c != "overdue" else ("oui" if a["overdue"] else "non") for c in columns]
        for a in actions
    ]
    frame = pd.DataFrame(rows, columns=headers)
    write_atomic(context.out / "suivi-pst.csv", frame.to_csv(index=False, lineterminator="\n"))
    write_atomic(context.out / "suivi-pst.xlsx", _xlsx(frame))
    return len(projects), len(actions)


def _xlsx(frame):
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = "Suivi PST"
    sheet.append(list(frame.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    late = PatternFill("solid", fgColor="FBE0D6")
    for row in frame.itertuples(index=False):
        sheet.append([str(v) for v in row])
        if row.en_retard == "oui":
            for cell in sheet[sheet.max_row]:
                cell.fill = late
    for column, width in zip("ABCDEFGHI", (8, 22, 24, 60, 30, 18, 12, 10, 40)):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass
class BuildReport:
    results: list
    stages: dict  # load, shared, communes (wall), departement: seconds
    wall: float
    up_to_date: bool = False  # nothing to do: the last build with these options had the same inputs

    def stage_totals(self):
        """Seconds summed over the communes for each rendering stage (CPU time across processes)."""
        totals = {}
        for result in self.results:
            for stage, seconds in result.stages.items():
                totals[stage] = totals.get(stage, 0.0) + seconds
        return totals


def build(
    dept,
    out="site",
    communes=None,
    formats=("html", "pdf", "csv"),
    data_dir=None,
    jobs=None,
    log=print,
    tiles=None,
    attribution=None,
    pst_dir=None,
    force=False,
    groups=None,
    groups_file=None,
    key=None,
    scheduler=None,
):
    """Build the portraits of a département (all communes, or the given codes or names).

    `tiles` is an optional tile URL template for the web maps (none by default: the pages work offline);
    `pst_dir` the directory of PST files (default: ./pst, else pst/ in the data directory);
    communes whose inputs did not change since the last build are skipped unless `force`;
    `key` is the inputs' key (freshness.inputs_key) when the caller has already computed it;
    `scheduler` the address of a Dask distributed scheduler to hand the communes to, instead of `jobs` local processes.
    `groups` lists group codes to build instead of communes ("all" for every group of `groups_file`,
    default: the EPT of indicators/data/groups.yaml).
    """
    global _CONTEXT
    started = time.perf_counter()
    watch = Stopwatch()
    wanted = freshness.request(dept, communes, formats, tiles, attribution, groups, groups_file)
    key = key or freshness.inputs_key(wanted, data_dir, pst_dir)
    fresh = None if force else freshness.check(wanted, out, key)
    if fresh:
        log(str(fresh))
        for warning in fresh.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        return BuildReport(
            [],
            {"check": time.perf_counter() - started},
            time.perf_counter() - started,
            up_to_date=True,
        )
    if scheduler:
        from portrait import cluster

        log(f"Ordonnanceur Dask {scheduler} : {cluster.describe(scheduler)}")
    with watch("load"):
        territory, shapes, departements = load_inputs(dept, data_dir)
        declared = load_groups(territory, groups_file)
        codes = (
            []
            if groups
            else [territory.commune(c) for c in communes]
            if communes
            else list(territory.communes["code"])
        )
        pst_files, pst_paths, pst_dir = load_pst_files(pst_dir, territory)
        observation_files, observation_paths = load_observation_files(pst_dir, territory)
        out = prepare_directory(out).resolve()
        painter = MapPainter(shapes, departements, territory.iris_shapes())
    built = set(codes) | {
        c for c in territory.communes["code"] if any(out.glob(f"{c}-*/index.html"))
    }
    folders = {
        c: f"{c}-{slugify(n)}"
        for c, n in zip(territory.communes["code"], territory.communes["name"])
        if c in built
    }
    _CONTEXT = Context(
        territory,
        out,
        set(formats),
        painter,
        folders,
        boundaries.neighbours(shapes),
        (tiles, attribution),
        pst_files,
        pst_paths,
        force,
        crossed_analysis(territory),
        observation_files,
        observation_paths,
    )
    with watch("shared"):
        shared = write_shared_assets(_CONTEXT, shapes)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(codes) or 1))
    workers = f"ordonnanceur {scheduler}" if scheduler else f"{jobs} processus"
    log(
        f"Portraits de {territory.name} ({territory.dept}) : {len(codes)} commune(s), {workers}, sortie {out}"
    )
    with watch("communes"):
        results = (
            _build_communes(_largest_first(territory, codes), jobs, log, scheduler) if codes else []
        )
        if groups:
            results += _build_groups(territory, declared, groups, log)
    with watch("departement"):
        group_links = [
            (g.name, f"{g.code}-{slugify(g.name)}")
            for g in declared
            if (out / f"{g.code}-{slugify(g.name)}" / "index.html").exists()
        ]
        write_synthesis(_CONTEXT)
        write_departement_page(_CONTEXT, folders, group_links)
        if pst_dir:
            n_projects, n_actions = write_projects_page(_CONTEXT)
            log(
                f"Projets sociaux de territoire ({pst_dir}) : {len(pst_files)} commune(s), {n_projects} projet(s), "
                f"{n_actions} action(s) de suivi → projets.html, suivi-pst.csv, suivi-pst.xlsx"
            )
    painter.close()
    charts.close()
    freshness.record(wanted, out, key, len(results), territory.warnings)
    report = BuildReport(results, watch.stages, time.perf_counter() - started)
    _summary(report, out, shared, log)
    for warning in territory.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return report


def _build_groups(territory, declared, wanted, log):
    """Portraits of groups of communes, with the same renderers as the communes'."""
    global _CONTEXT
    chosen = (
        declared
        if wanted == "all"
        else [g for g in declared if g.code in wanted or g.name in wanted]
    )
    unknown = (
        set(wanted) - {g.code for g in chosen} - {g.name for g in chosen}
        if wanted != "all"
        else set()
    )
    if unknown or not chosen:
        known = ", ".join(f"{g.code} ({g.name})" for g in declared) or "none"
        raise InputError(
            None, f"unknown group '{sorted(unknown)[0] if unknown else wanted}'; groups: {known}"
        )
    commune_context = _CONTEXT
    groups_territory = group_territory(territory, chosen)
    folders = {g.code: f"{g.code}-{slugify(g.name)}" for g in chosen}
    _CONTEXT = Context(
        groups_territory,
        commune_context.out,
        commune_context.formats,
        commune_context.painter,
        {**commune_context.folders, **folders},
        {},
        commune_context.tiles,
        force=commune_context.force,
        crossed=None,
    )
    try:
        results = []
        for n, group in enumerate(chosen, 1):
            result = build_commune(_CONTEXT, group.code)
            results.append(result)
            log(
                f"  [groupe {n}/{len(chosen)}] {group.code} {group.name} → {result.folder}/ ({result.seconds:.1f} s)"
            )
        return results
    finally:
        _CONTEXT = commune_context


def _largest_first(territory, codes):
    """Communes with the most IRIS (the longest portraits) first: no worker is left alone with a long one at the end."""
    iris = territory.iris_shapes()
    counts = iris["commune"].value_counts() if iris is not None and len(iris) else {}
    return sorted(codes, key=lambda code: -counts.get(code, 0))


def _build_communes(codes, jobs, log, scheduler=None):
    results = []
    pool = None
    if scheduler:
        from portrait import cluster

        iterator = cluster.build_communes(scheduler, _CONTEXT, codes)
    elif jobs == 1:
        iterator = (build_commune(_CONTEXT, code) for code in codes)
    else:
        gc.freeze()  # forked workers then share the loaded data instead of copying every page the collector touches
        pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"))
        iterator = pool.map(_worker, codes)
    try:
        for n, result in enumerate(iterator, 1):
            results.append(result)
            done = (
                "inchangé, non reconstruit"
                if result.skipped
                else f"{len(result.written)} fichiers, {result.seconds:.1f} s"
            )
            log(f"  [{n}/{len(codes)}] {result.code} {result.name} → {result.folder}/ ({done})")
    finally:
        if scheduler:
            iterator.close()  # cancels what the cluster has not finished
        if pool:
            pool.shutdown(cancel_futures=True)
            gc.unfreeze()
    return results


def _summary(report, out, shared, log):
    results = report.results
    total = sum(sum(r.written.values()) for r in results)
    pdfs = [size for r in results for name, size in r.written.items() if name.endswith(".pdf")]
    pages = [
        sum(r.written.get(n, 0) for n in ("index.html", "carte.html", "carte-iris.html", "iris.js"))
        for r in results
    ]
    if pages and any(pages):
        log(
            f"Page d'une commune : {min(pages) / 1e3:.0f} à {max(pages) / 1e3:.0f} ko (HTML et cartes), "
            f"plus {shared / 1e3:.0f} ko de données cartographiques partagées."
        )
    rebuilt = sum(not r.skipped for r in results)
    log(
        f"Écrit : {rebuilt} portrait(s) reconstruit(s), {len(results) - rebuilt} inchangé(s), dans {out} ({total / 1e6:.1f} Mo"
        + (f", PDF de {min(pdfs) / 1e3:.0f} à {max(pdfs) / 1e3:.0f} ko" if pdfs else "")
        + f"), page du département {out / 'index.html'}, en {report.wall:.1f} s."
    )
