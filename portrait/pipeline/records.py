"""Every key and record that decides whether something is rebuilt, in one place, with the standard
library only: a rebuild with nothing changed should cost a few file hashes, not the import of pandas,
matplotlib and weasyprint nor the loading of the sources (`lint-imports` checks that this module
imports none of the heavy packages listed in pyproject.toml's contract).

| What is kept                  | Its key (what it hashes)                                          | Where its record is                        | Who reads it                        |
|-------------------------------|-------------------------------------------------------------------|--------------------------------------------|-------------------------------------|
| the whole build               | `inputs_key`: the request, `data_key`, the groups file, the PST   | `<out>/.portrait-site.json` (SITE_RECORD), | `already_built` (CLI, build, bench) |
|                               | directory and, with PST files, the date (overdue actions)         | one entry per option set, with every       |                                     |
|                               |                                                                   | output file's size and mtime               |                                     |
| the loaded département        | `data_key`: the data directory's files (but pst/), the code, the  | the object cache (indicators.cache)        | inputs.load_inputs                  |
|                               | libraries' versions                                               |                                            |                                     |
| one commune's folder          | `commune_key`: the territory's fingerprint, the code, formats,    | `<out>/<folder>/.portrait-build.json`      | commune.build_commune               |
|                               | tiles, folders, its PST and observation files, the date with PST  | (COMMUNE_RECORD), with the files' digests  |                                     |
| one image (chart or map)      | `image_key`: its kind and data, the territory's fingerprint, code | inside the commune record ("images"), and  | commune.draw_images                 |
|                               |                                                                   | `<out>/.portrait-carte-departement.json`   | departement.write_departement_page  |
| shared assets and map data    | `assets_key`: the territory's fingerprint, the code, the folders  | `<out>/.portrait-assets.json`              | departement.write_shared_assets     |
| the synthesis page and PDF    | `synthesis_key`: the territory's fingerprint, the code, formats   | `<out>/.portrait-synthese.json`            | departement.write_synthesis         |
| the methods PDF (dictionary)  | `synthesis_key`, the same inputs                                  | `<out>/.portrait-methodes.json`            | departement.write_methods           |
| harmonised source tables      | indicators.cache.fingerprint: the CSV files, indicators and       | the Parquet cache (~/.cache/portrait)      | indicators.territory                |
|                               | geodata code and tables, the commune events                       |                                            |                                     |
| the typology's k-means        | its standardised inputs and k (indicators.typology)               | the Parquet cache                          | indicators.typology                 |

The territory's fingerprint is indicators.cache.fingerprint. A record is removed before the files it
describes are rewritten and written last with their digests, so that a build stopped half-way leaves
none and is redone; a record that cannot be read, or from an older build, counts as none.
"""

import datetime as dt
import hashlib
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from geodata.datadir import find_data_dir
from geodata.errors import InputError
from geodata.files import TEMP_NAME, digest, file_digest, write_atomic
from portrait.files import default_pst_directory

__all__ = [
    "ASSETS_RECORD",
    "COMMUNE_RECORD",
    "DEPARTEMENT_MAP_RECORD",
    "METHODS_RECORD",
    "SITE_RECORD",
    "SYNTHESIS_RECORD",
    "Request",
    "UpToDate",
    "already_built",
    "assets_key",
    "check",
    "code_fingerprint",
    "commune_key",
    "data_key",
    "forget",
    "image_key",
    "inputs_key",
    "intact",
    "last_commune_build",
    "record",
    "remember",
    "remember_commune",
    "request",
    "stack_versions",
    "still_current",
    "synthesis_key",
]

