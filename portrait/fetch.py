"""`portrait data fetch`: download the publishers' files the catalogue needs, safely.

A download goes to `<dest>/<name>.part` and is resumed with an HTTP Range request
when the server allows it; it is checked (length, sha256) before anything is
unpacked, and every file is renamed into place only once complete, so an
interrupted or corrupted transfer never leaves a file a reader would take for data.
"""

from __future__ import annotations

import csv
import http.client
import os
import re
import shutil
import socket
import sys
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import yaml
from tqdm import tqdm

from geodata.cog import departements, dept_of
from geodata.errors import InputError
from geodata.files import atomic_file, file_digest
from geodata.yamlfile import load_yaml
from indicators.readers import sniff_separator

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "ARCHIVES",
    "CHUNK",
    "DEFAULT_DOWNLOADS",
    "NETWORK_ERRORS",
    "TIMEOUT",
    "USER_AGENT",
    "Download",
    "fetch",
    "fetch_one",
    "load_downloads",
]

DEFAULT_DOWNLOADS = Path(__file__).parent / "data" / "downloads.yaml"
ARCHIVES = ("zip", "plain")
CHUNK = 1 << 16
TIMEOUT = 60
USER_AGENT = "portrait-data-fetch/0.1"
NETWORK_ERRORS = (
    urllib.error.URLError,
    socket.timeout,
    TimeoutError,
    ConnectionError,
    http.client.HTTPException,
)


@dataclass(frozen=True)
class Download:
    id: str
    family: str
    vintage: int
    url: str
    archive: str
    files: tuple
    sha256: str | None
    licence: str
    filter_column: str | None = None
    filter_files: tuple = ()

    @property
    def name(self) -> str:
        """The publisher's file name: the last segment of the URL, also looked up in a mirror."""
        return PurePosixPath(urlparse(self.url).path).name


def _entry(raw, n, path):
    where = f"download {n + 1} ({raw.get('id', '?') if isinstance(raw, dict) else '?'})"
    if not isinstance(raw, dict):
        raise InputError(path, f"{where}: expected a mapping")
    missing = [
        k
        for k in ("id", "family", "vintage", "url", "archive", "files", "licence")
        if raw.get(k) in (None, "", [])
    ]
    if missing:
        raise InputError(path, f"{where}: missing {missing[0]}")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", str(raw["id"])):
        raise InputError(path, f"{where}: id must be lower case letters, digits, '-', '_' or '.'")
    if (
        urlparse(str(raw["url"])).scheme not in ("http", "https")
        or not PurePosixPath(urlparse(str(raw["url"])).path).name
    ):
        raise InputError(path, f"{where}: url must be an http(s) address ending with a file name")
    if raw["archive"] not in ARCHIVES:
        raise InputError(path, f"{where}: archive must be one of {', '.join(ARCHIVES)}")
    files = raw["files"] if isinstance(raw["files"], list) else [raw["files"]]
    if any(not isinstance(f, str) or not _safe_name(f) for f in files):
        raise InputError(path, f"{where}: files are plain file names (no directory, no '..')")
    if raw["archive"] == "plain" and len(files) != 1:
        raise InputError(path, f"{where}: a plain download gives exactly one file")
    checksum = raw.get("sha256")
    if checksum is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", str(checksum)):
        raise InputError(
            path, f"{where}: sha256 must be 64 hexadecimal digits, or null while unknown"
        )
    spec = raw.get("filter") or {}
    if spec and (
        not isinstance(spec, dict)
        or not spec.get("column")
        or not set(spec.get("files") or []) <= set(files)
    ):
        raise InputError(path, f"{where}: filter needs a column and files among the entry's files")
    return Download(
        str(raw["id"]),
        str(raw["family"]),
        int(raw["vintage"]),
        str(raw["url"]),
        raw["archive"],
        tuple(files),
        checksum.lower() if checksum else None,
        str(raw["licence"]),
        spec.get("column"),
        tuple(spec.get("files") or ()),
    )


