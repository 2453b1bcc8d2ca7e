"""The indicator dictionary: every catalogue entry as Markdown, a standalone HTML page or CSV.

Analysts and partners need to know what each figure of a portrait means and where it
comes from without reading YAML. Entries are read through the catalogue's iteration
only (and attributes read with defaults), so indicators of any kind the catalogue
returns (crossed indicators included) are listed.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from geodata.errors import InputError

if TYPE_CHECKING:
    import argparse

    from indicators.catalogue import Catalogue
    from reports.render import Renderer

__all__ = [
    "FIELDS",
    "FORMATS",
    "POLARITY_LABELS",
    "RENDERERS",
    "Entry",
    "add_catalogue_option",
    "cmd_catalogue",
    "dictionary",
    "entries",
    "register",
    "to_csv",
    "to_html",
    "to_markdown",
]

FORMATS = ("md", "html", "csv")
POLARITY_LABELS = {
    "higher_is_worse": "plus élevé = plus défavorable",
    "higher_is_better": "plus élevé = plus favorable",
    "neutral": "neutre (ni favorable ni défavorable)",
}
FIELDS = (
    "id",
    "label",
    "theme",
    "definition",
    "formulas",
    "unit",
    "polarity",
    "sources",
    "vintages",
    "aggregation",
    "licence",
)


@dataclass(frozen=True)
class Entry:
    """One indicator as the dictionary shows it: French text only, ready to render."""

    id: str
    label: str
    theme: str
    definition: str
    formulas: tuple  # (vintage, formula text, short source name)
    unit: str
    polarity: str
    sources: tuple  # full source titles
    vintages: tuple
    aggregation: str
    licence: str

    def formula_lines(self) -> list[str]:
        return [
            f"{vintage} : {text} ({source})" if source else f"{vintage} : {text}"
            for vintage, text, source in self.formulas
        ]

    def text(self, name: str) -> str:
        """A field as one line of text (lists joined with ' ; ')."""
        value = self.formula_lines() if name == "formulas" else getattr(self, name)
        return " ; ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)


def _meta(family, key):
    from indicators.sources import source_meta

    return source_meta().get(family, {}).get(key, family)


def _formulas(indicator, catalogue):
    """(formulas as (vintage, text, source families), every source family) of an indicator.

    Formulas read source variables; derivations (evolutions, crossed indicators) combine
    other indicators. An older-style `evolution` without derivations is spelt out here.
    """
    rows = [(f.vintage, f.display, (f.source,)) for f in getattr(indicator, "formulas", None) or ()]
    rows += [
        (d.vintage, d.display, tuple(d.sources))
        for d in getattr(indicator, "derivations", None) or ()
    ]
    spec = getattr(indicator, "evolution", None)
    if not rows and spec:
        base = catalogue[spec["of"]]
        start, end = f"{base.id} ({spec['from']})", f"{base.id} ({spec['to']})"
        text = (
            f"{end} − {start}"
            if getattr(base, "is_rate", False)
            else f"({end} / {start} − 1) × 100"
        )
        families = tuple(
            dict.fromkeys(
                f.source for f in base.formulas if f.vintage in (spec["from"], spec["to"])
            )
        )
        rows = [(spec["to"], text, families)]
    return rows, tuple(dict.fromkeys(family for _, _, families in rows for family in families))


def entries(catalogue: Catalogue) -> list[Entry]:
    """Every indicator the catalogue iterates over, in theme order then declaration order."""
    themes = getattr(catalogue, "themes", {}) or {}
    items = []
    for indicator in catalogue:
        formulas, families = _formulas(indicator, catalogue)
        vintages = getattr(indicator, "vintages", None) or tuple(
            sorted({v for v, _, _ in formulas}, reverse=True)
        )
        theme = getattr(indicator, "theme", "")
        polarity = getattr(indicator, "polarity", "")
        items.append(
            Entry(
                id=indicator.id,
                label=getattr(indicator, "label", indicator.id),
                theme=themes.get(theme, theme),
                definition=" ".join(str(getattr(indicator, "definition", "")).split()),
                formulas=tuple(
                    (v, text, " + ".join(_meta(f, "short") for f in fams))
                    for v, text, fams in formulas
                ),
                unit=getattr(indicator, "unit", ""),
                polarity=POLARITY_LABELS.get(polarity, polarity),
                sources=tuple(_meta(family, "title") for family in families),
                vintages=tuple(vintages),
                aggregation=getattr(indicator, "aggregation", ""),
                licence=" ; ".join(dict.fromkeys(_meta(family, "licence") for family in families)),
            )
        )
    order = {label: n for n, label in enumerate(themes.values())}
    return sorted(
        items, key=lambda e: order.get(e.theme, len(order))
    )  # stable: declaration order within a theme


def _by_theme(items):
    groups = {}
    for entry in items:
        groups.setdefault(entry.theme, []).append(entry)
    return groups


# ---------------------------------------------------------------- Markdown


def _md(text):
    """Free text inside Markdown: characters that would format or break it are escaped."""
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", str(text))


def _md_code(text):
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}" if fence == "`" else f"{fence} {text} {fence}"


def to_markdown(items: list[Entry]) -> str:
    lines = [
        "# Dictionnaire des indicateurs",
        "",
        f"{len(items)} indicateurs, générés depuis le catalogue par `portrait catalogue`.",
        "",
    ]
    for theme, group in _by_theme(items).items():
        lines += [f"## {_md(theme)}", ""]
        for e in group:
            lines += [f"### {_md(e.label)} ({_md_code(e.id)})", "", _md(e.definition), ""]
            lines += [
                f"- **Unité** : {_md(e.unit)}",
                f"- **Sens** : {_md(e.polarity)}",
                f"- **Millésimes** : {', '.join(map(str, e.vintages))}",
            ]
            lines.append("- **Formule par millésime** :")
            lines += [
                f"  - {v} : {_md_code(text)} ({_md(source)})" for v, text, source in e.formulas
            ]
            lines += [
                f"- **Sources** : {_md(' ; '.join(e.sources))}",
                f"- **Agrégation** : {_md(e.aggregation)}",
                f"- **Licence** : {_md(e.licence)}",
                "",
            ]
    return "\n".join(lines)


# ---------------------------------------------------------------- HTML


def to_html(items: list[Entry], renderer: Renderer | None = None) -> str:
    """The standalone page, rendered like every other page: reports/templates/dictionnaire.html."""
    from reports.pages import DictionaryPage
    from reports.render import Renderer

    themes = tuple((theme, tuple(group)) for theme, group in _by_theme(items).items())
    page = DictionaryPage(indicator_count=len(items), themes=themes)
    return (renderer or Renderer()).html(page)


def to_pdf(items: list[Entry], renderer: Renderer | None = None) -> bytes:
    """The same page as an A4 PDF: the département's "Méthodes et définitions" document."""
    from reports.pages import DictionaryPage
    from reports.render import Renderer

    themes = tuple((theme, tuple(group)) for theme, group in _by_theme(items).items())
    page = DictionaryPage(indicator_count=len(items), themes=themes)
    return (renderer or Renderer()).pdf(page, {})


