"""The build: check whether anything is to be done, load once, then write every commune's folder (in
forked processes, or on a Dask cluster), the groups' portraits, and the département's pages.

Forked workers inherit the loaded Context (set by the pool's initializer, never pickled) and keep their
own matplotlib figures and templates."""

import dataclasses
import gc
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from geodata import boundaries
from geodata.errors import InputError
from indicators.groups import Group, group_territory, load_groups
from portrait.files import prepare_directory
from portrait.pipeline import cluster, departement, inputs, records
from portrait.pipeline.commune import CommuneResult, Stopwatch, build_commune
from portrait.pipeline.inputs import Context
from reports import charts
from reports.maps import MapPainter
from reports.model import slugify

__all__ = ["BuildReport", "build", "build_request"]


@dataclass
class BuildReport:
    results: list[CommuneResult]
    stages: dict[str, float]  # load, shared, communes (wall), departement: seconds
    wall: float
    up_to_date: bool = False  # nothing to do: the last build with these options had the same inputs

    def stage_totals(self) -> dict[str, float]:
        """Seconds summed over the communes for each rendering stage (CPU time across processes)."""
        totals = {}
        for result in self.results:
            for stage, seconds in result.stages.items():
                totals[stage] = totals.get(stage, 0.0) + seconds
        return totals


def build(
    dept: str,
    out: str | Path = "site",
    *,
    data_dir: str | Path | None = None,
    pst_dir: str | Path | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    key: str | None = None,
    log: Callable[[str], object] = print,
    **wanted,
) -> BuildReport:
    """Build the portraits of a département: every commune, or those `wanted` (records.request's
    options: communes, formats, tiles, attribution, groups, groups_file).

    `pst_dir` is the directory of PST files (default: ./pst, else pst/ in the data directory); what is
    up to date is not rebuilt unless `force`; `key` is the inputs' key when the caller has already
    computed it (records.already_built); `scheduler` the address of a Dask distributed scheduler to hand
    the communes to, instead of `jobs` local processes."""
    return build_request(
        records.request(dept, **wanted),
        out,
        data_dir=data_dir,
        pst_dir=pst_dir,
        jobs=jobs,
        scheduler=scheduler,
        force=force,
        key=key,
        log=log,
    )


def build_request(
    wanted: records.Request,
    out: str | Path,
    *,
    data_dir: str | Path | None = None,
    pst_dir: str | Path | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    key: str | None = None,
    log: Callable[[str], object] = print,
) -> BuildReport:
    """The build of one request (see build)."""
    started = time.perf_counter()
    if key is None:
        key, fresh = records.already_built(wanted, out, data_dir, pst_dir, force)
    else:
        fresh = None if force else records.check(wanted, out, key)
    if fresh:
        fresh.say(log)
        elapsed = time.perf_counter() - started
        return BuildReport([], {"check": elapsed}, elapsed, up_to_date=True)
    if scheduler:
        log(f"Ordonnanceur Dask {scheduler} : {cluster.describe(scheduler)}")
    watch = Stopwatch()
    with watch("load"):
        context, shapes, codes, declared, pst_dir = _load(wanted, out, data_dir, pst_dir, force)
    territory = context.territory
    with watch("shared"):
        shared = departement.write_shared_assets(context, shapes)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(codes) or 1))
    workers = f"ordonnanceur {scheduler}" if scheduler else f"{jobs} processus"
    log(
        f"Portraits de {territory.name} ({territory.dept}) : {len(codes)} commune(s), {workers}, sortie {context.out}"
    )
    with watch("communes"):
        ordered = _largest_first(territory, codes)
        results = _build_communes(context, ordered, jobs, log, scheduler) if codes else []
        if wanted.groups:
            results += _build_groups(context, declared, wanted.groups, log)
    with watch("departement"):
        _write_departement(context, declared, pst_dir, log)
    context.painter.close()
    charts.close()
    records.record(wanted, context.out, key, len(results), territory.warnings)
    report = BuildReport(results, watch.stages, time.perf_counter() - started)
    _summary(report, context.out, shared, log)
    for warning in territory.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return report


