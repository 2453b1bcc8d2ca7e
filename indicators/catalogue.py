"""The indicator catalogue: indicators declared as data (catalogue.yaml), checked on load."""

import re
from dataclasses import dataclass, field
from pathlib import Path

from geodata.errors import InputError
from indicators.declared import read_yaml
from indicators.sources import source_meta

__all__ = [
    "CROSSED_LABEL",
    "DEFAULT_PATH",
    "FORMULA_KINDS",
    "NAME",
    "PERCENT_UNITS",
    "POLARITIES",
    "UNIT_DECIMALS",
    "Catalogue",
    "Derivation",
    "Formula",
    "Indicator",
    "Operand",
    "load_catalogue",
    "parse_formula",
]

DEFAULT_PATH = Path(__file__).parent / "data" / "catalogue.yaml"
POLARITIES = {"higher_is_worse", "higher_is_better", "neutral"}
FORMULA_KINDS = ("value", "numerator", "growth", "expression")
PERCENT_UNITS = {"%", "points", "% par an"}
# decimals each unit is printed with, at most: a source that publishes fewer is printed with its own
UNIT_DECIMALS = {
    "%": 1,
    "% par an": 2,
    "points": 1,
    "‰": 1,
    "€": 0,
    "habitants": 0,
    "ménages": 0,
    "logements": 0,
    "personnes": 2,
    "hab./km²": 0,
    "ratio": 2,
    "score": 2,
}
CROSSED_LABEL = "Indicateurs croisés"  # the heading under which renderers list crossed indicators
NAME = r"\b[A-Za-z_]\w*"  # a variable or operand name in an expression


@dataclass(frozen=True)
class Formula:
    source: str
    vintage: int
    expression: str
    variables: tuple
    display: str  # how the formula reads in the dictionary


@dataclass(frozen=True)
class Operand:
    name: str  # as written in the expression
    indicator: str
    vintage: int
    describe: str  # how a missing value is named: "valeur {describe} manquante"


@dataclass(frozen=True)
class Derivation:
    """An indicator computed from other indicators' values of the same territory (evolution, crossed)."""

    vintage: int
    expression: str
    operands: tuple
    sources: tuple
    display: str  # the expression with "indicator (vintage)" for each operand

    @property
    def variables(self) -> tuple[str, ...]:
        """The operand names, so compute.evaluate runs a derivation like a formula."""
        return tuple(o.name for o in self.operands)


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
    derivations: tuple = ()  # one per vintage, for evolution and crossed entries
    crossed: bool = False  # combines other indicators: listed under "Indicateurs croisés"
    # False for what only a figure of its theme draws (the age bands of parts.yaml): computed and
    # documented like any indicator, but not a line of the theme's table, maps or comparisons
    listed: bool = True

    @property
    def is_rate(self) -> bool:
        return self.unit in PERCENT_UNITS

    @property
    def vintages(self) -> tuple[int, ...]:
        return tuple(sorted({f.vintage for f in self.formulas + self.derivations}, reverse=True))

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(
            dict.fromkeys(
                [f.source for f in self.formulas] + [s for d in self.derivations for s in d.sources]
            )
        )

    def formula(self, vintage: int) -> Formula | None:
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

    def by_theme(self, theme: str) -> list[Indicator]:
        """The indicators a theme lists (its table, its maps), in declaration order; not those only a
        figure draws (`listed: false`)."""
        return [i for i in self if i.theme == theme and i.listed]

    def crossed(self) -> list[Indicator]:
        """The crossed indicators, in declaration order, whatever their theme."""
        return [i for i in self if i.crossed]

    def add(self, entry: dict) -> Indicator:
        """Declare one more indicator (a dict shaped like a catalogue.yaml entry)."""
        indicator = _indicator(entry, self, self.path or "<catalogue>")
        self.indicators[indicator.id] = indicator
        return indicator


def _summed(names):
    names = [names] if isinstance(names, str) else list(names)
    return names, "(" + " + ".join(names) + ")"


def parse_formula(raw: dict, where: str) -> Formula:
    """One formula entry (value, numerator/denominator, growth or expression) checked and compiled;
    `where` names the entry in the ValueError. IRIS indicators (iris.yaml) are read with it too."""
    kinds = [k for k in FORMULA_KINDS if k in raw]
    if len(kinds) != 1:
        raise ValueError(
            f"{where}: give exactly one of value, numerator/denominator, growth, expression"
        )
    if "source" not in raw or raw["source"] not in source_meta():
        raise ValueError(
            f"{where}: unknown source {raw.get('source')!r} (known: {', '.join(source_meta())})"
        )
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


