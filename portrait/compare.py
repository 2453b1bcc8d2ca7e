"""`portrait compare A B`: two communes or groups side by side, as a page and a PDF."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from geodata.errors import InputError
from geodata.files import write_atomic
from portrait.files import prepare_directory

__all__ = ["compare_territories", "register"]


def _resolve(territory, groups, query):
    by_group = {g.code: g for g in groups} | {g.name.lower(): g for g in groups}
    if str(query).lower() in by_group:
        return by_group[str(query).lower()].code
    return territory.commune(query)


def _only_departement(data_dir):
    """The département when the data directory has commune boundaries for just one."""
    from geodata.boundaries import scan
    from geodata.datadir import find_data_dir

    depts = {d for f in scan(find_data_dir(data_dir)) if f.kind == "commune" for d in f.depts}
    if len(depts) != 1:
        raise InputError(
            None,
            "give --dept: the territories are names and the data covers "
            + (", ".join(sorted(depts)) or "no département"),
        )
    return depts.pop()


def compare_territories(
    a: str,
    b: str,
    dept: str | None = None,
    out: str | Path = "site",
    data_dir: str | Path | None = None,
    groups_file: str | Path | None = None,
    formats: Sequence[str] = ("html", "pdf"),
    log: Callable[[str], None] = print,
) -> list[Path]:
    """Write comparaison-<a>-<b>.html and .pdf; returns their paths."""
    import pandas as pd

    from geodata.cog import dept_of
    from indicators import load_territory
    from indicators.groups import group_territory, load_groups
    from reports.compare import compare
    from reports.formatting import format_date
    from reports.model import slugify
    from reports.pages import ComparisonPage
    from reports.render import Renderer

    dept = (
        dept
        or next((dept_of(q) for q in (a, b) if str(q).isdigit() and len(str(q)) == 5), None)
        or _only_departement(data_dir)
    )
    territory = load_territory(dept, data_dir)
    groups = load_groups(territory, groups_file)
    codes = [_resolve(territory, groups, q) for q in (a, b)]
    if codes[0] == codes[1]:
        raise InputError(None, f"compare two different territories (both are {codes[0]})")
    table = territory.table
    names = dict(zip(territory.communes["code"], territory.communes["name"]))
    chosen = [g for g in groups if g.code in codes]
    if chosen:
        grouped = group_territory(territory, chosen)
        table = pd.concat(
            [table, grouped.table[grouped.table["level"] == "commune"]], ignore_index=True
        )
        names.update({g.code: g.name for g in chosen})
    comparison = compare(
        table, territory.catalogue, *codes, names, territory.name, format_date(dt.date.today())
    )
    out = prepare_directory(out)
    stem = f"comparaison-{slugify(names[codes[0]])}-{slugify(names[codes[1]])}"
    renderer, written = Renderer(), []
    if "html" in formats:
        written.append(out / f"{stem}.html")
        write_atomic(
            written[-1], renderer.html(ComparisonPage(asset_prefix="", comparison=comparison))
        )
        write_atomic(
            prepare_directory(out / "assets") / "portrait.css",
            (Path(__file__).parent.parent / "reports" / "static" / "portrait.css").read_bytes(),
        )
    if "pdf" in formats:
        written.append(out / f"{stem}.pdf")
        write_atomic(written[-1], renderer.pdf(ComparisonPage(comparison=comparison), {}))
    log(
        f"Comparaison de {names[codes[0]]} et {names[codes[1]]} ({len(comparison.rows)} indicateurs) : "
        + ", ".join(str(p) for p in written)
    )
    return written


# `subparsers` is Any: add_subparsers() returns argparse._SubParsersAction, a private class.
def register(subparsers: Any) -> None:
    p = subparsers.add_parser("compare", help="two communes or groups side by side (page and PDF)")
    p.add_argument("a", metavar="A", help="commune (code or name) or group (code or name)")
    p.add_argument("b", metavar="B")
    p.add_argument("--dept", help="département code (default: from a commune code)")
    p.add_argument("--out", default="site", help="output directory (default: ./site)")
    p.add_argument(
        "--groups", metavar="FILE", help="groups file (default: the EPT of the département)"
    )
    p.add_argument(
        "--data",
        metavar="DIR",
        help="data directory (default: $PORTRAIT_DATA, else ../shared/data)",
    )
    p.set_defaults(
        func=lambda args: (
            compare_territories(args.a, args.b, args.dept, args.out, args.data, args.groups) and 0
        )
    )