SITE_RECORD = ".portrait-site.json"
COMMUNE_RECORD = ".portrait-build.json"
ASSETS_RECORD = ".portrait-assets.json"
SYNTHESIS_RECORD = ".portrait-synthese.json"
DEPARTEMENT_MAP_RECORD = ".portrait-carte-departement.json"
METHODS_RECORD = ".portrait-methodes.json"
PACKAGES = ("geodata", "indicators", "reports", "portrait")
CODE_SUFFIXES = {".py", ".yaml", ".html", ".css", ".js", ".csv", ".json"}
KEPT_ENTRIES = 8  # option sets remembered per output directory (e.g. communes, then --groups)
STACK = (
    "weasyprint",
    "pydyf",
    "matplotlib",
    "pillow",
    "folium",
    "xstatic-leaflet",
    "jinja2",
    "numpy",
    "pandas",
    "pyarrow",
    "geopandas",
    "pyogrio",
    "shapely",
    "pyproj",
    "mapclassify",
    "scikit-learn",
    "babel",
)


@dataclass(frozen=True)
class Request:
    """The options of one build, as given: two builds with equal requests write the same files."""

    dept: str
    communes: tuple = ()
    formats: tuple = ("csv", "html", "pdf")
    tiles: str = None
    attribution: str = None
    groups: object = None
    groups_file: str = None

    @property
    def id(self) -> str:
        return hashlib.sha256(
            json.dumps(asdict(self), sort_keys=True, default=str).encode()
        ).hexdigest()[:16]


def request(
    dept: str,
    communes: list[str] | None = None,
    formats: Iterable[str] = ("html", "pdf", "csv"),
    tiles: str | None = None,
    attribution: str | None = None,
    groups: str | list[str] | None = None,
    groups_file: str | Path | None = None,
) -> Request:
    """The build's options in a canonical form (formats sorted, groups as a tuple, paths resolved)."""
    groups = groups if groups in (None, "all") else tuple(groups)
    return Request(
        str(dept),
        tuple(communes or ()),
        tuple(sorted(formats)),
        tiles,
        attribution,
        groups,
        str(Path(groups_file).resolve()) if groups_file else None,
    )


@cache
def stack_versions() -> tuple[str, ...]:
    """Versions of the libraries that shape the output: upgrading one rebuilds, as a change of our code does."""
    found = []
    for name in STACK:
        try:
            found.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            found.append(f"{name}: not installed")
    return tuple(found)


def _hash_tree(digest, root, suffixes=None, skip=()):
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if (
            any(part.startswith(".") or part == "__pycache__" for part in relative.parts)
            or not path.is_file()
        ):
            continue
        if relative.parts[0] in skip:
            continue
        if suffixes is None or path.suffix in suffixes:
            digest.update(str(relative).encode())
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)


@cache
def code_fingerprint() -> str:
    """Hash of our code, templates, styles and declared tables, and of the libraries' versions: a change rebuilds
    every portrait. Computed once per process, since the code running cannot change under it."""
    digest = hashlib.sha256(repr(stack_versions()).encode())
    root = Path(__file__).resolve().parents[2]
    for package in PACKAGES:
        _hash_tree(digest, root / package, CODE_SUFFIXES)
    return digest.hexdigest()


def data_key(data: str | Path) -> str:
    """Hash of the data directory's files, our code and the libraries' versions: what a loaded territory depends on.

    The data directory's pst/ folder (the default PST directory) is left out: a PST edit does not change
    the territory, and inputs_key hashes the PST directory on its own."""
    digest = hashlib.sha256(str(Path(data).resolve()).encode())
    digest.update(code_fingerprint().encode())
    _hash_tree(digest, Path(data), skip=("pst",))
    return digest.hexdigest()


def inputs_key(
    wanted: Request, data_dir: str | Path | None = None, pst_dir: str | Path | None = None
) -> str | None:
    """Hash of everything the build reads; None when an input is missing (the full build then says why)."""
    try:
        data = find_data_dir(data_dir)
        pst = Path(pst_dir) if pst_dir else default_pst_directory(data_dir)
    except InputError:
        return None
    if pst_dir and not pst.is_dir():
        return None
    digest = hashlib.sha256(wanted.id.encode())
    digest.update(data_key(data).encode())
    if wanted.groups_file:
        groups = Path(wanted.groups_file)
        if not groups.is_file():
            return None
        digest.update(groups.read_bytes())
    if pst.is_dir():
        digest.update(b"pst")
        _hash_tree(digest, pst)
        digest.update(dt.date.today().isoformat().encode())
    return digest.hexdigest()


