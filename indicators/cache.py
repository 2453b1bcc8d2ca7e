"""A cache of the harmonised source tables, as Parquet, keyed by the content of the inputs.

Parsing INSEE files is the slow part of loading; the key hashes every data file's
bytes, the declarative tables (sources, commune events) and this package's code,
so a changed file or a new version of the code never reads a stale cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

from geodata.cog import commune_events
from geodata.files import atomic_file
from indicators.harmonise import harmonise
from indicators.sources import SourceTable, csv_files, load_sources

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from geodata.cog import Merger

__all__ = [
    "CODE_DIRS",
    "FORMAT",
    "cache_root",
    "cached_frames",
    "cached_object",
    "fingerprint",
    "harmonised_tables",
]

_T = TypeVar("_T")

CODE_DIRS = (Path(__file__).parent, Path(__file__).parent.parent / "geodata")
FORMAT = 2


def cache_root() -> Path | None:
    """$PORTRAIT_CACHE, else ~/.cache/portrait; PORTRAIT_CACHE=off disables the cache."""
    explicit = os.environ.get("PORTRAIT_CACHE")
    if explicit:
        return None if explicit.lower() in ("off", "0", "no") else Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "portrait"


def _hash_file(digest, path):
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)


def fingerprint(data_dir: str | Path, events: Sequence[Merger] | None = None) -> str:
    """Hash of the data files' bytes, the code and declarative tables, and the events asked for."""
    digest = hashlib.sha256(f"format {FORMAT}".encode())
    for path in csv_files(data_dir):
        digest.update(str(path.relative_to(data_dir)).encode())
        _hash_file(digest, path)
    for folder in CODE_DIRS:
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".yaml", ".csv") and "__pycache__" not in path.parts:
                digest.update(path.name.encode())
                _hash_file(digest, path)
    digest.update(repr(events).encode())
    return digest.hexdigest()[:24]


def _write_frame(frame, path):
    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    frame.to_parquet(path)


def _save_table(table, folder):
    folder.mkdir(parents=True)
    _write_frame(table.data, folder / "data.parquet")
    _write_frame(table.reasons, folder / "reasons.parquet")
    for name in ("names", "parent"):
        series = getattr(table, name)
        if series is not None:
            _write_frame(series.rename("value").to_frame(), folder / f"{name}.parquet")
    if table.old_perimeter is not None:
        _write_frame(table.old_perimeter, folder / "old_perimeter.parquet")
    for level, (data, reasons) in table.official.items():
        _write_frame(data, folder / f"official-{level}-data.parquet")
        _write_frame(reasons, folder / f"official-{level}-reasons.parquet")
    meta = {
        "family": table.family,
        "vintage": table.vintage,
        "level": table.level,
        "paths": [str(p) for p in table.paths],
        "notes": table.notes,
        "official": list(table.official),
        "decimals": table.decimals,
        "citations": table.citations,
    }
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def _load_table(folder):
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))

    def optional(name):
        path = folder / f"{name}.parquet"
        return pd.read_parquet(path) if path.exists() else None

    names, parent = optional("names"), optional("parent")
    official = {
        level: (
            pd.read_parquet(folder / f"official-{level}-data.parquet"),
            pd.read_parquet(folder / f"official-{level}-reasons.parquet"),
        )
        for level in meta["official"]
    }
    return SourceTable(
        meta["family"],
        meta["vintage"],
        meta["level"],
        [Path(p) for p in meta["paths"]],
        pd.read_parquet(folder / "data.parquet"),
        pd.read_parquet(folder / "reasons.parquet"),
        names["value"] if names is not None else None,
        parent["value"] if parent is not None else None,
        official,
        meta["notes"],
        optional("old_perimeter"),
        meta["decimals"],
        meta["citations"],
    )


def _save(folder, communes, iris, applied):
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
    try:
        for kind, tables in (("communes", communes), ("iris", iris)):
            for n, table in enumerate(tables.values()):
                _save_table(table, tmp / kind / str(n))
        (tmp / "events.json").write_text(json.dumps([e.into for e in applied]), encoding="utf-8")
        os.replace(tmp, folder)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)


def _load(folder):
    out = []
    for kind in ("communes", "iris"):
        tables = {}
        base = folder / kind
        for sub in sorted(base.iterdir(), key=lambda p: int(p.name)) if base.exists() else []:
            table = _load_table(sub)
            tables[(table.family, table.vintage)] = table
        out.append(tables)
    return out


def harmonised_tables(
    data_dir: str | Path, events: Sequence[Merger] | None = None
) -> tuple[dict[tuple[str, int], SourceTable], dict[tuple[str, int], SourceTable], list[Merger]]:
    """(commune tables, IRIS tables, applied events), parsed once and then read from the cache."""
    root = cache_root()
    if root is None:
        return harmonise(load_sources(data_dir), events)
    key = fingerprint(data_dir, events)
    folder = root / f"tables-{key}"
    if folder.is_dir():
        try:
            communes, iris = _load(folder)
            applied_codes = json.loads((folder / "events.json").read_text(encoding="utf-8"))
            applied = [
                e
                for e in (events if events is not None else commune_events())
                if e.into in applied_codes
            ]
            return communes, iris, applied
        except (OSError, ValueError, KeyError):
            shutil.rmtree(folder, ignore_errors=True)
    communes, iris, applied = harmonise(load_sources(data_dir), events)
    try:
        root.mkdir(parents=True, exist_ok=True)
        _save(folder, communes, iris, applied)
    except OSError:
        pass  # a read-only cache location only costs speed
    return communes, iris, applied


def cached_frames(
    key: str, produce: Callable[[], tuple[dict[str, pd.DataFrame], Any]]
) -> tuple[dict[str, pd.DataFrame], Any]:
    """{name: DataFrame} and a JSON-able extra, from the cache or from produce() (then stored)."""
    root = cache_root()
    if root is None:
        return produce()
    folder = root / f"frames-{key}"
    if folder.is_dir():
        try:
            extra = json.loads((folder / "extra.json").read_text(encoding="utf-8"))
            frames = {p.stem: pd.read_parquet(p) for p in folder.glob("*.parquet")}
            return frames, extra
        except (OSError, ValueError):
            shutil.rmtree(folder, ignore_errors=True)
    frames, extra = produce()
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
        for name, frame in frames.items():
            frame.to_parquet(tmp / f"{name}.parquet")
        (tmp / "extra.json").write_text(json.dumps(extra, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, folder)
    except OSError:
        pass
    return frames, extra


def cached_object(key: str, produce: Callable[[], _T]) -> _T:
    """An object pickled under `key` (a hash of everything it depends on), else produce() then stored.

    For what Parquet does not hold as is (a loaded territory with its outlines); the cache is the
    user's own directory, and a file that cannot be read is produced again."""
    root = cache_root()
    if root is None:
        return produce()
    path = root / f"object-{key}.pickle"
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except FileNotFoundError:
        pass
    except Exception:  # unreadable, truncated, or pickled by other code: produced again
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
    value = produce()
    _store(path, value)
    return value


def _store(path, value):
    """Pickle atomically; a cache that cannot be written only costs speed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path) as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # any failure (disk full, unpicklable) only loses the cache
        pass
