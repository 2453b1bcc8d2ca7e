"""`portrait doctor`: is this machine ready to build portraits, and what does the data directory feed?

Each check prints what it found; a failed one prints the step that fixes it. Required checks decide
the exit code (0 when they all pass, 1 otherwise); optional ones (a browser for the web-map tests,
pdftoppm for the PDF previews of the tests) and indicators that no file feeds only inform.

Like every command module, it imports its heavy dependencies inside the command: `portrait --help`
imports every command module and must stay light.
"""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geodata.errors import InputError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterable, Sequence

    from portrait.inventory import Inventory

__all__ = [
    "FRENCH_GLYPHS",
    "LIBRARIES",
    "PREFERRED_FONT",
    "Check",
    "cmd_doctor",
    "data",
    "environment",
    "fonts",
    "program",
    "python_version",
    "register",
    "report",
    "shared_libraries",
    "unavailable_indicators",
    "weasyprint",
    "write_access",
]

FRENCH_GLYPHS = ":charset=e9 153 20ac"  # é, œ, €
PREFERRED_FONT = "DejaVu Sans"  # the stylesheets' first choice
LIBRARIES = (
    ("pango-1.0", "libpango-1.0-0"),
    ("pangoft2-1.0", "libpangoft2-1.0-0"),
    ("harfbuzz-subset", "libharfbuzz-subset0"),
)


@dataclass
class Check:
    name: str
    ok: bool
    found: str
    fix: str = ""
    required: bool = True


def python_version() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    return Check(
        "Python ≥ 3.10", sys.version_info >= (3, 10), version, "install Python 3.10 or later"
    )


def shared_libraries() -> list[Check]:
    """weasyprint loads pango and harfbuzz-subset at run time: a missing one fails only when a PDF is made."""
    checks = []
    for library, package in LIBRARIES:
        found = ctypes.util.find_library(library)
        checks.append(
            Check(
                f"library {library}",
                found is not None,
                found or "not found",
                f"apt-get install {package}",
            )
        )
    return checks


def weasyprint() -> Check:
    """Import weasyprint and render a one-line PDF with accents: the whole PDF chain, in about a second."""
    try:
        import weasyprint as wp

        pdf = wp.HTML(string="<p>Portrait de ville : é œ €</p>").write_pdf()
    except (
        Exception
    ) as exc:  # OSError from a missing library, ImportError, anything the chain raises
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return Check(
            "weasyprint",
            False,
            first,
            "pip install -e . ; apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0",
        )
    return Check(
        "weasyprint",
        pdf.startswith(b"%PDF"),
        f"{wp.__version__}, test PDF of {len(pdf)} bytes",
        "reinstall weasyprint",
    )


def fonts() -> Check:
    fix = "apt-get install fontconfig fonts-dejavu-core"
    if shutil.which("fc-list") is None:
        return Check("fonts with é, œ, €", False, "fc-list not found", fix)
    listed = subprocess.run(
        ["fc-list", FRENCH_GLYPHS, "family"], capture_output=True, text=True, timeout=60
    ).stdout
    families = sorted(
        {name.strip() for line in listed.splitlines() for name in line.split(",") if name.strip()}
    )
    found = (
        f"{PREFERRED_FONT} and {len(families) - 1} other(s)"
        if PREFERRED_FONT in families
        else ", ".join(families[:4]) or "none"
    )
    return Check("fonts with é, œ, €", PREFERRED_FONT in families, found, fix)


def write_access(directory: str | Path) -> Check:
    """A real write, since root passes os.access: the directory, or the parent that would hold it."""
    target = Path(directory).resolve()
    existing = next(p for p in (target, *target.parents) if p.exists())
    try:
        fd, probe = tempfile.mkstemp(prefix=".portrait-doctor.", dir=existing)
        os.close(fd)
        os.unlink(probe)
        ok, found = True, f"{target}" + ("" if existing == target else f" (created in {existing})")
    except OSError as exc:
        ok, found = False, f"{existing}: {exc.strerror}"
    return Check(
        "write access",
        ok,
        found,
        "choose a writable directory with --out, or change its permissions",
    )


