"""The `portrait` command: a thin layer over the library, one sub-command per job."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import TYPE_CHECKING

from geodata.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["COMMAND_MODULES", "FORMATS", "build_parser", "cmd_indicators", "main"]

FORMATS = ("table", "csv", "json")
# Each registers its sub-commands; imported by name so that `portrait --help` loads no pandas.
COMMAND_MODULES = (
    "portrait.pst",
    "portrait.compare",
    "portrait.dictionary",
    "portrait.data_commands",
    "portrait.pack",
    "portrait.doctor",
)


def _add_data(parser):
    parser.add_argument(
        "--data",
        metavar="DIR",
        help="data directory (default: $PORTRAIT_DATA, else ../shared/data)",
    )


def cmd_indicators(args: argparse.Namespace) -> int:
    from indicators import load_territory

    territory = load_territory(args.dept, args.data)
    table = territory.table
    if args.commune:
        code = territory.commune(args.commune)
        table = table[(table["code"] == code) | (table["level"] != "commune")]
    if args.indicator:
        unknown = [i for i in args.indicator if i not in territory.catalogue.indicators]
        if unknown:
            raise InputError(None, f"unknown indicator '{unknown[0]}' (see `portrait catalogue`)")
        table = table[table["indicator"].isin(args.indicator)]
    out = sys.stdout
    if args.format == "csv":
        table.to_csv(out, index=False, float_format="%.10g", lineterminator="\n")
    elif args.format == "json":
        records = json.loads(table.to_json(orient="records", force_ascii=False))
        json.dump(records, out, ensure_ascii=False, indent=1)
        out.write("\n")
    else:
        _print_table(table, territory, out)
    for warning in territory.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _print_table(table, territory, out):
    """Each indicator at its latest vintage, and the earlier vintages whose reference values the latest lacks."""
    from indicators.territory import earlier_references
    from reports.formatting import format_rank, format_value, shown_decimals

    levels = {"commune": 0, "departement": 1, "region": 2, "france": 3}
    for indicator_id, rows in table.groupby("indicator", sort=False):
        indicator = territory.catalogue[indicator_id]
        print(f"\n{indicator.label} [{indicator_id}]", file=out)
        latest = rows["vintage"].max()
        shown = rows[rows["vintage"].isin([latest, *earlier_references(rows, latest)])]
        for row in sorted(shown.itertuples(), key=lambda r: (-r.vintage, levels[r.level], r.code)):
            if row.value == row.value:
                value = format_value(row.value, row.unit, shown_decimals(row.unit, row.decimals))
                value += (
                    f" ({row.how})"
                    if row.how in ("officielle", "estimation à partir des communes")
                    else ""
                )
            else:
                value = f"n.d. ({row.missing_reason})"
            rank = (
                f"  {format_rank(row.rank, row.rank_of, row.ties, len(territory.communes))}"
                if row.rank == row.rank
                else ""
            )
            print(f"  {row.name or row.code:<28.28} {row.vintage}  {value}{rank}", file=out)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portrait", description="Portraits de ville of a French département."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("indicators", help="print every indicator of a département and its communes")
    p.add_argument("--dept", required=True, help="département code, e.g. 93")
    p.add_argument("--commune", help="one commune, by code or name")
    p.add_argument("--indicator", action="append", help="only this indicator id (repeatable)")
    p.add_argument("--format", choices=FORMATS, default="table")
    _add_data(p)
    p.set_defaults(func=cmd_indicators)

    p = sub.add_parser("build", help="write the portraits (HTML, PDF, CSV) of a département")
    p.add_argument("--dept", required=True)
    p.add_argument(
        "--commune", action="append", help="only these communes (code or name, repeatable)"
    )
    p.add_argument("--out", default="site", help="output directory (default: ./site)")
    p.add_argument(
        "--format", default="html,pdf,csv", help="comma-separated subset of html,pdf,csv"
    )
    workers = p.add_mutually_exclusive_group()
    workers.add_argument(
        "--jobs", type=int, default=None, help="parallel processes (default: number of cores)"
    )
    workers.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="hand the communes to this Dask distributed scheduler (e.g. tcp://10.0.0.5:8786) instead of local processes",
    )
    p.add_argument(
        "--tiles",
        metavar="URL",
        help="add an online tile layer to the web maps, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    )
    p.add_argument("--tiles-attribution", metavar="TEXT", help="attribution shown with --tiles")
    p.add_argument(
        "--pst",
        metavar="DIR",
        help="PST files directory (default: ./pst, else pst/ in the data directory)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="rebuild every portrait, even those whose inputs did not change",
    )
    p.add_argument(
        "--group",
        action="append",
        metavar="CODE",
        help="build the portrait of this group of communes (repeatable)",
    )
    p.add_argument(
        "--groups",
        nargs="?",
        const="",
        metavar="FILE",
        help="build every group's portrait; FILE declares other groups (default: the EPT of the département)",
    )
    _add_data(p)
    p.set_defaults(func=lambda a: _build(a))

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _build(args):
    formats = {f.strip() for f in args.format.split(",") if f.strip()}
    unknown = formats - {"html", "pdf", "csv"}
    if unknown:
        raise InputError(
            None, f"unknown format '{sorted(unknown)[0]}' (choose among html, pdf, csv)"
        )
    options = dict(
        communes=args.commune,
        formats=formats,
        tiles=args.tiles,
        attribution=args.tiles_attribution,
        groups=args.group or ("all" if args.groups is not None else None),
        groups_file=args.groups or None,
    )
    from portrait.pipeline import records

    wanted = records.request(args.dept, **options)
    key, fresh = records.already_built(wanted, args.out, args.data, args.pst, args.force)
    if fresh:
        fresh.say()
        return 0
    from portrait.pipeline.run import build_request  # only now: it imports the rendering stack

    build_request(
        wanted,
        args.out,
        data_dir=args.data,
        jobs=args.jobs,
        pst_dir=args.pst,
        force=args.force,
        key=key,
        scheduler=args.scheduler,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