def _operand(name, raw, catalogue, where, describe=None):
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: operand {name} must read {{indicator: ID, vintage: YEAR}}")
    base = catalogue.indicators.get(raw.get("indicator"))
    if base is None:
        raise ValueError(
            f"{where}: operand {name} is the unknown indicator {raw.get('indicator')!r} (declare it first)"
        )
    if raw.get("vintage") not in base.vintages:
        raise ValueError(f"{where}: {base.id} has no vintage {raw.get('vintage')}")
    return Operand(
        name,
        base.id,
        raw["vintage"],
        describe or f"{raw['vintage']} de l'indicateur « {base.label} »",
    )


def _sources_of(indicator, vintage):
    formula = indicator.formula(vintage)
    if formula:
        return (formula.source,)
    return next(d.sources for d in indicator.derivations if d.vintage == vintage)


def _derivation(expression, operands, catalogue, vintage):
    by_name = {o.name: o for o in operands}
    display = re.sub(
        NAME, lambda m: f"{by_name[m[0]].indicator} ({by_name[m[0]].vintage})", expression
    )
    sources = tuple(
        dict.fromkeys(s for o in operands for s in _sources_of(catalogue[o.indicator], o.vintage))
    )
    return Derivation(vintage, expression, tuple(operands), sources, display)


def _evolution(spec, catalogue, where):
    if spec.get("of") not in catalogue.indicators:
        raise ValueError(
            f"{where}: evolution of unknown indicator {spec.get('of')!r} (declare it first)"
        )
    start, end = (
        _operand(
            name,
            {"indicator": spec["of"], "vintage": spec.get(key)},
            catalogue,
            where,
            str(spec.get(key)),
        )
        for name, key in (("a", "from"), ("b", "to"))
    )
    expression = "b - a" if catalogue[spec["of"]].is_rate else "(b / a - 1) * 100"
    return (_derivation(expression, (start, end), catalogue, end.vintage),)


def _crossed(specs, catalogue, where):
    """One derivation per vintage: an expression over named operands {indicator, vintage}."""
    derivations = []
    for spec in specs if isinstance(specs, list) else [specs]:
        if not isinstance(spec, dict) or not isinstance(spec.get("expression"), str):
            raise ValueError(f"{where}: crossed needs an expression and its operands")
        operands = {name: raw for name, raw in spec.items() if name != "expression"}
        names = set(re.findall(NAME, spec["expression"]))
        if names != set(operands):
            raise ValueError(
                f"{where}: the expression uses {', '.join(sorted(names))} but the operands are {', '.join(sorted(operands))}"
            )
        try:
            compile(spec["expression"], where, "eval")
        except SyntaxError:
            raise ValueError(f"{where}: invalid expression {spec['expression']!r}") from None
        resolved = [_operand(name, raw, catalogue, where) for name, raw in operands.items()]
        derivations.append(
            _derivation(spec["expression"], resolved, catalogue, max(o.vintage for o in resolved))
        )
    vintages = [d.vintage for d in derivations]
    if len(set(vintages)) < len(vintages):
        raise ValueError(f"{where}: two crossed expressions give the same vintage")
    return tuple(derivations)


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
        kinds = [k for k in ("formulas", "evolution", "crossed") if raw.get(k)]
        if len(kinds) != 1:
            raise ValueError(f"{where}: give exactly one of formulas, evolution, crossed")
        formulas = tuple(
            parse_formula(f, f"{where}, formula {n + 1}")
            for n, f in enumerate(raw.get("formulas") or [])
        )
        derivations = ()
        if raw.get("evolution"):
            derivations = _evolution(raw["evolution"], catalogue, where)
        elif raw.get("crossed"):
            derivations = _crossed(raw["crossed"], catalogue, where)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(path, str(exc).strip("'")) from None
    return Indicator(
        raw["id"],
        raw["label"],
        raw["theme"],
        raw["unit"],
        raw["polarity"],
        raw["definition"].strip(),
        raw["aggregation"],
        formulas,
        raw.get("evolution"),
        bool(raw.get("key", False)),
        derivations,
        bool(raw.get("crossed")),
        bool(raw.get("listed", True)),
    )


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    path = Path(path) if path else DEFAULT_PATH
    raw = read_yaml(path, "catalogue")
    if not isinstance(raw, dict) or "indicators" not in raw or "themes" not in raw:
        raise InputError(path, "a catalogue needs 'themes' and 'indicators'")
    catalogue = Catalogue({t["id"]: t["label"] for t in raw["themes"]}, path=path)
    for entry in raw["indicators"]:
        catalogue.add(entry)
    return catalogue
