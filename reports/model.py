"""The portrait model: everything a portrait says, as data, built from a loaded Territory.

Renderers (HTML, PDF, CSV, charts, maps) only read this model; they never go
back to the sources. Every figure reads its numbers from the catalogue's indicators
(catalogue.yaml, iris.yaml); the parts, their tables and figures are declared in parts.yaml.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from geodata.errors import InputError
from geodata.yamlfile import load_yaml
from indicators.groups import GroupTerritory
from indicators.iris import iris_catalogue, iris_values
from indicators.parts import FigureSpec, load_parts
from indicators.sources import citation, source_meta
from indicators.territory import Territory, earlier_references, fold, shown_value
from reports import figures
from reports.formatting import (
    ESTIMATE_MARK,
    MISSING,
    NBSP,
    format_date,
    format_rank,
    format_row,
    format_value,
    is_missing,
    legend_decimals,
    shown_decimals,
)
from reports.french import in_departement, of, of_departement
from reports.phrases import (
    Facts,
    Sentence,
    headline,
    indicator_sentence,
    notability,
    phrase_table,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COUNT_UNITS",
    "ESTIMATE_NOTE",
    "LEVELS",
    "LICENCE",
    "MAP_INDICATORS",
    "MAX_FINDINGS",
    "PART_FIGURES",
    "Cell",
    "Chart",
    "Notes",
    "Portrait",
    "Row",
    "Section",
    "build_portrait",
    "build_rows",
    "publisher",
    "map_chart",
    "members_table",
    "rank_text",
    "slugify",
]

LICENCE = "Licence Ouverte / Open Licence"
MAP_INDICATORS = [
    "taux_pauvrete",
    "niveau_vie_median",
    "taux_chomage_15_64",
    "part_familles_monoparentales",
    "part_locataires_hlm",
    "part_sans_diplome",
]


def slugify(name: str) -> str:
    """A file-name-safe slug: ASCII letters and digits joined by hyphens, never a path."""
    return "-".join(re.findall(r"[a-z0-9]+", fold(name))) or "commune"


@dataclass
class Cell:
    text: str
    note: int | None = None
    value: float | None = None


@dataclass
class Row:
    id: str
    label: str
    unit: str
    vintage: int
    value: Cell
    departement: Cell
    region: Cell
    france: Cell
    rank: str
    evolution: str
    source: str
    definition: str
    sentence: object = None
    earlier: bool = False  # a line of an earlier vintage, shown for references the latest one lacks
    france_name: str = (
        ""  # France métropolitaine or France entière: the territory the France cell is for
    )


@dataclass
class Chart:
    """A figure, chart or map: `kind` names its kind in reports/figures.py, and `data` has that kind's
    shape (checked when the figure is made)."""

    id: str
    kind: str
    title: str
    alt: str
    source: str
    columns: list
    rows: list  # the chart's data, shown as a table next to it
    data: dict = field(default_factory=dict)  # what the drawing needs
    image: str | None = None  # file name of the drawn image, set by the build
    digest: str | None = None  # key of the image's inputs, set by the build

    def __post_init__(self) -> None:
        figures.kind(self.kind).check(self.data)

    @property
    def figure_kind(self) -> figures.FigureKind:
        """Its kind in the registry: chart or map, its drawer, the shape of its data."""
        return figures.kind(self.kind)


@dataclass
class Section:
    id: str
    label: str
    title: str
    headline: object
    rows: list
    sentences: list
    charts: list = field(default_factory=list)
    themes: tuple[str, ...] = ()  # the catalogue themes the part gathers

    @property
    def unpublished(self) -> bool:
        """Whether a reference cell says that no value is published for its territory (UNPUBLISHED)."""
        return any(
            r.rank == UNPUBLISHED
            or any(
                getattr(r, level).text == UNPUBLISHED
                for level in ("departement", "region", "france")
            )
            for r in self.rows
        )

    @property
    def columns(self) -> list[str]:
        """Reference columns with at least one value; the others are said once under the table."""
        return [
            level
            for level in ("region", "france")
            if any(getattr(r, level).value is not None for r in self.rows)
        ]

    @property
    def empty_columns(self) -> list[str]:
        return [level for level in ("region", "france") if level not in self.columns]


@dataclass
class Portrait:
    code: str
    name: str
    slug: str
    dept: str
    dept_name: str
    region_name: str
    date: str
    vintages: list
    key_figures: list
    sections: list
    notes: list
    annex: list
    sources: list
    perimeter_notes: list
    maps: list
    cover_map: Chart | None = None
    crossed_rows: list = field(default_factory=list)  # the crossed indicators' rows, one table
    kind: str = "commune"
    extra: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return "Portrait de territoire" if self.kind == "groupe" else "Portrait de ville"

    @property
    def of_name(self) -> str:
        """ "d'Aubervilliers", "du Blanc-Mesnil", "de Plaine Commune"."""
        return of(self.name)

    @property
    def in_departement(self) -> str:
        """ "en Seine-Saint-Denis", "dans le Val-de-Marne"."""
        return in_departement(self.dept, self.dept_name)

    @property
    def publisher(self) -> str:
        """The service and institution that publish the portrait (reports/data/publisher.yaml)."""
        return publisher(self.dept, self.dept_name)

    @property
    def peers(self) -> str:
        return "territoires du département" if self.kind == "groupe" else "communes du département"

    @property
    def folder(self) -> str:
        """The portrait's folder, a single name: a code that could name a path elsewhere is refused."""
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_]*", self.code):
            raise InputError(
                None,
                f"territory code {self.code!r} cannot name a folder (letters, digits and _ only)",
            )
        return f"{self.code}-{self.slug}"

    @property
    def sentences(self) -> list[Sentence]:
        out = [s.headline for s in self.sections if s.headline]
        for section in self.sections:
            out.extend(section.sentences)
        return out


