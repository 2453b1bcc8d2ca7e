"""Boundaries and the commune map: the base layer of portrait.

The boundary functions are imported on first use, so that `geodata.errors` and
`geodata.datadir` stay light (the CLI decides whether anything is to be built
before loading geopandas).
"""

from geodata.datadir import find_data_dir
from geodata.errors import InputError

_BOUNDARIES = ("load_communes", "load_departements", "load_iris", "to_lambert", "to_web")

__all__ = ["InputError", "find_data_dir", *_BOUNDARIES]


def __getattr__(name):
    if name in _BOUNDARIES:
        from geodata import boundaries

        return getattr(boundaries, name)
    raise AttributeError(f"module 'geodata' has no attribute {name!r}")