# ---------------------------------------------------------------- CSV


def to_csv(items: list[Entry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for e in items:
        writer.writerow([e.text(name) for name in FIELDS])
    return out.getvalue()


RENDERERS = {"md": to_markdown, "html": to_html, "csv": to_csv}


def dictionary(catalogue: Catalogue, fmt: str = "md") -> str:
    """The dictionary of `catalogue` as text in `fmt` (md, html or csv)."""
    if fmt not in RENDERERS:
        raise InputError(None, f"unknown format '{fmt}' (choose among {', '.join(FORMATS)})")
    return RENDERERS[fmt](entries(catalogue))


# ---------------------------------------------------------------- command line


def cmd_catalogue(args: argparse.Namespace) -> int:
    from geodata.files import write_atomic
    from indicators.catalogue import load_catalogue
    from portrait.files import regular_file

    catalogue = load_catalogue(args.catalogue)
    text = dictionary(catalogue, args.format)
    if not args.out:
        sys.stdout.write(text)
        return 0
    out = regular_file(args.out)
    try:
        write_atomic(out, text)
    except OSError as exc:
        raise InputError(out, f"cannot write the dictionary ({exc.strerror})") from None
    print(
        f"Écrit : {out} ({sum(1 for _ in catalogue)} indicateurs, format {args.format})",
        file=sys.stderr,
    )
    return 0


def add_catalogue_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalogue",
        metavar="FILE",
        help="catalogue YAML (default: the shipped indicators/data/catalogue.yaml)",
    )


# `subparsers` is Any: add_subparsers() returns argparse._SubParsersAction, a private class.
def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add `catalogue` to the `portrait` command's sub-commands."""
    p = subparsers.add_parser(
        "catalogue", help="print the indicator dictionary (Markdown, HTML page or CSV)"
    )
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="md",
        help="md (default), html (a standalone page) or csv",
    )
    p.add_argument(
        "--out", metavar="FILE", help="write to FILE (atomically) instead of standard output"
    )
    add_catalogue_option(p)
    p.set_defaults(func=cmd_catalogue)
    return p