ESTIMATE_NOTE = (
    "(e) estimation à partir des communes : aucune valeur n'est publiée pour ce territoire ; elle est calculée à partir "
    "des taux des communes, arrondis par l'Insee et pondérés par leurs effectifs, et une valeur publiée pourrait en différer"
)


PUBLISHER = Path(__file__).parent / "data" / "publisher.yaml"


@cache
def publisher(dept: str, dept_name: str = "") -> str:
    """ "Service de l'Observatoire départemental (DSOE), Département de la Seine-Saint-Denis"."""
    table = load_yaml(PUBLISHER.read_text(encoding="utf-8"))
    entry = (table.get("departements") or {}).get(str(dept)) or table["default"]
    words = {"of_departement": of_departement(dept, dept_name)}
    return f"{entry['service'].format(**words)}, {entry['institution'].format(**words)}"


def _breakable(text, unit):
    """A table cell may wrap between a figure and a unit in words ("1 681 725 / habitants"), never inside the figure."""
    return text.replace(f"{NBSP}{unit}", f" {unit}") if unit[:1].isalpha() or " " in unit else text


class Notes:
    """Numbered notes for missing values, estimates and published references, one number per distinct text."""

    def __init__(self):
        self.numbers = {}

    def number(self, text: str) -> int:
        return self.numbers.setdefault(text, len(self.numbers) + 1)

    def cell(
        self,
        value: float | None,
        unit: str,
        reason: str | None,
        note: str = "",
        old: float | None = None,
        decimals: float | None = None,
        estimate: bool = False,
    ) -> Cell:
        if is_missing(value):
            text = reason or "valeur manquante"
            if note and not is_missing(old):
                text = (
                    f"{text} ; {note} : {format_value(old, unit, shown_decimals(unit, decimals))}"
                )
            return Cell(MISSING, self.number(text), None)
        text = _breakable(format_value(value, unit, shown_decimals(unit, decimals)), unit)
        if estimate:
            return Cell(text + ESTIMATE_MARK, self.number(ESTIMATE_NOTE), value)
        return Cell(text, self.number(note) if note else None, value)

    def reference(self, ref: pd.Series | None, unit: str, own_source: str) -> Cell:
        """A reference territory's cell; a published value read elsewhere than the commune's source cites it.

        A reference without a value (the sources do not cover it, the Insee publishes no median or
        share for it and none can be computed, or secrecy leaves too many communes without a value) is
        UNPUBLISHED, said once under the table; "n.d." is for the territory's own missing values, each
        with its reason in a note."""
        if ref is None or is_missing(ref["value"]):
            return Cell(UNPUBLISHED, None)
        cell = self.cell(
            ref["value"],
            unit,
            ref["missing_reason"],
            decimals=ref["decimals"],
            estimate=bool(ref["estimate"]),
        )
        if cell.value is not None and cell.note is None and ref["source"] != own_source:
            cell.note = self.number(f"{ref['name']} : {ref['source']}")
        return cell

    def items(self) -> list[tuple[int, str]]:
        return [(n, text) for text, n in self.numbers.items()]


UNPUBLISHED = "—"


def _latest(territory, code):
    rows = territory.rows_of(code).sort_values("vintage")
    return rows.drop_duplicates("indicator", keep="last").set_index("indicator")


def _references(territory):
    """Département, région and France rows by (indicator, vintage), built once per territory."""
    return territory.reference_rows()


def _is_group(territory):
    return isinstance(territory, GroupTerritory)


def _base(territory):
    """The territory of the département's communes: a group's base, else the territory itself."""
    return territory.base if _is_group(territory) else territory


def _known_vintages(own):
    """{indicator: [(vintage, value, decimals, estimate), ...]} of the known values, oldest first."""
    known = own.dropna(subset=["value"]).sort_values("vintage")
    out = {}
    for row in zip(
        known["indicator"], known["vintage"], known["value"], known["decimals"], known["estimate"]
    ):
        out.setdefault(row[0], []).append((int(row[1]), *row[2:]))
    return out


