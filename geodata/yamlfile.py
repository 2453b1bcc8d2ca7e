"""YAML of the declared tables (catalogue, phrases, sources, events): libyaml's parser when present.

The C parser reads the catalogue ten times faster than the pure-Python one; both give the same
data and the same errors, with line marks.
"""

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text):
    return yaml.load(text, Loader=LOADER)