def load_downloads(path: str | Path | None = None) -> list[Download]:
    """The entries of a downloads file (default: portrait/data/downloads.yaml), checked."""
    path = Path(path) if path else DEFAULT_DOWNLOADS
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(path, f"cannot read the downloads file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(path, f"{f'line {mark.line + 1}: ' if mark else ''}invalid YAML") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("downloads"), list):
        raise InputError(path, "a downloads file holds a list under 'downloads'")
    entries = [_entry(item, n, path) for n, item in enumerate(raw["downloads"])]
    ids = [e.id for e in entries]
    duplicated = next((i for i in ids if ids.count(i) > 1), None)
    if duplicated:
        raise InputError(path, f"duplicate download id '{duplicated}'")
    return entries


def _safe_name(name):
    """True for a relative path that stays inside the directory it is unpacked into."""
    path = PurePosixPath(name.replace("\\", "/"))
    return (
        bool(name)
        and not path.is_absolute()
        and ".." not in path.parts
        and not re.match(r"^[A-Za-z]:", name)
    )


# ---------------------------------------------------------------- transfer


def _host(url):
    return urlparse(url).netloc or url


def _unreachable(url, exc):
    reason = getattr(exc, "reason", None) or exc
    return InputError(
        None,
        f"cannot reach {_host(url)}: {reason} ; use --mirror DIR_OR_URL to fetch from a local copy",
    )


def _open_http(url, offset, timeout):
    """(response, offset actually resumed from, total size or None)."""
    headers = {"User-Agent": USER_AGENT}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        response = urllib.request.urlopen(
            urllib.request.Request(url, headers=headers), timeout=timeout
        )
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 416 and offset:  # the .part is as long as the file, or longer: start again
            return _open_http(url, 0, timeout)
        raise InputError(url, f"the server answered HTTP {exc.code} {exc.reason}") from None
    except NETWORK_ERRORS as exc:
        raise _unreachable(url, exc) from None
    length = response.headers.get("Content-Length")
    if offset and response.status == 206:
        match = re.match(r"bytes (\d+)-\d+/(\d+|\*)", response.headers.get("Content-Range", ""))
        if match and int(match.group(1)) == offset:
            return response, offset, int(match.group(2)) if match.group(2) != "*" else None
        response.close()
        return _open_http(url, 0, timeout)
    return response, 0, int(length) if length and length.isdigit() else None


def _open_local(path, offset):
    try:
        handle = open(path, "rb")  # noqa: SIM115 - the caller reads and closes it
    except FileNotFoundError:
        raise InputError(
            path,
            "not in the mirror directory (it holds the publishers' files under their own names)",
        ) from None
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror})") from None
    total = os.fstat(handle.fileno()).st_size
    offset = offset if 0 < offset <= total else 0
    handle.seek(offset)
    return handle, offset, total


def _source(entry, mirror):
    """Where to read an entry from: the publisher's URL, or the same file name in the mirror."""
    if not mirror:
        return entry.url
    if re.match(r"^[a-z][a-z0-9+.-]*://", str(mirror), re.I):
        return str(mirror).rstrip("/") + "/" + entry.name
    return Path(mirror) / entry.name


def _transfer(source, part, timeout):
    """Fill `part` from `source`, resuming what a previous run left; raises if incomplete."""
    offset = part.stat().st_size if part.exists() else 0
    if isinstance(source, Path):
        stream, offset, total = _open_local(source, offset)
    else:
        stream, offset, total = _open_http(source, offset, timeout)
    received, interrupted = offset, False
    bar = tqdm(
        total=total,
        initial=offset,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=part.name[:-5],
        file=sys.stderr,
        disable=None,
        leave=False,
    )
    with bar, stream, open(part, "ab" if offset else "wb") as out:
        while True:
            try:
                chunk = stream.read(CHUNK)
            except (http.client.IncompleteRead, *NETWORK_ERRORS):
                interrupted = True
                break
            if not chunk:
                break
            try:
                out.write(chunk)
            except OSError as exc:
                raise InputError(part, f"cannot write the download ({exc.strerror})") from None
            received += len(chunk)
            bar.update(len(chunk))
    if interrupted or (total is not None and received != total):
        of = f" of {total}" if total is not None else ""
        raise InputError(
            part,
            f"transfer interrupted after {received}{of} bytes; run the command again to resume",
        )
    return offset


# ---------------------------------------------------------------- installing the files


def _code(text):
    """A commune or IRIS code as written in a CSV field, with a dropped leading zero restored."""
    code = text.strip().strip('"')
    return code.zfill(len(code) + 1) if code.isdigit() and len(code) in (4, 8) else code


def _rows_of(dept, column, lines, name):
    """The lines of a CSV to keep: the header, then only the rows of département `dept`."""
    header = next(lines, b"")
    text = header.decode("latin-1").lstrip("\xef\xbb\xbf").rstrip("\r\n")
    sep = sniff_separator(text)
    columns = [c.strip().strip('"') for c in text.split(sep)]
    if column not in columns:
        raise InputError(name, f"no column {column} to keep the rows of département {dept} by")
    index = columns.index(column)
    yield header
    for line in lines:
        fields = next(csv.reader([line.decode("latin-1")], delimiter=sep), [])
        if len(fields) > index and dept_of(_code(fields[index])) == dept:
            yield line


def _install(stream, target, dept=None, column=None):
    """Copy a binary stream to `target` atomically, by blocks: a whole-France table need not fit in memory."""
    with atomic_file(target) as out:
        if dept and column:
            out.writelines(_rows_of(dept, column, iter(stream.readline, b""), target))
        else:
            shutil.copyfileobj(stream, out, CHUNK)


