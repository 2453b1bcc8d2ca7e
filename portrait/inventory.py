"""`portrait data info`: what a data directory holds and which indicators it can feed.

Read from file headers only (and the boundary files' attributes), so it answers in
seconds even on whole-France tables: which source family and vintage each file is,
its licence, the catalogue indicators it feeds, and the indicators no file feeds.
A formula is fed by the files of its family and vintage; another vintage's file
only counts when the formula's variables carry its year (P16_POP in the 2022
comparateur), never for undated variables such as MED or pop_tot.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from geodata import boundaries
from geodata.datadir import find_data_dir
from indicators import readers, sources
from indicators.catalogue import load_catalogue

if TYPE_CHECKING:
    from indicators.catalogue import Catalogue

__all__ = [
    "BOUNDARIES",
    "BOUNDARY_LICENCE",
    "BOUNDARY_TITLE",
    "LEVEL_LABELS",
    "DataFile",
    "Inventory",
    "inventory",
    "render",
]

BOUNDARIES = "contours"
BOUNDARY_TITLE = (
    "IGN, ADMIN EXPRESS (communes, départements) et CONTOURS-IRIS, ou fichier équivalent"
)
BOUNDARY_LICENCE = "Licence Ouverte / Open Licence, IGN"
LEVEL_LABELS = {
    "commune": "communes",
    "iris": "IRIS",
    "departement": "départements",
    "region": "régions",
    "france": "France",
    "ept": "EPT",
}


@dataclass
class DataFile:
    path: Path  # relative to the data directory
    family: str  # a source family, or "contours"
    vintage: int | None
    level: str
    variables: frozenset = frozenset()


@dataclass
class Inventory:
    data_dir: Path
    files: list  # DataFile, tables then boundaries
    ignored: list  # (relative path, why)
    feeds: dict  # (family, vintage) -> [(indicator id, vintage)]
    available: dict  # indicator id -> vintages some file feeds
    missing: dict  # indicator id -> {vintage: why}, for every vintage no file feeds
    catalogue: object = field(repr=False, default=None)

    @property
    def unavailable(self) -> list[str]:
        """Indicators that no file feeds at all, in catalogue order."""
        return [i for i, vintages in self.available.items() if not vintages]


def _variables(family, columns, vintage):
    """The numeric variables a table gives its formulas, named as the readers name them."""
    names = [
        c
        for c in columns
        if c != family.code
        and c not in family.text_columns
        and not (family.drop_columns and re.fullmatch(family.drop_columns, c))
    ]
    if family.strip_suffix and vintage:
        suffix = f"{vintage % 100:02d}"
        names = [c[: -len(suffix)] if c.endswith(suffix) else c for c in names]
    return frozenset(names)


def _table(path, data_dir):
    """A DataFile for a recognised table, or (None, why) for a file the readers leave aside."""
    relative = path.relative_to(data_dir)
    columns, _ = readers.header_of(path)
    family = sources.identify(path)
    if family is None:
        return None, "dictionnaire de variables" if "COD_VAR" in columns else "en-tête non reconnu"
    if family.id == "references":
        published = sources.read_references(path)
        what = sorted({f"{r.family} {r.vintage} ({r.code})" for r in published})
        return DataFile(
            relative, family.id, None, f"{len(published)} valeurs publiées : {', '.join(what)}"
        ), None
    try:
        vintage = sources.vintage_of(family, columns, path)
    except ValueError:
        vintage = None
    level = family.level
    if family.id == "filosofi":
        level = sources.official_level(path, pd.Series([], dtype=str))
        if level is None:
            return None, f"{family.id}, géographie non lue par les portraits"
    return DataFile(
        relative,
        family.id,
        vintage,
        LEVEL_LABELS.get(level, level),
        _variables(family, columns, vintage),
    ), None


def _boundary(info, data_dir):
    depts = ", ".join(info.depts[:4]) + ("…" if len(info.depts) > 4 else "")
    level = f"{LEVEL_LABELS.get(info.kind, info.kind)} ({depts})"
    return DataFile(
        Path(info.path).relative_to(data_dir), BOUNDARIES, readers.year_in_name(info.path), level
    )


def _dated(formula):
    """True when a variable's name carries the formula's year, so another vintage's file may hold it."""
    years = (str(formula.vintage), f"{formula.vintage % 100:02d}")
    return any(y in v for v in formula.variables for y in years)


def _group_for(formula, groups):
    candidates = [
        key
        for key, variables in groups.items()
        if key[0] == formula.source and set(formula.variables) <= variables
    ]
    exact = [key for key in candidates if key[1] == formula.vintage]
    if exact:
        return exact[0]
    if candidates and _dated(formula):
        return max(candidates, key=lambda key: key[1] or 0)
    return None


def _resolve(catalogue, groups):
    """(feeds, available, missing) for every indicator the catalogue iterates over."""
    feeds = {key: [] for key in groups}
    available, missing = {}, {}
    for indicator in catalogue:
        fed, why = [], {}
        for formula in getattr(indicator, "formulas", None) or ():
            key = _group_for(formula, groups)
            if key:
                feeds[key].append((indicator.id, formula.vintage))
                fed.append(formula.vintage)
            elif (formula.source, formula.vintage) in groups:
                absent = sorted(set(formula.variables) - groups[(formula.source, formula.vintage)])
                why[formula.vintage] = (
                    f"{', '.join(absent)} absente(s) des fichiers {formula.source} {formula.vintage}"
                )
            else:
                why[formula.vintage] = f"aucun fichier {formula.source} {formula.vintage}"
        for derivation in _derivations(indicator, catalogue):
            absent = [
                o for o in derivation.operands if o.vintage not in available.get(o.indicator, ())
            ]
            if absent:
                why[derivation.vintage] = (
                    f"{absent[0].indicator} {absent[0].vintage} non disponible"
                )
            else:
                fed.append(derivation.vintage)
        available[indicator.id] = tuple(sorted(set(fed), reverse=True))
        missing[indicator.id] = why
    return feeds, available, missing


