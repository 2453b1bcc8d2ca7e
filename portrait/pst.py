"""The `portrait pst` commands: check the PST and observations files of a directory, start one from the template.

The files, their schema and their checks are reports.pstfiles (the renderers take the same types);
this module only parses the arguments, writes the template and prints.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geodata.errors import InputError
from geodata.files import write_atomic
from portrait.files import DEFAULT_PST_DIR, default_pst_directory
from reports.pstfiles.commune_files import pst_files
from reports.pstfiles.fields import COMMUNE_CODE, MAX_LABEL
from reports.pstfiles.observations import iris_communes
from reports.pstfiles.pst import check_directory
from reports.pstfiles.yamlreader import show_value

if TYPE_CHECKING:
    import argparse

__all__ = ["TEMPLATE", "cmd_check", "cmd_new", "new_pst", "register"]

TEMPLATE = Path(__file__).parent / "data" / "pst_template.yaml"


def _write_new(target, text):
    """Written atomically, readable by the group as a shared PST file is (the umask decides)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    umask = os.umask(0)
    os.umask(umask)
    write_atomic(target, text, mode=0o666 & ~umask)


def new_pst(code: str, name: str | None = None, directory: str | Path = DEFAULT_PST_DIR) -> Path:
    """Write the commented template for commune `code` to `<directory>/<code>.yaml`, never over a file."""
    code = str(code).strip().upper()
    if not COMMUNE_CODE.fullmatch(code):
        raise InputError(
            None, f"{show_value(code)} is not a commune code (5 characters, e.g. 93066)"
        )
    if name is not None and (
        not str(name).strip()
        or len(str(name)) > MAX_LABEL
        or re.search(r"[\x00-\x1f\x7f]", str(name))
    ):
        raise InputError(None, f"{show_value(name)} is not a commune name")
    name = " ".join(str(name).split()) if name is not None else None
    target = Path(directory) / f"{code}.yaml"
    if target.exists():
        raise InputError(target, "already exists: edit it, or remove it to start again")
    quoted = json.dumps  # a JSON string is a YAML double-quoted scalar
    values = {
        "title": f"{name} ({code})" if name else code,
        "code": quoted(code),
        "name": quoted(name, ensure_ascii=False) if name else "",
        "signatory": quoted(f"Ville de {name}" if name else f"Commune {code}", ensure_ascii=False),
    }
    text = re.sub(
        r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], TEMPLATE.read_text(encoding="utf-8")
    )
    try:
        _write_new(target, text)
    except OSError as exc:
        raise InputError(
            exc.filename or target, f"cannot write the PST file ({exc.strerror})"
        ) from None
    return target


# ---------------------------------------------------------------- command line


def cmd_check(args: argparse.Namespace) -> int:
    directory = Path(args.pst) if args.pst else default_pst_directory(args.data)
    known = known_iris = None
    if args.dept:
        from indicators import load_territory

        territory = load_territory(args.dept, args.data)
        known, known_iris = set(territory.communes["code"]), iris_communes(territory.iris_shapes())
    errors = check_directory(directory, known, known_iris)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if errors:
        return 1
    print(f"{len(pst_files(directory))} fichier(s) PST valides dans {directory}")
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    directory = Path(args.pst) if args.pst else default_pst_directory(args.data)
    target = new_pst(args.commune, args.name, directory)
    print(f"{target} créé : complétez-le, puis vérifiez-le avec `portrait pst check`")
    return 0


# `subparsers` is Any: add_subparsers() returns argparse._SubParsersAction, a private class.
def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add `pst check` and `pst new` to the `portrait` command's sub-commands."""
    parser = subparsers.add_parser(
        "pst", help="projets sociaux de territoire: check the files, start one from the template"
    )
    sub = parser.add_subparsers(dest="pst_command", required=True)
    where = "PST directory (default: ./pst, else pst/ in the data directory)"
    data = "data directory (default: $PORTRAIT_DATA, else ../shared/data)"

    p = sub.add_parser(
        "check", help="check every PST file and observations file; one line per error"
    )
    p.add_argument("--pst", metavar="DIR", help=where)
    p.add_argument(
        "--dept",
        help="also check that each commune and IRIS belongs to this département (reads the data, slow)",
    )
    p.add_argument("--data", metavar="DIR", help=data)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("new", help="write the commented template for one commune")
    p.add_argument("commune", metavar="COMMUNE", help="commune code, e.g. 93066")
    p.add_argument("--name", help="commune name, written in the file")
    p.add_argument("--pst", metavar="DIR", help=where)
    p.add_argument("--data", metavar="DIR", help=data)
    p.set_defaults(func=cmd_new)
    return parser