def _evolution(series, indicator, latest_vintage):
    """The change from the oldest to the latest vintage, e.g. "−2,3 points depuis 2012", between two
    values of the same kind, and in whole points when the rates are published as whole numbers."""
    if indicator.derivations or indicator.evolution or len(series) < 2:
        return ""
    (
        (first_vintage, first, first_decimals, first_estimate),
        (last_vintage, last, last_decimals, last_estimate),
    ) = series[0], series[-1]
    if (
        last_vintage != latest_vintage
        or first_vintage == last_vintage
        or bool(first_estimate) != bool(last_estimate)
    ):
        return ""
    if indicator.is_rate:
        decimals = min(
            shown_decimals(indicator.unit, first_decimals),
            shown_decimals(indicator.unit, last_decimals),
        )
        change = format_value(last - first, "points", min(decimals, shown_decimals("points")))
    else:
        change = format_value((last / first - 1) * 100, "%", decimals=1)
        change = change if change.startswith(("−", "0,0")) else "+" + change
    return f"{change} depuis {first_vintage}"


def _facts(indicator, row, territory=None, refs=None):
    """The facts a sentence may use; a count is never compared with the département's total."""
    ref = None if indicator.unit in COUNT_UNITS else row["departement_value"]
    dept = (
        _known(_reference(refs, "departement", indicator.id, row["vintage"]))
        if refs is not None
        else None
    )
    return Facts(
        indicator.id,
        row["value"],
        ref,
        row["rank"],
        row["rank_of"],
        indicator.is_rate,
        indicator.unit,
        row["ties"],
        row["decimals"],
        rank_text(territory, row) if territory is not None else "",
        int(row["vintage"]),
        bool(dept is not None and dept["estimate"]),
        None if dept is None else dept["decimals"],
        bool(row["estimate"]),
        _operand_years(indicator, int(row["vintage"])),
    )


def _operand_years(indicator, vintage):
    """ "2021 et 2022" for a crossed indicator whose operands are of several vintages, else ""."""
    derivation = next((d for d in indicator.derivations if d.vintage == vintage), None)
    years = (
        sorted({o.vintage for o in derivation.operands})
        if derivation and not indicator.evolution
        else []
    )
    return " et ".join(str(y) for y in years) if len(years) > 1 else ""


COUNT_UNITS = {"habitants", "ménages", "logements"}
MAX_FINDINGS = 4


def _findings(rows, lead=None):
    """The 2 to 4 most notable sentences of a part, `lead` (the population's) first; counts of
    households and dwellings left out."""
    sentences = [
        r.sentence
        for r in rows
        if r.sentence is not None
        and r.unit not in COUNT_UNITS
        and not (lead and r.id == lead.facts.indicator)
    ]
    newest = max((s.facts.year for s in sentences), default=0)
    ranked = sorted(
        sentences,
        key=lambda s: -notability(s.facts) + (1 if s.facts.year < newest - RECENT_YEARS else 0),
    )
    room = MAX_FINDINGS - (1 if lead else 0)
    keep = set(id(s) for s in ranked[:room])
    return ([lead] if lead else []) + [s for s in sentences if id(s) in keep]


def _population_sentence(territory, code):
    """The population in words: its share of the département, its rank, its change since the oldest
    census and the département's ("5,3 % de la population du département", "+18,4 % depuis 2011")."""
    rows = territory.rows_of(code)
    rows = rows[(rows["indicator"] == "population") & rows["value"].notna()].sort_values("vintage")
    if code == territory.dept or len(rows) == 0:
        return None
    last, first = rows.iloc[-1], rows.iloc[0]
    dept = territory.value(territory.dept, "population", int(last["vintage"]))
    if is_missing(dept["value"]) or not dept["value"]:
        return None
    indicator = territory.catalogue["population"]
    name, year = territory.name_of(code), int(last["vintage"])
    share = format_value(last["value"] / dept["value"] * 100, "%", 1)
    text = (
        f"En {year}, {name} compte {format_value(last['value'], 'habitants')}, soit {share} de la "
        f"population {of_departement(territory.dept, territory.name)} ({rank_text(territory, last)})."
    )
    dept_first = territory.value(territory.dept, "population", int(first["vintage"]))
    if int(first["vintage"]) < year and not is_missing(dept_first["value"]):
        change = (last["value"] / first["value"] - 1) * 100
        dept_change = (dept["value"] / dept_first["value"] - 1) * 100
        text += (
            f" Depuis {int(first['vintage'])}, sa population a {_moved(change)} de "
            f"{format_value(abs(change), '%', 1)}, {_pace(change, dept_change)} "
            f"({_signed_percent(dept_change)})."
        )
    facts = _facts(indicator, last, territory, _references(territory))
    return Sentence(text, facts, {})