def _pages_id(wanted):
    """The options that shape the département's pages: all but which communes or groups are built."""
    return replace(wanted, communes=(), groups=None).id


def _output_files(out):
    """{relative path: [size, mtime]} of the output directory, without temporary files and manifests."""
    files = {}
    for path in out.rglob("*"):
        if path.is_file() and path.name != SITE_RECORD and not TEMP_NAME.fullmatch(path.name):
            files[str(path.relative_to(out))] = _stamp(path)
    return files


def _stamp(path):
    """Size and modification time: a file rewritten by another build, even to the same size, is not ours."""
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def _entries(out):
    try:
        return json.loads((out / SITE_RECORD).read_text(encoding="utf-8")).get("entries", {})
    except (OSError, ValueError, AttributeError):
        return {}


@dataclass
class UpToDate:
    """What an up-to-date output directory holds, for the one-line summary."""

    out: Path
    portraits: int
    built_on: str
    warnings: list = field(default_factory=list)  # the data warnings of that build, said again

    def __str__(self):
        return (
            f"Rien à reconstruire : les entrées n'ont pas changé depuis la construction du {self.built_on} ; "
            f"{self.portraits} portrait(s) à jour dans {self.out} (--force pour tout reconstruire)."
        )

    def say(self, log: Callable[[str], object] = print) -> None:
        """The summary, then the warnings of that build on stderr, as the build itself gives them."""
        log(str(self))
        for warning in self.warnings:
            print(f"warning: {warning}", file=sys.stderr)


def check(wanted: Request, out: str | Path, key: str | None) -> UpToDate | None:
    """An UpToDate when the last build with these options had the same inputs key and its files are intact, else None."""
    out = Path(out)
    entry = _entries(out).get(wanted.id)
    if key is None or not entry or entry.get("key") != key:
        return None
    for name, stamp in entry.get("files", {}).items():
        try:
            if _stamp(out / name) != stamp:
                return None
        except OSError:
            return None
    return UpToDate(
        out.resolve(),
        entry.get("portraits", 0),
        entry.get("built_on", "?"),
        entry.get("warnings", []),
    )


def record(
    wanted: Request, out: str | Path, key: str | None, portraits: int, warnings: Iterable[str] = ()
) -> None:
    """Remember this build's key and the output files, keeping the entries of other option sets.

    The département's pages are rewritten by every build into the directory, from what it holds (its
    page links to the groups' portraits): entries that differ from this one only by the communes or
    groups they build would write them alike, so they take their new sizes. Building the communes,
    then the groups, then both again, finds both up to date."""
    if key is None:
        return
    out = Path(out)
    files = _output_files(out)
    entries = _entries(out)
    entries.pop(wanted.id, None)
    for entry in entries.values():
        if entry.get("same_pages") == _pages_id(wanted):
            entry["files"] = {
                name: files.get(name, stamp) for name, stamp in entry.get("files", {}).items()
            }
    entries[wanted.id] = {
        "key": key,
        "same_pages": _pages_id(wanted),
        "portraits": portraits,
        "built_on": dt.datetime.now().strftime("%d/%m/%Y à %H:%M"),
        "files": files,
        "warnings": list(warnings),
    }
    kept = dict(list(entries.items())[-KEPT_ENTRIES:])
    write_atomic(out / SITE_RECORD, json.dumps({"entries": kept}, ensure_ascii=False))