def _load(wanted, out, data_dir, pst_dir, force):
    """The Context of the communes' build, the outlines, the codes to build and the declared groups."""
    territory, shapes, departements = inputs.load_inputs(wanted.dept, data_dir)
    declared = load_groups(territory, wanted.groups_file)
    if wanted.groups:
        codes = []
    elif wanted.communes:
        codes = [territory.commune(c) for c in wanted.communes]
    else:
        codes = list(territory.communes["code"])
    pst_files, pst_paths, pst_dir = inputs.load_pst_files(pst_dir, territory)
    observation_files, observation_paths = inputs.load_observation_files(pst_dir, territory)
    out = prepare_directory(out).resolve()
    built = set(codes) | {
        c for c in territory.communes["code"] if any(out.glob(f"{c}-*/index.html"))
    }
    context = Context(
        territory=territory,
        out=out,
        formats=frozenset(wanted.formats),
        painter=MapPainter(shapes, departements, territory.iris_shapes()),
        folders={
            c: f"{c}-{slugify(n)}"
            for c, n in zip(territory.communes["code"], territory.communes["name"])
            if c in built
        },
        neighbours=boundaries.neighbours(shapes),
        tiles=(wanted.tiles, wanted.attribution),
        pst=pst_files,
        pst_paths=pst_paths,
        observations=observation_files,
        observation_paths=observation_paths,
        crossed=inputs.crossed_analysis(territory),
        force=force,
    )
    return context, shapes, codes, declared, pst_dir


def _write_departement(context: Context, declared: list[Group], pst_dir, log) -> None:
    out = context.out
    group_links = [
        (g.name, f"{g.code}-{slugify(g.name)}")
        for g in declared
        if (out / f"{g.code}-{slugify(g.name)}" / "index.html").exists()
    ]
    departement.write_synthesis(context)
    departement.write_methods(context)
    departement.write_departement_page(context, context.folders, group_links)
    if pst_dir:
        n_projects, n_actions = departement.write_projects_page(context)
        log(
            f"Projets sociaux de territoire ({pst_dir}) : {len(context.pst)} commune(s), {n_projects} projet(s), "
            f"{n_actions} action(s) de suivi → projets.html, suivi-pst.csv, suivi-pst.xlsx"
        )


def _build_groups(context: Context, declared: list[Group], wanted, log) -> list[CommuneResult]:
    """Portraits of groups of communes, with the same renderers as the communes'."""
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
    groups_context = dataclasses.replace(
        context,
        territory=group_territory(context.territory, chosen),
        folders={**context.folders, **{g.code: f"{g.code}-{slugify(g.name)}" for g in chosen}},
        neighbours={},
        pst={},
        pst_paths={},
        observations={},
        observation_paths={},
        crossed=None,
    )
    results = []
    for n, group in enumerate(chosen, 1):
        result = build_commune(groups_context, group.code)
        results.append(result)
        log(
            f"  [groupe {n}/{len(chosen)}] {group.code} {group.name} → {result.folder}/ ({result.seconds:.1f} s)"
        )
    return results


def _largest_first(territory, codes):
    """Communes with the most IRIS (the longest portraits) first: no worker is left alone with a long one at the end."""
    iris = territory.iris_shapes()
    counts = iris["commune"].value_counts() if iris is not None and len(iris) else {}
    return sorted(codes, key=lambda code: -counts.get(code, 0))


_WORKER_CONTEXT: Context | None = None  # set in each forked worker by _adopt, never in the parent


def _adopt(context: Context) -> None:
    global _WORKER_CONTEXT
    _WORKER_CONTEXT = context


def _worker(code: str) -> CommuneResult:
    return build_commune(_WORKER_CONTEXT, code)


def _build_communes(context: Context, codes, jobs, log, scheduler=None) -> list[CommuneResult]:
    results = []
    pool = None
    if scheduler:
        iterator = cluster.build_communes(scheduler, context, codes)
    elif jobs == 1:
        iterator = (build_commune(context, code) for code in codes)
    else:
        gc.freeze()  # forked workers then share the loaded data instead of copying every page the collector touches
        pool = ProcessPoolExecutor(
            jobs,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_adopt,
            initargs=(context,),  # inherited by the fork, not pickled
        )
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