@dataclass(frozen=True)
class _Operand:
    indicator: str
    vintage: int


@dataclass(frozen=True)
class _Derivation:
    vintage: int
    operands: tuple


def _derivations(indicator, catalogue):
    """Derivations of an indicator (evolutions, crossed); an older-style `evolution` is read too."""
    derivations = getattr(indicator, "derivations", None)
    if derivations:
        return derivations
    spec = getattr(indicator, "evolution", None)
    if not spec:
        return ()
    return (
        _Derivation(
            spec["to"], (_Operand(spec["of"], spec["from"]), _Operand(spec["of"], spec["to"]))
        ),
    )


def inventory(
    data_dir: str | Path | None = None, catalogue: Catalogue | str | Path | None = None
) -> Inventory:
    """What `data_dir` holds (default: the usual data directory) against `catalogue`."""
    data_dir = find_data_dir(data_dir)
    if catalogue is None or isinstance(catalogue, (str, Path)):
        catalogue = load_catalogue(catalogue)
    files, ignored = [], []
    for path in sources.csv_files(data_dir):
        table, why = _table(path, data_dir)
        if table:
            files.append(table)
        else:
            ignored.append((path.relative_to(data_dir), why))
    groups = {}
    for table in files:
        groups.setdefault((table.family, table.vintage), set()).update(table.variables)
    feeds, available, missing = _resolve(catalogue, groups)
    files += [_boundary(info, data_dir) for info in boundaries.scan(data_dir)]
    return Inventory(data_dir, files, ignored, feeds, available, missing, catalogue)


# ---------------------------------------------------------------- text


def _wrap(text, indent="    "):
    return textwrap.fill(
        text, width=100, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False
    )


def _table_lines(rows, headers):
    widths = [max(len(str(r[n])) for r in [headers, *rows]) for n in range(len(headers))]

    def line(row):
        return "  " + "  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *map(line, rows)]


def render(inv: Inventory) -> str:
    """The inventory as French-labelled text tables."""
    meta = sources.source_meta()
    counts = {key: len({i for i, _ in fed}) for key, fed in inv.feeds.items()}
    rows = [
        (
            str(f.path),
            f.family,
            f.vintage or "—",
            f.level,
            "cartes" if f.family == BOUNDARIES else counts.get((f.family, f.vintage), 0),
        )
        for f in inv.files
    ]
    lines = [f"Répertoire de données : {inv.data_dir}", "", f"Fichiers lus ({len(inv.files)})"]
    lines += _table_lines(
        rows, ("Fichier", "Source", "Millésime", "Niveau", "Indicateurs alimentés")
    )
    lines += ["", "Sources et licences"]
    for family in dict.fromkeys(f.family for f in inv.files):
        title, licence = (
            (BOUNDARY_TITLE, BOUNDARY_LICENCE)
            if family == BOUNDARIES
            else (meta[family]["title"], meta[family]["licence"])
        )
        lines += [f"  {family} : {title}", f"      licence : {licence}"]
    lines += ["", "Indicateurs alimentés, par source et millésime"]
    for (family, vintage), fed in sorted(
        inv.feeds.items(), key=lambda kv: (kv[0][0], -(kv[0][1] or 0))
    ):
        names = ", ".join(dict.fromkeys(f"{i}" if v == vintage else f"{i} ({v})" for i, v in fed))
        paths = [f.path.name for f in inv.files if (f.family, f.vintage) == (family, vintage)]
        lines.append(
            f"  {family} {vintage or '?'} ({', '.join(paths)}) : {counts[(family, vintage)]} indicateur(s)"
        )
        lines.append(_wrap(names or "aucun indicateur du catalogue"))
    derived = [
        i.id for i in inv.catalogue if _derivations(i, inv.catalogue) and inv.available.get(i.id)
    ]
    lines += [
        "",
        f"Indicateurs calculés à partir d'autres indicateurs, disponibles ({len(derived)})",
    ]
    lines += [_wrap(", ".join(derived))] if derived else []
    lines += [
        "",
        f"Indicateurs non disponibles, aucun fichier ne les alimente ({len(inv.unavailable)})",
    ]
    for ind in inv.unavailable:
        reasons = "; ".join(
            f"{v} : {why}" for v, why in sorted(inv.missing[ind].items(), reverse=True)
        )
        lines.append(f"  {ind} — {reasons or 'aucune formule de source'}")
    partial = {i: m for i, m in inv.missing.items() if m and inv.available.get(i)}
    lines += ["", f"Millésimes non disponibles d'indicateurs disponibles ({len(partial)})"]
    for ind, why in partial.items():
        lines.append(
            f"  {ind} — " + "; ".join(f"{v} : {w}" for v, w in sorted(why.items(), reverse=True))
        )
    if inv.ignored:
        lines += ["", f"Fichiers non utilisés ({len(inv.ignored)})"]
        by_reason = {}
        for path, why in inv.ignored:
            by_reason.setdefault(why, []).append(path.name)
        for why, names in by_reason.items():
            lines += [f"  {why} :", _wrap(", ".join(names))]
    total = len(inv.available)
    lines += [
        "",
        f"{total - len(inv.unavailable)} indicateur(s) sur {total} alimenté(s) par au moins un fichier.",
    ]
    return "\n".join(lines) + "\n"
