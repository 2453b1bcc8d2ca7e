"""The indicator catalogue: indicators declared as data (catalogue.yaml), checked on load."""

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from geodata.errors import InputError
from indicators.sources import source_meta

DEFAULT_PATH = Path(__file__).parent / "data" / "catalogue.yaml"
POLARITIES = {"higher_is_worse", "higher_is_better", "neutral"}
FORMULA_KINDS = ("value", "numerator", "growth", "expression")
PERCENT_UNITS = {"%", "points", "% par an"}


@dataclass(frozen=True)
class Formula:
    source: str
    vintage: int
    expression: str
    variables: tuple
    display: str  # how the formula reads in the dictionary


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    theme: str
    unit: str
    polarity: str
    definition: str
    aggregation: str
    formulas: tuple = ()
    evolution: dict | None = None
    key: bool = False

    @property
    def is_rate(self):
        return self.unit in PERCENT_UNITS

    @property
    def vintages(self):
        if self.evolution:
            return (self.evolution["to"],)
        return tuple(sorted({f.vintage for f in self.formulas}, reverse=True))

    @property
    def sources(self):
        return tuple(dict.fromkeys(f.source for f in self.formulas))

    def formula(self, vintage):
        return next((f for f in self.formulas if f.vintage == vintage), None)


@dataclass
class Catalogue:
    themes: dict  # id -> French label, in reading order
    indicators: dict = field(default_factory=dict)  # id -> Indicator, in declaration order
    path: Path | None = None

    def __iter__(self):
        return iter(self.indicators.values())

    def __len__(self):
        return len(self.indicators)

    def __getitem__(self, key):
        return self.indicators[key]

    def by_theme(self, theme):
        return [i for i in self if i.theme == theme]

    def add(self, entry):
        """Declare one more indicator (a dict shaped like a catalogue.yaml entry)."""
        indicator = _indicator(entry, self, self.path or "<catalogue>")
        self.indicators[indicator.id] = indicator
        return indicator


def _summed(names):
    names = [names] if isinstance(names, str) else list(names)
    return names, "(" + " + ".join(names) + ")"


def _formula(raw, where):
    kinds = [k for k in FORMULA_KINDS if k in raw]
    if len(kinds) != 1:
        raise ValueError(f"{where}: give exactly one of value, numerator/denominator, growth, expression")
    if "source" not in raw or raw["source"] not in source_meta():
        raise ValueError(f"{where}: unknown source {raw.get('source')!r} (known: {', '.join(source_meta())})")
    if not isinstance(raw.get("vintage"), int):
        raise ValueError(f"{where}: vintage must be a year")
    kind = kinds[0]
    if kind == "value":
        variables, expression = [raw["value"]], raw["value"]
        display = raw["value"]
    elif kind == "numerator":
        if "denominator" not in raw:
            raise ValueError(f"{where}: numerator without denominator")
        num, num_expr = _summed(raw["numerator"])
        den, den_expr = _summed(raw["denominator"])
        scale = raw.get("scale", 100)
        variables = num + den
        expression = f"{num_expr} / {den_expr} * {scale}"
        display = f"{' + '.join(num)} / {' + '.join(den)}" + (f" × {scale}" if scale != 1 else "")
    elif kind == "growth":
        growth = raw["growth"]
        start, start_expr = _summed(growth["start"])
        end, end_expr = _summed(growth["end"])
        years = growth["years"]
        variables = start + end
        expression = f"(({end_expr} / {start_expr}) ** (1 / {years}) - 1) * 100"
        display = f"((fin / début)^(1/{years}) − 1) × 100, début = {' + '.join(start)}, fin = {' + '.join(end)}"
    else:
        expression = raw["expression"]
        variables = sorted(set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", expression)))
        display = expression
    return Formula(raw["source"], raw["vintage"], expression, tuple(variables), display)


def _indicator(raw, catalogue, path):
    where = f"indicator {raw.get('id', '?')}"
    try:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", str(raw.get("id", ""))):
            raise ValueError(f"{where}: id must be snake_case")
        if raw["id"] in catalogue.indicators:
            raise ValueError(f"{where}: duplicate id")
        for name in ("label", "theme", "unit", "polarity", "definition", "aggregation"):
            if not str(raw.get(name, "")).strip():
                raise ValueError(f"{where}: missing {name}")
        if raw["theme"] not in catalogue.themes:
            raise ValueError(f"{where}: unknown theme {raw['theme']!r}")
        if raw["polarity"] not in POLARITIES:
            raise ValueError(f"{where}: polarity must be one of {', '.join(sorted(POLARITIES))}")
        evolution = raw.get("evolution")
        formulas = tuple(_formula(f, f"{where}, formula {n + 1}") for n, f in enumerate(raw.get("formulas") or []))
        if evolution:
            base = catalogue.indicators.get(evolution.get("of"))
            if base is None:
                raise ValueError(f"{where}: evolution of unknown indicator {evolution.get('of')!r} (declare it first)")
            missing = [v for v in (evolution.get("from"), evolution.get("to")) if base.formula(v) is None]
            if missing:
                raise ValueError(f"{where}: {base.id} has no vintage {missing[0]}")
        elif not formulas:
            raise ValueError(f"{where}: no formulas")
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(path, str(exc).strip("'")) from None
    return Indicator(
        raw["id"], raw["label"], raw["theme"], raw["unit"], raw["polarity"], raw["definition"].strip(),
        raw["aggregation"], formulas, evolution, bool(raw.get("key", False)),
    )


def load_catalogue(path=None):
    path = Path(path) if path else DEFAULT_PATH
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(path, f"cannot read catalogue ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark else ""
        raise InputError(path, f"{line}invalid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(raw, dict) or "indicators" not in raw or "themes" not in raw:
        raise InputError(path, "a catalogue needs 'themes' and 'indicators'")
    catalogue = Catalogue({t["id"]: t["label"] for t in raw["themes"]}, path=path)
    for entry in raw["indicators"]:
        catalogue.add(entry)
    return catalogue