def program(name: str, candidates: Sequence[str], purpose: str, fix: str) -> Check:
    found = next((shutil.which(c) for c in candidates if shutil.which(c)), None)
    return Check(
        f"{name} (optional: {purpose})",
        found is not None,
        found or "not found",
        fix,
        required=False,
    )


def environment(out: str | Path) -> list[Check]:
    return [
        python_version(),
        weasyprint(),
        *shared_libraries(),
        fonts(),
        write_access(out),
        program(
            "chromium",
            ("chromium", "chromium-browser", "google-chrome"),
            "web-map tests",
            "apt-get install chromium",
        ),
        program(
            "pdftoppm", ("pdftoppm",), "PDF previews in tests", "apt-get install poppler-utils"
        ),
    ]


def data(data_dir: str | Path | None) -> tuple[list[Check], Inventory | None]:
    """Checks of the data directory, and its inventory (None when it cannot be read)."""
    from portrait.inventory import BOUNDARIES, inventory

    try:
        inv = inventory(data_dir)
    except InputError as exc:
        return [
            Check(
                "data directory",
                False,
                str(exc),
                "pass --data DIR or set PORTRAIT_DATA; fix or remove the file named",
            )
        ], None
    tables = [f for f in inv.files if f.family != BOUNDARIES]
    communes = [
        str(f.path) for f in inv.files if f.family == BOUNDARIES and f.level.startswith("communes")
    ]
    fetch = f"`portrait data fetch --dest {inv.data_dir}`, or copy the files into it"
    return [
        Check("data directory", True, str(inv.data_dir)),
        Check(
            "statistics tables",
            bool(tables),
            f"{len(tables)} file(s) recognised",
            f"add INSEE tables: {fetch}",
        ),
        Check(
            "commune boundaries",
            bool(communes),
            ", ".join(communes) or "none",
            f"add the IGN commune boundaries: {fetch}",
        ),
        unavailable_indicators(inv),
    ], inv


def unavailable_indicators(inv: Inventory) -> Check:
    """Indicators no file feeds, grouped by the source file that would feed them."""
    from indicators.sources import source_meta

    wanted = {}
    for indicator in inv.unavailable:
        for formula in inv.catalogue[indicator].formulas:
            wanted.setdefault((formula.source, formula.vintage), []).append(indicator)
    total = len(inv.available)
    found = f"{total - len(inv.unavailable)} of {total} fed by a file"
    if inv.unavailable:
        found += f"; unavailable: {', '.join(inv.unavailable)}"
    fixes = [
        f"add {source_meta()[source]['short']} {vintage} for {', '.join(ids)}"
        for (source, vintage), ids in sorted(wanted.items())
    ]
    return Check(
        "indicators",
        not inv.unavailable,
        found,
        "; ".join(fixes) or "see the inventory above",
        required=False,
    )


def report(checks: Iterable[Check]) -> list[str]:
    """The lines of the checks, failed ones followed by what to do."""
    lines = []
    for check in checks:
        status = "ok" if check.ok else ("FAIL" if check.required else "warn")
        lines.append(f"{status:<5} {check.name}: {check.found}")
        if not check.ok:
            lines.append(f"      → {check.fix}")
    return lines


def cmd_doctor(args: argparse.Namespace) -> int:
    from portrait.inventory import render

    checks = environment(args.out)
    data_checks, inv = data(args.data)
    checks += data_checks
    if inv is not None:
        print(render(inv))
    print("\n".join(report(checks)))
    failed = [c for c in checks if c.required and not c.ok]
    print(
        f"\n{len(failed)} required check(s) failed: do what the → lines say."
        if failed
        else "\nAll required checks pass."
    )
    return 1 if failed else 0


# `subparsers` is Any: add_subparsers() returns argparse._SubParsersAction, a private class.
def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add `doctor` to the `portrait` command's sub-commands."""
    parser = subparsers.add_parser(
        "doctor",
        help="check this machine and the data directory, and say how to fix what is missing",
    )
    parser.add_argument(
        "--data",
        metavar="DIR",
        help="data directory (default: $PORTRAIT_DATA, else ../shared/data)",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        default=".",
        help="output directory whose write access to check (default: .)",
    )
    parser.set_defaults(func=cmd_doctor)
    return parser
