"""Whether a whole build is already up to date, decided before the rendering stack is imported.

A rebuild with nothing changed should cost a few file hashes, not the import of pandas,
matplotlib and weasyprint nor the loading of the sources. Each build records a key of all its
inputs (options, data files, PST files, code, and the date when PST files are used, since
overdue actions depend on it) and the size and time of every file of the output directory; the next
build with the same key and the same files stops there, and says again the warnings it gave.
Only the standard library is imported here.
"""

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from geodata.datadir import find_data_dir
from geodata.errors import InputError
from geodata.files import TEMP_NAME, write_atomic
from portrait.files import default_pst_directory

MANIFEST = ".portrait-site.json"
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
    def id(self):
        return hashlib.sha256(
            json.dumps(asdict(self), sort_keys=True, default=str).encode()
        ).hexdigest()[:16]


def request(
    dept,
    communes=None,
    formats=("html", "pdf", "csv"),
    tiles=None,
    attribution=None,
    groups=None,
    groups_file=None,
):
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
def stack_versions():
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
def code_fingerprint():
    """Hash of our code, templates, styles and declared tables, and of the libraries' versions: a change rebuilds
    every portrait. Computed once per process, since the code running cannot change under it."""
    digest = hashlib.sha256(repr(stack_versions()).encode())
    root = Path(__file__).resolve().parent.parent
    for package in PACKAGES:
        _hash_tree(digest, root / package, CODE_SUFFIXES)
    return digest.hexdigest()


def data_key(data):
    """Hash of the data directory's files, our code and the libraries' versions: what a loaded territory depends on.

    The data directory's pst/ folder (the default PST directory) is left out: a PST edit does not change
    the territory, and inputs_key hashes the PST directory on its own."""
    digest = hashlib.sha256(str(Path(data).resolve()).encode())
    digest.update(code_fingerprint().encode())
    _hash_tree(digest, Path(data), skip=("pst",))
    return digest.hexdigest()


def inputs_key(wanted, data_dir=None, pst_dir=None):
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
        if path.is_file() and path.name != MANIFEST and not TEMP_NAME.fullmatch(path.name):
            files[str(path.relative_to(out))] = _stamp(path)
    return files


def _stamp(path):
    """Size and modification time: a file rewritten by another build, even to the same size, is not ours."""
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def _entries(out):
    try:
        return json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("entries", {})
    except (OSError, ValueError, AttributeError):
        return {}


@dataclass
class UpToDate:
    """What an up-to-date output directory holds, for the one-line summary."""

    out: Path
    portraits: int
    built_on: str
    warnings: list = field(
        default_factory=list
    )  # the data warnings of that build, to be said again

    def __str__(self):
        return (
            f"Rien à reconstruire : les entrées n'ont pas changé depuis la construction du {self.built_on} ; "
            f"{self.portraits} portrait(s) à jour dans {self.out} (--force pour tout reconstruire)."
        )


def check(wanted, out, key):
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


def record(wanted, out, key, portraits, warnings=()):
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
    write_atomic(out / MANIFEST, json.dumps({"entries": kept}, ensure_ascii=False))
