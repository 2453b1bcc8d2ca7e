"""Indicator sources, the catalogue, and indicator values for every territory."""

from indicators.catalogue import load_catalogue
from indicators.territory import Territory, load_territory

__all__ = ["Territory", "load_catalogue", "load_territory"]