def _unpack(entry, archive, folder, dept):
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise InputError(
            archive, "not a zip archive (the server may have sent an error page)"
        ) from None
    with zf:
        unsafe = next((m.filename for m in zf.infolist() if not _safe_name(m.filename)), None)
        if unsafe:
            raise InputError(
                archive, f"refused: the archive holds a member outside its folder ({unsafe})"
            )
        members = {PurePosixPath(m.filename).name: m for m in zf.infolist() if not m.is_dir()}
        absent = [f for f in entry.files if f not in members]
        if absent:
            raise InputError(
                archive,
                f"no file {absent[0]} in the archive (it holds {', '.join(sorted(members)[:6])})",
            )
        for name in entry.files:
            with zf.open(members[name]) as stream:
                _install(
                    stream,
                    folder / name,
                    dept,
                    entry.filter_column if name in entry.filter_files else None,
                )


def _complete(entry, folder):
    return all((folder / name).is_file() for name in entry.files)


def fetch_one(
    entry: Download,
    dest: str | Path,
    mirror: str | Path | None = None,
    dept: str | None = None,
    log: Callable[[str], None] = print,
    timeout: float = TIMEOUT,
) -> list[Path]:
    """Download, check and install one entry; returns the paths of its files."""
    dest = Path(dest)
    folder = dest / entry.id
    targets = [folder / name for name in entry.files]
    if _complete(entry, folder):
        log(f"  {entry.id} : déjà présent ({', '.join(entry.files)}), rien à télécharger")
        return targets
    folder.mkdir(parents=True, exist_ok=True)
    part = dest / f"{entry.name}.part"
    source = _source(entry, mirror)
    resumed = _transfer(source, part, timeout)
    if entry.sha256:
        actual = file_digest(part)
        if actual != entry.sha256:
            part.unlink(missing_ok=True)
            raise InputError(
                dest / entry.name,
                f"checksum mismatch: expected sha256 {entry.sha256}, got {actual}; the download was deleted",
            )
    size = part.stat().st_size
    try:
        if entry.archive == "zip":
            _unpack(entry, part, folder, dept)
        else:
            with open(part, "rb") as stream:
                _install(
                    stream,
                    targets[0],
                    dept,
                    entry.filter_column if entry.files[0] in entry.filter_files else None,
                )
    except InputError:
        part.unlink()  # complete but unusable: resuming it would only give the same file
        raise
    part.unlink()
    how = f"repris à {resumed} octets" if resumed else "complet"
    shown = f"{size / 1e6:.1f} Mo" if size >= 1e6 else f"{max(1, round(size / 1e3))} ko"
    log(f"  {entry.id} : {entry.name} ({shown}, {how}) → {folder}/ ({len(targets)} fichier(s))")
    return targets


def fetch(
    downloads: str | Path | None = None,
    dest: str | Path = "data",
    mirror: str | Path | None = None,
    dept: str | None = None,
    log: Callable[[str], None] = print,
    timeout: float = TIMEOUT,
) -> list[Path]:
    """Fetch every entry of a downloads file into `dest`; returns the paths written.

    `mirror` replaces each publisher's address by a local directory or another base URL
    holding the same file names; `dept` keeps only that département's rows in the
    files an entry filters.
    """
    entries = load_downloads(downloads)
    if dept is not None:
        dept = str(dept).strip().upper()
        if dept not in departements().index:
            raise InputError(
                None, f"unknown département code '{dept}' (expected a code such as 93, 2A or 974)"
            )
    if (
        mirror
        and not re.match(r"^[a-z][a-z0-9+.-]*://", str(mirror), re.I)
        and not Path(mirror).is_dir()
    ):
        raise InputError(mirror, "mirror directory does not exist")
    dest = Path(dest)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            dest, f"cannot create the destination directory ({exc.strerror})"
        ) from None
    where = f"depuis {mirror}" if mirror else "depuis les sites des producteurs"
    log(
        f"Téléchargement de {len(entries)} source(s) {where} vers {dest}"
        + (f", lignes du département {dept}" if dept else "")
    )
    written = []
    for entry in entries:
        try:
            written += fetch_one(entry, dest, mirror, dept, log, timeout)
        except OSError as exc:  # network errors are InputErrors by now: this is the local disk
            raise InputError(
                exc.filename or dest, f"cannot write ({exc.strerror or exc})"
            ) from None
    log(
        f"Terminé : {len(written)} fichier(s) dans {dest}. Vérifiez avec `portrait data info --data {dest}`."
    )
    if dept:
        log(
            f"Attention : ces tables ne gardent que les communes du {dept} ; les valeurs de la région et de la France "
            "calculées en sommant les communes n'y sont pas fiables, seules les lignes officielles (DEP, REG, METRO) le sont."
        )
    return written
