"""Sentences from figures, driven by the declarative phrase table (data/phrases.yaml).

Each Sentence keeps the facts it was chosen on (position, gap class, sign), so
tests can check every sentence against the numbers.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from geodata.yamlfile import load_yaml
from reports.formatting import format_rank, format_value, is_missing, shown_decimals

__all__ = [
    "MIN_PEERS",
    "PHRASES",
    "Facts",
    "Sentence",
    "headline",
    "indicator_sentence",
    "notability",
    "phrase_table",
]

PHRASES = Path(__file__).parent / "data" / "phrases.yaml"
MIN_PEERS = 10


@dataclass(frozen=True)
class Facts:
    indicator: str
    value: float
    ref: float | None
    rank: float | None
    rank_of: float | None
    is_rate: bool
    unit: str = ""
    ties: float | None = None  # communes sharing the printed value, this one included
    decimals: float | None = None  # decimals the source publishes the value with
    rank_label: str = ""  # the rank as printed: "1re ex aequo sur 39"
    year: int | None = None
    ref_estimated: bool = False  # the département's value is an estimate from its communes
    ref_decimals: float | None = None
    estimated: bool = (
        False  # the value itself is an estimate (a merged commune, a group re-weighted)
    )
    years: str = ""  # "2021 et 2022": the vintages a crossed indicator combines, when several

    @property
    def position(self) -> str | None:
        if is_missing(self.rank) or is_missing(self.rank_of):
            return None
        n, r = int(self.rank_of), int(self.rank)
        if n < MIN_PEERS:
            return None  # "among the highest" means little among a handful of territories
        edge = max(3, round(n * 0.1))
        if not is_missing(self.ties) and self.ties > edge:
            return None  # a value shared by more communes than the top group ranks nothing
        if r <= edge:
            return "top"
        if r > n - edge:
            return "bottom"
        if r <= n / 3:
            return "high"
        if r > 2 * n / 3:
            return "low"
        return "middle"

    @property
    def gap(self) -> str | None:
        if is_missing(self.ref) or is_missing(self.value):
            return None
        limits = phrase_table()["thresholds"]
        if self.unit == "% par an":
            delta, close, notable = (
                self.value - self.ref,
                limits["growth_close"],
                limits["growth_notable"],
            )
        elif self.is_rate:
            delta, close, notable = (
                self.value - self.ref,
                limits["rate_close"],
                limits["rate_notable"],
            )
        else:
            if self.ref == 0:
                return None
            delta, close, notable = (
                self.value / self.ref - 1,
                limits["ratio_close"],
                limits["ratio_notable"],
            )
        if abs(delta) < close:
            return "close"
        if delta >= notable:
            return "well_above"
        if delta <= -notable:
            return "well_below"
        return "above" if delta > 0 else "below"

    @property
    def sign(self) -> str | None:
        return None if is_missing(self.value) else ("negative" if self.value < 0 else "positive")

    def holds(self, when: dict) -> bool:
        return all(getattr(self, key) == wanted for key, wanted in when.items())


@dataclass(frozen=True)
class Sentence:
    text: str
    facts: Facts
    when: dict


@cache
def phrase_table(path: str | Path = PHRASES) -> dict:
    return load_yaml(Path(path).read_text(encoding="utf-8"))


def _first(rules, facts):
    return next((rule for rule in rules if facts.holds(rule["when"])), None)


def headline(facts: Facts) -> Sentence | None:
    """A section title from its most notable indicator, or None when nothing stands out."""
    table = phrase_table()
    if facts.indicator.startswith("evol_pop"):
        rule = _first(table["growth_headline"], facts)
        return Sentence(rule["text"], facts, rule["when"]) if rule else None
    noun = table["nouns"].get(facts.indicator)
    rule = _first(table["headline"], facts)
    if noun is None or rule is None:
        return None
    feminine = noun["feminine"]
    text = rule["text"].format(
        Noun=noun["noun"][0].upper() + noun["noun"][1:],
        e="e" if feminine else "",
        celui="celle" if feminine else "celui",
    )
    return Sentence(text, facts, rule["when"])


def indicator_sentence(facts: Facts, label: str, unit: str) -> Sentence | None:
    rule = _first(phrase_table()["indicator"], facts)
    if rule is None:
        return None
    ref = format_value(facts.ref, unit, shown_decimals(unit, facts.ref_decimals))
    if facts.ref_estimated:
        ref += " (estimation à partir des communes)"
    text = rule["text"].format(
        label=label,
        in_year=_in_year(facts, label),
        value=_value(facts, unit),
        ref=ref,
        rank=facts.rank_label or format_rank(facts.rank, facts.rank_of, facts.ties),
    )
    return Sentence(text, facts, rule["when"])


def _in_year(facts, label):
    """ " en 2021", " (2021 et 2022)" for a crossed indicator of two vintages, nothing when the label has its years."""
    if re.search(r"\d{4}", label):
        return ""
    return f" ({facts.years})" if facts.years else f" en {facts.year}"


def _value(facts, unit):
    text = format_value(facts.value, unit, shown_decimals(unit, facts.decimals))
    return f"{text} (estimation à partir des communes)" if facts.estimated else text


def notability(facts: Facts) -> float:
    """How far from ordinary, the gap to the département first and the rank second: used to pick a
    part's title and its sentences."""
    score = 0.0
    position = facts.position
    if position in ("top", "bottom"):
        score += 1.0
    elif position in ("high", "low"):
        score += 0.25
    gap = facts.gap
    if gap in ("well_above", "well_below"):
        score += 2.0
    elif gap in ("above", "below"):
        score += 0.5
    return score
