"""`portrait data fetch` and `portrait data info`: get the open data, and see what it feeds.

Like every command module, it imports its heavy dependencies inside the command: `portrait --help`
imports every command module and must stay light.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from portrait.dictionary import add_catalogue_option

if TYPE_CHECKING:
    import argparse

__all__ = ["DEST_HELP", "cmd_fetch", "cmd_info", "register"]

DEST_HELP = "destination directory (default: $PORTRAIT_DATA, else ./data)"


def cmd_fetch(args: argparse.Namespace) -> int:
    from portrait.fetch import fetch

    dest = args.dest or os.environ.get("PORTRAIT_DATA") or "data"
    fetch(
        args.downloads, dest, mirror=args.mirror, dept=args.dept, log=print
    )  # progress bars go to stderr
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from portrait.inventory import inventory, render

    sys.stdout.write(render(inventory(args.data, args.catalogue)))
    return 0


# `subparsers` is Any: add_subparsers() returns argparse._SubParsersAction, a private class.
def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add `data fetch` and `data info` to the `portrait` command's sub-commands."""
    parser = subparsers.add_parser(
        "data", help="fetch the publishers' files; list what a data directory holds"
    )
    sub = parser.add_subparsers(dest="data_command", required=True)

    p = sub.add_parser(
        "fetch",
        help="download the official files the catalogue needs (resumable, checked, unpacked)",
        description="Download the files listed in portrait/data/downloads.yaml from their publishers, "
        "check them, unpack them and keep only one département's rows if asked.",
    )
    p.add_argument(
        "--dept",
        metavar="CODE",
        help="keep only this département's rows in whole-France tables, e.g. 93 (smaller files, but région and France "
        "references summed from communes are then not reliable)",
    )
    p.add_argument("--dest", metavar="DIR", help=DEST_HELP)
    p.add_argument(
        "--mirror",
        metavar="URL_OR_DIR",
        help="fetch the same file names from a local directory or another base URL",
    )
    p.add_argument(
        "--downloads",
        metavar="FILE",
        help="list of downloads (default: portrait/data/downloads.yaml)",
    )
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser(
        "info",
        help="which sources, vintages and licences the data directory holds, and the indicators they feed",
    )
    p.add_argument(
        "--data",
        metavar="DIR",
        help="data directory (default: $PORTRAIT_DATA, else ../shared/data)",
    )
    add_catalogue_option(p)
    p.set_defaults(func=cmd_info)
    return parser
