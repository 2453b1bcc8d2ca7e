"""Files written atomically and the digests that key them, in the lowest layer and with the standard
library only: every layer (caches, downloads, PST files, the site) writes and keys through these."""

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["TEMP_NAME", "atomic_file", "digest", "file_digest", "write_atomic"]

TEMP_NAME = re.compile(r"\..+\.(\d+)\.[^.]+\.tmp")  # .index.html.<pid>.<random>.tmp
PUBLIC = 0o644


@contextlib.contextmanager
def atomic_file(path: str | Path, mode: int = PUBLIC) -> Iterator[BinaryIO]:
    """A binary handle on a temporary file beside `path`, renamed over it when the block ends without error.

    The temporary name carries the writer's process id (TEMP_NAME), so that a later build can tell
    the leftovers of a killed writer from the files of one still running."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)  # mkstemp makes the file private
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: str | Path, data: str | bytes, mode: int = PUBLIC) -> int:
    """Write bytes or text (as UTF-8) atomically; returns the number of bytes written."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_file(path, mode) as handle:
        handle.write(payload)
    return len(payload)


def file_digest(path: str | Path) -> str:
    """The sha256 of a file's bytes, read by blocks: a record of what a file holds, or a download's checksum."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def digest(*parts: object) -> str:
    """A short key of values whose repr is stable (strings, numbers, tuples, lists, dicts of them)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]