def already_built(
    wanted: Request,
    out: str | Path,
    data_dir: str | Path | None = None,
    pst_dir: str | Path | None = None,
    force: bool = False,
) -> tuple[str | None, UpToDate | None]:
    """The inputs key of this build, and an UpToDate when the output directory already holds it.

    The one check made before anything heavy is imported: by the CLI, the build and the benchmark."""
    key = inputs_key(wanted, data_dir, pst_dir)
    return key, None if force else check(wanted, out, key)


def commune_key(
    territory_fingerprint: str,
    formats: frozenset[str],
    tiles: tuple[str | None, str | None],
    folders: dict[str, str],
    pst_file: Path | None,
    said_file: Path | None,
) -> str:
    """Everything a commune's portrait depends on; equal keys mean identical output."""
    return digest(
        territory_fingerprint,
        code_fingerprint(),
        sorted(formats),
        tiles,
        sorted(folders.items()),
        pst_file.read_bytes() if pst_file else None,
        said_file.read_bytes() if said_file else None,
        # overdue actions and the timeline's "today" move with the date
        dt.date.today().isoformat() if pst_file else None,
    )


def image_key(kind: str, data: object, territory_fingerprint: str | None = None) -> str:
    """What an image depends on: its kind and data, the data files (boundaries are drawn from them), the
    code (drawing and formatting) and the libraries' versions."""
    return digest(kind, data, territory_fingerprint, code_fingerprint())


def assets_key(territory_fingerprint: str, folders: dict) -> str:
    """The shared assets and the département's map data: the data, the code and which folders exist."""
    return digest(territory_fingerprint, code_fingerprint(), sorted(folders.items()))


def synthesis_key(territory_fingerprint: str, formats: frozenset[str]) -> str:
    """The synthesis depends on the data and the code only (and on whether a PDF is asked for)."""
    return digest(territory_fingerprint, code_fingerprint(), sorted(formats))


def last_commune_build(folder: Path | None) -> dict:
    """What the last build of a commune recorded in its folder ({} when none, damaged, or older)."""
    if folder is None:
        return {}
    try:
        recorded = json.loads((folder / COMMUNE_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return (
        recorded if isinstance(recorded, dict) and isinstance(recorded.get("digests"), dict) else {}
    )


def remember_commune(folder: Path, key: str, name: str, written: dict, images: dict) -> None:
    """A commune's record, written last: the key, the files with their sizes and digests, the images drawn."""
    record = {
        "fingerprint": key,
        "name": name,
        "files": written,
        "images": images,
        "digests": {file: file_digest(folder / file) for file in written},
    }
    write_atomic(folder / COMMUNE_RECORD, json.dumps(record, ensure_ascii=False))


def still_current(out: Path, name: str, key: str) -> dict | None:
    """The record `name` when its files were written from inputs with this key and still hold what was
    written (sizes and digests), else None: a record without digests is an older build's, redone."""
    try:
        recorded = json.loads((out / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not isinstance(recorded, dict)
        or recorded.get("key") != key
        or not isinstance(recorded.get("digests"), dict)
    ):
        return None
    return recorded if intact(out, recorded.get("files", {}), recorded["digests"]) else None


def forget(folder: Path, name: str) -> None:
    """Remove a record before its files are rewritten: a build stopped half-way leaves none, and is redone."""
    (folder / name).unlink(missing_ok=True)


def remember(out: Path, name: str, key: str, written: dict) -> None:
    """The record of the files just written ({name: size}), written last, with their digests."""
    digests = {file: file_digest(out / file) for file in written}
    write_atomic(out / name, json.dumps({"key": key, "files": written, "digests": digests}))


def intact(folder: Path, files: dict, digests: dict | None = None) -> bool:
    """Whether every recorded file is still there with the size (and, when recorded, the content) it was
    written with."""
    digests = digests or {}
    return all(
        (folder / name).is_file()
        and (folder / name).stat().st_size == size
        and (name not in digests or file_digest(folder / name) == digests[name])
        for name, size in files.items()
    )
