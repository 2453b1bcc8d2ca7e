"""Safe output: directories checked before use, paths kept inside them, killed writers' leftovers removed.

Files themselves are written by geodata.files.write_atomic."""

import os
from pathlib import Path

from geodata.datadir import find_data_dir
from geodata.errors import InputError
from geodata.files import TEMP_NAME

__all__ = [
    "DEFAULT_PST_DIR",
    "default_pst_directory",
    "inside",
    "prepare_directory",
    "regular_file",
    "remove_stale_temporaries",
]

DEFAULT_PST_DIR = Path("pst")


def prepare_directory(path: str | Path) -> Path:
    """Create an output directory, or say in one line why it cannot be used."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(path, "output path exists and is not a directory: choose another --out")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            path, f"cannot create output directory ({exc.strerror}): choose another --out"
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise InputError(
            path,
            "output directory is not writable: choose another --out, or change its permissions",
        )
    remove_stale_temporaries(path)
    return path


def remove_stale_temporaries(directory: str | Path) -> None:
    """Delete the temporary files that a killed build left in `directory`: those whose writer is gone.

    A temporary name carries its writer's process id, so a build running at the same time keeps its own."""
    try:
        entries = list(Path(directory).iterdir())
    except OSError:
        return  # unlisted: nothing to clean, the writes themselves will say what is wrong
    for path in entries:
        match = TEMP_NAME.fullmatch(path.name)
        if match and not _alive(int(match.group(1))) and path.is_file():
            path.unlink(missing_ok=True)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        pass
    return True


def inside(root: str | Path, *parts: str) -> Path:
    """A path under root built from trusted parts; refuses anything that would leave root."""
    root = Path(root).resolve()
    target = root.joinpath(*parts).resolve()
    if target != root and root not in target.parents:
        raise InputError(target, f"refused to write outside the output directory {root}")
    return target


def default_pst_directory(data_dir: str | Path | None = None) -> Path:
    """./pst, else the pst/ folder of the data directory, else ./pst (which `pst new` creates)."""
    if DEFAULT_PST_DIR.is_dir():
        return DEFAULT_PST_DIR
    try:
        candidate = find_data_dir(data_dir) / "pst"
    except InputError:
        if data_dir is not None:
            raise
        return DEFAULT_PST_DIR
    return candidate if candidate.is_dir() else DEFAULT_PST_DIR


def regular_file(path: str | Path) -> Path:
    """An output file that may be replaced: absent or a regular file, never a device, a directory or
    a link (a rename over /dev/null would replace the device itself)."""
    path = Path(path)
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise InputError(path, "not a regular file: choose another --out (a file name)")
    return path
