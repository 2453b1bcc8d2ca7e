"""Boundaries and the commune map: the base layer of portrait."""

from geodata.boundaries import load_communes, load_departements, load_iris, to_lambert, to_web
from geodata.datadir import find_data_dir
from geodata.errors import InputError

__all__ = ["InputError", "find_data_dir", "load_communes", "load_departements", "load_iris", "to_lambert", "to_web"]
