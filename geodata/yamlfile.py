"""YAML of the declared tables (catalogue, phrases, sources, events): libyaml's parser when present.

The C parser reads the catalogue ten times faster than the pure-Python one; both give the same
data and the same errors, with line marks.
"""

from typing import Any

import yaml

__all__ = ["LOADER", "load_yaml"]

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=LOADER)