def _moved(change):
    return "augmenté" if change > 0 else "diminué" if change < 0 else "stagné"


def _pace(change, dept_change):
    """How the commune's change compares with the département's, said of the same direction."""
    if round(change, 1) == round(dept_change, 1):
        return "comme celle du département"
    if (change > 0) != (dept_change > 0) or dept_change == 0:
        return f"alors que celle du département a {_moved(dept_change)}"
    faster = abs(change) > abs(dept_change)
    return f"{'plus' if faster else 'moins'} que celle du département"


def _signed_percent(value):
    text = format_value(abs(value), "%", 1)
    return ("+" if value > 0 else "−" if value < 0 else "") + text


def _reference(refs, level, indicator_id, vintage):
    key = (indicator_id, vintage)
    return refs[level].loc[key] if key in refs[level].index else None


def _known(ref):
    return None if ref is None or is_missing(ref["value"]) else ref


LEVELS = ("departement", "region", "france")


def rank_text(territory: Territory, row: Any) -> str:
    """The rank of a commune's row: ex aequo when others share its printed value, out of those with a value."""
    if is_missing(row["value"]):
        return UNPUBLISHED  # no value, no rank: the value's own cell says why
    peers = "territoires" if _is_group(territory) else "communes"
    return format_rank(row["rank"], row["rank_of"], row["ties"], len(territory.communes), peers)


def _row(territory, indicator, row, refs, notes, known, earlier=False):
    references = {level: _reference(refs, level, indicator.id, row["vintage"]) for level in LEVELS}
    cells = {
        level: notes.reference(ref, indicator.unit, row["source"])
        for level, ref in references.items()
    }
    facts = _facts(indicator, row, territory, refs)
    sentence = (
        None
        if earlier or is_missing(row["value"])
        else indicator_sentence(facts, indicator.label, indicator.unit)
    )
    own = notes.cell(
        row["value"],
        indicator.unit,
        row["missing_reason"],
        row["note"],
        row["old_perimeter_value"],
        row["decimals"],
        bool(row["estimate"]),
    )
    if indicator.evolution:  # a change: its sign is part of it
        for cell in (own, *cells.values()):
            cell.text = _signed(cell)
    france = _known(references["france"])
    return Row(
        indicator.id,
        indicator.label,
        indicator.unit,
        int(row["vintage"]),
        own,
        cells["departement"],
        cells["region"],
        cells["france"],
        rank_text(territory, row),
        "" if earlier else _evolution(known.get(indicator.id, []), indicator, row["vintage"]),
        row["source"],
        indicator.definition,
        sentence,
        earlier,
        "" if france is None else france["name"],
    )


def _signed(cell):
    return (
        "+" + cell.text
        if cell.value is not None and cell.value > 0 and not cell.text.startswith("+")
        else cell.text
    )


def build_rows(
    territory: Territory,
    code: str,
    theme: str,
    notes: Notes,
    indicators: tuple[str, ...] | None = None,
    earlier_levels: tuple[str, ...] = LEVELS,
) -> list[Row]:
    """The theme's table (or only `indicators`, in their order): each indicator at its latest vintage,
    and on a line of its own the earlier vintage whose references the latest one lacks (the 2019
    medians beside a 2021 without them), for the reference levels of `earlier_levels`."""
    own = territory.rows_of(code)
    known = _known_vintages(own)
    latest = _latest(territory, code)
    refs = _references(territory)
    rows = []
    chosen = (
        [territory.catalogue[i] for i in indicators]
        if indicators is not None
        else territory.catalogue.by_theme(theme)
    )
    for indicator in chosen:
        if indicator.id not in latest.index:
            continue
        row = latest.loc[indicator.id]
        rows.append(_row(territory, indicator, row, refs, notes, known))
        mine = own[own["indicator"] == indicator.id]
        candidates = territory.rows_for(indicator.id)[["level", "vintage", "value"]]  # slim: fast
        candidates = candidates[candidates["level"].isin(("commune", *earlier_levels))]
        for vintage in earlier_references(candidates, row["vintage"]):
            previous = mine[mine["vintage"] == vintage]
            if len(previous):
                rows.append(
                    _row(territory, indicator, previous.iloc[0], refs, notes, known, earlier=True)
                )
    return rows


RECENT_YEARS = 3  # a part's title rests on a figure at most this much older than its latest


def _section_headline(territory, code, part, rows=()):
    """The part's title: its most telling finding among the candidates of phrases.yaml, from a recent
    vintage (not a 2016 figure beside 2022 ones)."""
    latest = _latest(territory, code)
    newest = max((r.vintage for r in rows if r.value.value is not None), default=None)
    best, best_score = None, 0.0
    for indicator_id in phrase_table()["headline_candidates"].get(part, []):
        if indicator_id not in latest.index or is_missing(latest.loc[indicator_id, "value"]):
            continue
        if newest and latest.loc[indicator_id, "vintage"] < newest - RECENT_YEARS:
            continue
        facts = _facts(
            territory.catalogue[indicator_id],
            latest.loc[indicator_id],
            territory,
            _references(territory),
        )
        sentence = headline(facts)
        score = notability(facts)
        if sentence and (best is None or score > best_score):
            best, best_score = sentence, score
    return best


