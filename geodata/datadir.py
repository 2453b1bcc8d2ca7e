"""Where the open data lives: --data, then $PORTRAIT_DATA, then ../shared/data."""

import os
from pathlib import Path

from geodata.errors import InputError

__all__ = ["ENV_VAR", "find_data_dir"]

ENV_VAR = "PORTRAIT_DATA"


def _default_candidates():
    here = Path(__file__).resolve().parent.parent
    return [Path.cwd() / ".." / "shared" / "data", here / ".." / "shared" / "data"]


def find_data_dir(data_dir: str | Path | None = None) -> Path:
    """Resolve the data directory, or raise an InputError that says how to set it."""
    if data_dir is not None:
        path = Path(data_dir)
        origin = "--data"
    elif os.environ.get(ENV_VAR):
        path = Path(os.environ[ENV_VAR])
        origin = f"${ENV_VAR}"
    else:
        for candidate in _default_candidates():
            if candidate.is_dir():
                return candidate.resolve()
        raise InputError(
            None,
            "no data directory found: pass --data DIR or set PORTRAIT_DATA "
            "(../shared/data is used when it exists)",
        )
    if not path.exists():
        raise InputError(path, f"data directory given by {origin} does not exist")
    if not path.is_dir():
        raise InputError(path, f"data directory given by {origin} is not a directory")
    return path.resolve()
