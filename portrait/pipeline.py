"""The build: load once, then for each commune draw, render and write its portrait.

Communes are rendered in parallel processes (fork): each worker inherits the
loaded territory and keeps its own matplotlib figures and templates.
"""

import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from geodata import boundaries
from indicators import load_territory
from portrait.files import inside, prepare_directory, write_atomic
from reports import charts
from reports.maps import MapPainter
from reports.model import build_portrait
from reports.render import STATIC, Renderer

CSV_COLUMNS = [
    "code", "name", "level", "indicator", "label", "theme", "vintage", "value", "unit", "rank", "rank_of",
    "departement_value", "region_value", "france_value", "gap", "missing_reason", "note", "source", "definition",
]


@dataclass
class Context:
    """What every worker needs, built once in the parent process."""

    territory: object
    out: object
    formats: set
    painter: MapPainter
    renderer: Renderer = field(default_factory=Renderer)


_CONTEXT = None


def commune_csv(territory, code):
    table = territory.table
    rows = table[table["code"] == code].copy()
    rows["label"] = rows["indicator"].map(lambda i: territory.catalogue[i].label)
    rows["definition"] = rows["indicator"].map(lambda i: territory.catalogue[i].definition)
    return rows[CSV_COLUMNS].to_csv(index=False, float_format="%.10g", lineterminator="\n")


def draw_images(portrait, painter):
    """Draw every chart and map of a portrait; returns {file name: PNG bytes}."""
    images = {}
    for chart in [c for s in portrait.sections for c in s.charts] + portrait.maps + ([portrait.cover_map] if portrait.cover_map else []):
        png = charts.draw(chart) if chart.kind in charts.DRAWERS else painter.draw(chart)
        chart.image = f"{chart.id}.png"
        images[chart.image] = png
    return images


def build_commune(context, code):
    """Write one commune's folder; returns (code, name, folder, {file: size})."""
    territory = context.territory
    started = time.perf_counter()
    portrait = build_portrait(territory, code)
    folder = prepare_directory(inside(context.out, portrait.folder))
    images = draw_images(portrait, context.painter)
    written = {}
    if "html" in context.formats:
        for name, png in images.items():
            written[name] = write_atomic(folder / name, png)
        html = context.renderer.html("portrait.html", p=portrait)
        written["index.html"] = write_atomic(folder / "index.html", html)
    if "pdf" in context.formats:
        pdf = context.renderer.pdf("portrait.html", images, p=portrait)
        written[f"portrait-{portrait.folder}.pdf"] = write_atomic(folder / f"portrait-{portrait.folder}.pdf", pdf)
    if "csv" in context.formats:
        written[f"indicateurs-{portrait.folder}.csv"] = write_atomic(folder / f"indicateurs-{portrait.folder}.csv", commune_csv(territory, code))
    return code, portrait.name, portrait.folder, written, time.perf_counter() - started


def _worker(code):
    return build_commune(_CONTEXT, code)


def write_departement_page(context, folders):
    territory = context.territory
    from reports.model import _map_chart

    chart = _map_chart(territory, None, "taux_pauvrete")
    images = {}
    if chart:
        chart.image = "carte-departement.png"
        images[chart.image] = context.painter.draw(chart)
    key_ids = [i.id for i in territory.catalogue if i.key]
    rows = []
    for code, name in zip(territory.communes["code"], territory.communes["name"]):
        values = territory.values(code)
        rows.append({
            "code": code, "name": name, "folder": folders.get(code),
            "values": [values.loc[i] if i in values.index else None for i in key_ids],
        })
    html = context.renderer.html(
        "departement.html", asset_prefix="", t=territory, rows=rows, key=[territory.catalogue[i] for i in key_ids], map=chart,
    )
    for name, png in images.items():
        write_atomic(context.out / name, png)
    write_atomic(context.out / "index.html", html)


def build(dept, out="site", communes=None, formats=("html", "pdf", "csv"), data_dir=None, jobs=None, log=print):
    """Build the portraits of a département (all communes, or the given codes or names)."""
    global _CONTEXT
    started = time.perf_counter()
    territory = load_territory(dept, data_dir)
    codes = [territory.commune(c) for c in communes] if communes else list(territory.communes["code"])
    out = prepare_directory(out).resolve()
    assets = prepare_directory(out / "assets")
    write_atomic(assets / "portrait.css", (STATIC / "portrait.css").read_bytes())
    shapes = boundaries.load_communes(territory.data_dir, territory.dept, territory.events)
    painter = MapPainter(shapes, boundaries.load_departements(territory.data_dir), territory.iris_shapes())
    _CONTEXT = Context(territory, out, set(formats), painter)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(codes)))
    log(f"Portraits de {territory.name} ({territory.dept}) : {len(codes)} commune(s), {jobs} processus, sortie {out}")
    results = []
    if jobs == 1:
        iterator = (build_commune(_CONTEXT, code) for code in codes)
        pool = None
    else:
        pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"))
        iterator = pool.map(_worker, codes)
    try:
        for n, result in enumerate(iterator, 1):
            code, name, folder, written, seconds = result
            results.append(result)
            log(f"  [{n}/{len(codes)}] {code} {name} → {folder}/ ({len(written)} fichiers, {seconds:.1f} s)")
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
    folders = {code: folder for code, _, folder, _, _ in results}
    for code in territory.communes["code"]:
        if code not in folders:
            match = next((p.name for p in out.glob(f"{code}-*") if p.is_dir()), None)
            if match:
                folders[code] = match
    write_departement_page(_CONTEXT, folders)
    total = sum(sum(w.values()) for _, _, _, w, _ in results)
    pdfs = [size for _, _, _, w, _ in results for name, size in w.items() if name.endswith(".pdf")]
    log(
        f"Écrit : {len(results)} portrait(s) dans {out} ({total / 1e6:.1f} Mo"
        + (f", PDF de {min(pdfs) / 1e3:.0f} à {max(pdfs) / 1e3:.0f} ko" if pdfs else "")
        + f"), page du département {out / 'index.html'}, en {time.perf_counter() - started:.1f} s."
    )
    for warning in territory.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return results