@dataclass(frozen=True)
class _Part:
    """What a part's figures are made from: the territory, the portrait's code, the theme, its table."""

    territory: Territory
    code: str
    theme: str
    rows: list


def _position_chart(part, spec):
    """Each commune as a dot for the theme's headline indicators, the portrait's commune highlighted."""
    territory, code, theme = part.territory, part.code, part.theme
    peers = "territoires du département" if _is_group(territory) else "communes du département"
    ids = [
        i
        for i in phrase_table()["headline_candidates"].get(theme, [])
        if i in territory.catalogue.indicators
    ][:4]
    series, rows, sources = [], [], []
    for indicator_id in ids:
        indicator = territory.catalogue[indicator_id]
        candidates = territory.rows_for(indicator_id)
        latest_vintage = candidates[
            (candidates["level"] == "commune") & candidates["value"].notna()
        ]["vintage"].max()
        if is_missing(latest_vintage):
            continue
        sub = candidates[candidates["vintage"] == latest_vintage]
        communes = sub[sub["level"] == "commune"].dropna(subset=["value"])
        own = communes[communes["code"] == code]
        if own.empty:
            continue
        dept = sub[sub["level"] == "departement"]["value"]
        sources.append(own["source"].iloc[0])
        series.append(
            figures.PositionSeries(
                label=f"{indicator.label} ({int(latest_vintage)})",
                unit=indicator.unit,
                values=communes["value"].tolist(),
                own=float(own["value"].iloc[0]),
                own_text=format_row(own.iloc[0], indicator.unit),
                departement=float(dept.iloc[0])
                if len(dept) and not is_missing(dept.iloc[0])
                else None,
            )
        )
        places = shown_decimals(indicator.unit, own["decimals"].iloc[0])
        rows.append(
            [
                indicator.label,
                int(latest_vintage),
                format_row(own.iloc[0], indicator.unit),
                rank_text(territory, own.iloc[0]),
                format_value(communes["value"].min(), indicator.unit, places),
                format_value(communes["value"].max(), indicator.unit, places),
            ]
        )
    if not series:
        return None
    name = territory.name_of(code)
    alt = (
        f"Nuage de points : position {of(name)} parmi les {len(territory.communes)} {peers} pour "
        + ", ".join(f"{r[0].lower()} ({r[3]})" for r in rows)
        + "."
    )
    return Chart(
        spec.id,
        "position",
        f"Position parmi les {peers}",
        alt,
        " ; ".join(sources),
        ["Indicateur", "Année", name, "Rang", "Minimum", "Maximum"],
        rows,
        figures.PositionData(series=series, name=name),
    )


def _members(territory, code):
    """The communes a portrait covers: itself, or a group's communes."""
    return list(territory.members(code)) if _is_group(territory) else [code]


def _ages_chart(part, spec):
    """The population by age band, the territory against the département, from the band indicators."""
    territory, code, catalogue = part.territory, part.code, part.territory.catalogue
    bands, vintage = spec.bands, spec.vintage
    own_rows = territory.rows_of(code)
    own_rows = own_rows[own_rows["vintage"] == vintage].set_index("indicator")["value"]
    refs = _references(territory)
    own = [own_rows.get(b.indicator) for b in bands]
    dept = [_known(_reference(refs, "departement", b.indicator, vintage)) for b in bands]
    if any(is_missing(v) for v in own) or any(d is None for d in dept):
        return None
    own_share = [float(v) for v in own]
    dept_share = [float(d["value"]) for d in dept]
    units = [catalogue[b.indicator].unit for b in bands]
    rows = [
        [b.label, format_value(o, unit), format_value(d, unit)]
        for b, o, d, unit in zip(bands, own_share, dept_share, units)
    ]
    name = territory.name_of(code)
    first = bands[0].said or bands[0].label
    alt = (
        f"Barres horizontales : répartition de la population par âge en {vintage}, {name} et {territory.name}. "
        f"{first[:1].upper() + first[1:]} représentent {rows[0][1]} de la population {'du territoire' if _is_group(territory) else 'de la commune'}, contre {rows[0][2]} dans le département."
    )
    sources = dict.fromkeys(catalogue[b.indicator].formula(vintage).source for b in bands)
    return Chart(
        spec.id,
        "ages",
        f"Population par tranche d'âge en {vintage}",
        alt,
        " ; ".join(citation(s, vintage) for s in sources),
        ["Tranche d'âge", name, territory.name],
        rows,
        figures.AgesData(
            labels=[b.label for b in bands],
            commune=own_share,
            departement=dept_share,
            names=[name, territory.name],
        ),
    )


def _iris_indicator(indicator_id):
    """(entry, formula) of an IRIS indicator of iris.yaml."""
    return next((e, f) for e, f in iris_catalogue() if e["id"] == indicator_id)


def _iris_rows(territory, code, indicator_id):
    """One IRIS indicator's values for the commune's IRIS (value, missing_reason, decimals), by IRIS code."""
    values = iris_values(territory, code)
    return values[values["indicator"] == indicator_id].set_index("iris")


def _published(rows):
    """The decimals the source publishes an IRIS indicator with, or None."""
    decimals = rows["decimals"].iloc[0] if len(rows) else None
    return None if is_missing(decimals) else int(decimals)


IRIS_SHOWN = 10
DECLARED_SOURCE = "filosofi_iris"  # income declared to the tax office, not disposable income
DECLARED_INCOME = (
    "revenus déclarés au fisc par unité de consommation, avant impôts et prestations sociales "
    "(ils ne se comparent pas au niveau de vie de la commune, qui les inclut)"
)


def _iris_chart(part, spec):
    """An IRIS indicator for each IRIS of the commune, lowest first, with more IRIS indicators in its table."""
    territory, code = part.territory, part.code
    entry, formula = _iris_indicator(spec.iris_indicator)
    own = _iris_rows(territory, code, entry["id"])
    if own.empty:
        return None
    ordered = own["value"].sort_values()
    shapes = territory.iris_shapes()
    names = dict(zip(shapes["code"], shapes["name"])) if shapes is not None else {}
    columns = [(_iris_indicator(i)[0], _iris_rows(territory, code, i)) for i in spec.iris_columns]
    rows = [
        [
            names.get(c, c),
            format_value(v, entry["unit"])
            if not is_missing(v)
            else f"{MISSING} ({own.loc[c, 'missing_reason'] or 'valeur manquante'})",
            *(
                format_value(
                    other["value"].get(c, np.nan),
                    other_entry["unit"],
                    shown_decimals(other_entry["unit"], _published(other)),
                )
                for other_entry, other in columns
            ),
        ]
        for c, v in ordered.items()
    ]
    known = ordered.dropna()
    if known.empty:
        return None
    vintage, unit = formula.vintage, entry["unit"]
    alt = (
        f"Barres horizontales : {entry['label'].lower()} dans les {len(own)} IRIS "
        f"{of(territory.name_of(code))} en {vintage}, de {format_value(known.min(), unit)} à {format_value(known.max(), unit)}."
    )
    title = f"{spec.title} en {vintage}"
    if len(known) > 2 * IRIS_SHOWN:  # 39 labels overlap: the ends, the full list in the data table
        known = known.iloc[list(range(IRIS_SHOWN)) + list(range(-IRIS_SHOWN, 0))]
        title += f" : les {IRIS_SHOWN} IRIS les plus bas et les {IRIS_SHOWN} plus hauts"
    return Chart(
        spec.id,
        "iris",
        title,
        alt,
        citation(formula.source, vintage)
        + (f" ; {DECLARED_INCOME}" if formula.source == DECLARED_SOURCE else ""),
        ["IRIS", spec.column, *(other_entry["label"] for other_entry, _ in columns)],
        rows,
        figures.IrisBarsData(names=[names.get(c, c) for c in known.index], values=known.tolist()),
    )


def _iris_map(part, spec):
    """A static map of an IRIS indicator over the commune's IRIS, with the IRIS of the data that the
    contours do not match."""
    territory, code = part.territory, part.code
    entry, formula = _iris_indicator(spec.iris_indicator)
    shapes = territory.iris_shapes()
    if shapes is None:
        return None
    own = _iris_rows(territory, code, entry["id"])
    drawn = set(shapes.loc[shapes["commune"] == code, "code"])
    if own.empty or not drawn:
        return None
    label, vintage = entry["label"], formula.vintage
    values = {c: v for c, v in own["value"].items() if not is_missing(v)}
    withheld = len(drawn) - len(set(values) & drawn)
    alt = (
        f"Carte des {len(drawn)} IRIS {of(territory.name_of(code))} : {label.lower()} en {vintage}."
        + (
            f" {withheld} IRIS sans valeur diffusée {'est hachuré' if withheld == 1 else 'sont hachurés'}."
            if withheld
            else ""
        )
    )
    return Chart(
        spec.id,
        "iris_map",
        f"{label} par IRIS ({vintage})",
        alt,
        f"{citation(formula.source, vintage)} ; IGN, Contours IRIS"
        + (f" ; {DECLARED_INCOME}" if formula.source == DECLARED_SOURCE else ""),
        [],
        [],
        figures.IrisMapData(
            commune=code,
            values=values,
            unit=entry["unit"],
            polarity=entry["polarity"],
            unmatched=sorted(set(own.index) - drawn),
            withheld=withheld,
            published=_published(own),
        ),
    )


@dataclass(frozen=True)
class _PartFigure:
    """How the model makes one kind of a part's figures, and the keys of parts.yaml it needs."""

    build: Callable[[_Part, FigureSpec], Chart | None]
    needs: tuple[str, ...] = ()


# The figures a part may show (parts.yaml), each of the kind of reports/figures.py it is named by.
PART_FIGURES = {
    "position": _PartFigure(_position_chart),
    "ages": _PartFigure(_ages_chart, ("vintage", "bands")),
    "iris": _PartFigure(_iris_chart, ("iris_indicator", "title", "column")),
    "iris_map": _PartFigure(_iris_map, ("iris_indicator",)),
}
for _name in PART_FIGURES:
    figures.kind(_name)  # a part's figure is of a declared kind


def map_chart(
    territory: Territory,
    code: str | None,
    indicator_id: str,
    highlight: str | list[str] | None = None,
    name: str | None = None,
) -> Chart | None:
    """A choropleth of the département's communes; `highlight` outlines a commune or a group's communes."""
    indicator = territory.catalogue[indicator_id]
    rows = territory.rows_for(indicator_id)
    rows = rows[rows["level"] == "commune"]
    known = rows[rows["value"].notna()]
    if known.empty:
        return None
    vintage = int(known["vintage"].max())
    sub = rows[rows["vintage"] == vintage]
    own = sub[sub["code"] == code]
    own_text = format_row(own.iloc[0], indicator.unit) if len(own) else MISSING
    name = name or (territory.name_of(code) if code else territory.name)
    alt = (
        f"Carte des communes du département : {indicator.label.lower()} en {vintage}, en classes de couleur. "
        f"Le contour {of(name)} est tracé en noir"
        + (f" ; sa valeur est {own_text}." if len(own) else ".")
    )
    return Chart(
        f"carte-{indicator_id}",
        "choropleth",
        f"{indicator.label} ({vintage})",
        alt,
        f"{sub['source'].iloc[0]} ; IGN, Admin Express",
        [],
        [],
        figures.ChoroplethData(
            indicator=indicator_id,
            vintage=vintage,
            unit=indicator.unit,
            polarity=indicator.polarity,
            values=dict(zip(sub["code"], sub["value"])),
            highlight=highlight or code,
            label=indicator.label,
            published=legend_decimals(
                dict(zip(sub["code"], sub["value"])), dict(zip(sub["code"], sub["decimals"]))
            ),
        ),
    )


def _annex(territory, used):
    """The definition of each indicator the portrait shows (the page adds its formula and aggregation)."""
    rows = []
    for indicator in territory.catalogue:
        if indicator.id not in used:
            continue
        formulas = "; ".join(
            f"{f.vintage} : {f.display}"
            for f in tuple(indicator.formulas) + tuple(indicator.derivations)
        )
        rows.append(
            {
                "label": indicator.label,
                "definition": indicator.definition,
                "aggregation": indicator.aggregation,
                "formula": formulas,
            }
        )
    return rows


def _sources(territory):
    seen = {}
    for (family, vintage), table in territory.tables.items():
        meta = source_meta()[family]
        seen.setdefault(
            family,
            {"title": meta["title"], "licence": meta["licence"], "vintages": set(), "files": set()},
        )
        seen[family]["vintages"].add(vintage)
        seen[family]["files"].update(p.name for p in table.paths)
    return [
        {
            "title": s["title"],
            "licence": s["licence"],
            "vintages": ", ".join(str(v) for v in sorted(s["vintages"])),
            "files": ", ".join(sorted(s["files"])),
        }
        for s in seen.values()
    ]


def _perimeter_notes(territory, code):
    """One sentence per change of the commune map, the vintages it applies to gathered."""
    notes, recalculated = set(), {}
    for table in territory.tables.values():
        if code not in table.notes:
            continue
        match = re.fullmatch(r"données (\d{4}) (.+)", table.notes[code])
        if match:
            recalculated.setdefault(match.group(2), set()).add(match.group(1))
        else:
            notes.add(table.notes[code])
    for what, years in recalculated.items():
        years = sorted(years)
        listed = ", ".join(years[:-1]) + " et " + years[-1] if len(years) > 1 else years[0]
        notes.add(f"Données {listed} {what}.")
    for event in territory.events:
        if event.into == code:
            notes.add(
                f"Commune issue de la {event.describe()}. Les données publiées avant la fusion ont été recalculées "
                "sur le périmètre actuel (effectifs additionnés, taux recalculés) ; les médianes et déciles, "
                "qui ne s'additionnent pas, restent non disponibles et leur valeur sur l'ancien périmètre est donnée en note."
            )
    return sorted(notes)


def build_portrait(territory: Territory, code: str, today: dt.date | None = None) -> Portrait:
    """The model of one commune's portrait (or of a group's, from a GroupTerritory)."""
    today = today or dt.date.today()
    name = territory.name_of(code)
    notes = Notes()
    sections = []
    parts = load_parts(territory.catalogue, {k: f.needs for k, f in PART_FIGURES.items()})
    lead = _population_sentence(territory, code)
    for spec in parts:
        # an earlier line only where the département lacks a value: a missing France is said once
        rows = build_rows(territory, code, spec.id, notes, spec.table, ("departement",))
        head = _section_headline(territory, code, spec.id, rows)
        part = _Part(territory, code, spec.id, rows)
        made = (PART_FIGURES[figure.kind].build(part, figure) for figure in spec.figures)
        sections.append(
            Section(
                spec.id,
                spec.label,
                head.text if head else spec.label,
                head,
                rows,
                _findings(rows, lead if "population" in spec.table else None),
                [c for c in made if c is not None],
                spec.themes,
            )
        )
    latest = _latest(territory, code)
    key_figures = []
    known = (
        territory.rows_of(code)
        .dropna(subset=["value"])
        .sort_values("vintage")
        .drop_duplicates("indicator", keep="last")
        .set_index("indicator")
    )
    for indicator in territory.catalogue:
        if indicator.key and indicator.id in latest.index:
            # the latest vintage, or the latest with a value when it has none (a group's 2019 published median)
            row = (
                known.loc[indicator.id] if indicator.id in known.index else latest.loc[indicator.id]
            )
            detail = (
                rank_text(territory, row)
                if not is_missing(row["value"])
                else row["missing_reason"].split(" : ")[0].split(" (")[0]
            )
            dept = _known(
                _reference(_references(territory), "departement", indicator.id, row["vintage"])
            )
            ref = "" if dept is None else f"département : {format_row(dept, indicator.unit)}"
            key_figures.append(
                {
                    "label": indicator.label,
                    "value": format_row(row, indicator.unit),
                    "vintage": int(row["vintage"]),
                    "rank": detail,
                    "reference": ref,
                }
            )
    crossed_ids = tuple(i.id for i in territory.catalogue.crossed())
    crossed_rows = build_rows(territory, code, "", notes, crossed_ids, ())
    used = {r.id for s in sections for r in s.rows} | {r.id for r in crossed_rows}
    vintages = sorted(
        {int(v) for v in territory.table[territory.table["code"] == code]["vintage"].dropna()}
    )
    base = _base(territory)
    members = _members(territory, code)
    maps = [
        m
        for m in (
            map_chart(base, code, i, members, name)
            for i in MAP_INDICATORS
            if i in territory.catalogue.indicators
        )
        if m
    ]
    cover = Chart(
        "situation",
        "locator",
        f"{name} dans son département",
        f"Carte de situation : {name} {in_departement(territory.dept, territory.name)}, parmi les départements voisins en gris.",
        "IGN, Admin Express",
        [],
        [],
        figures.LocatorData(highlight=members),
    )
    group = _is_group(territory)
    return Portrait(
        code,
        name,
        slugify(name),
        territory.dept,
        territory.name,
        territory.region_name or "",
        format_date(today),
        vintages,
        key_figures,
        sections,
        notes.items(),
        _annex(territory, used),
        _sources(territory),
        _perimeter_notes(territory, code),
        maps,
        cover,
        crossed_rows,
        kind="groupe" if group else "commune",
        extra={"members": members_table(base, members)} if group else {},
    )


def members_table(territory: Territory, members: list[str]) -> dict:
    """The group's communes with their key figures and their rank within the group."""
    key = [i for i in territory.catalogue if i.key]
    table = territory.table[
        territory.table["code"].isin(members) & (territory.table["level"] == "commune")
    ]
    columns, rows = [], {c: [] for c in members}
    for indicator in key:
        sub = table[(table["indicator"] == indicator.id)].dropna(subset=["value"])
        if sub.empty:
            continue
        vintage = int(sub["vintage"].max())
        sub = table[(table["indicator"] == indicator.id) & (table["vintage"] == vintage)].set_index(
            "code"
        )
        ranks = shown_value(sub).rank(method="min", ascending=False)
        ties = ranks.map(ranks.value_counts())
        known = int(sub["value"].notna().sum())
        columns.append(f"{indicator.label} ({vintage})")
        for code in members:
            value = sub["value"].get(code)
            text = (
                format_row(sub.loc[code], indicator.unit)
                if code in sub.index
                else format_value(value, indicator.unit)
            )
            if not is_missing(value):
                text += f" ({format_rank(ranks[code], known, ties[code], len(members))})"
            rows[code].append(text)
    return {
        "columns": columns,
        "rows": [{"code": c, "name": territory.name_of(c), "values": rows[c]} for c in members],
    }
