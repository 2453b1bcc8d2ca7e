"""A typology of the département's communes: k-means on the indicators of typology.yaml, each type put in words.

Indicators are standardised over the département's communes and measured from the
département's value: z = (x − département) / sd, population sd (ddof=0). k-means
does not depend on the centre, and a type's mean z then tells whether the type is
above or below the département, which is what its words claim. A missing value
counts as the département's level (z = 0) in the clustering only.

k-means (scikit-learn, n_init=10, fixed random_state) gives the same types on
every run; with `k: auto` the number of types is the one of 3 to 6 with the best
silhouette. A type is named by its most distinctive indicators (largest |mean z|,
at least half a standard deviation, three at most) with the declared words; when
two types would read the same, each takes its next most distinctive indicator, and
as a last resort its number.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geodata.errors import InputError
from geodata.files import digest
from indicators.cache import cached_frames
from indicators.declared import (
    DATA,
    check_refs,
    commune_values,
    departement_values,
    french_list,
    section,
    zscores,
)

if TYPE_CHECKING:
    from indicators.catalogue import Catalogue
    from indicators.declared import Ref
    from indicators.territory import Territory

__all__ = [
    "AUTO_K",
    "DEFAULT_PATH",
    "MAX_WORDS",
    "MIN_Z",
    "PLAIN",
    "RANDOM_STATE",
    "Typology",
    "load_set",
    "typology",
]

DEFAULT_PATH = DATA / "typology.yaml"
AUTO_K = range(3, 7)
RANDOM_STATE = 0
MIN_Z = 0.5
MAX_WORDS = 3
PLAIN = "Communes proches du département"


@dataclass(frozen=True)
class Typology:
    k: int
    silhouettes: dict  # k tried -> mean silhouette
    assignments: (
        pd.DataFrame
    )  # code, name, type, label, imputed (indicators set to the département's level)
    types: (
        pd.DataFrame
    )  # type, label, size, words: ((indicator, "high" | "low"), ...), most distinctive first
    profiles: pd.DataFrame  # type, indicator, vintage, mean, departement_value, mean_z


def load_set(catalogue: Catalogue, path: str | Path | None = None) -> tuple[int | str, list[Ref]]:
    """(k, refs) declared in typology.yaml; each ref's entry has its name, high and low words."""
    path = Path(path or DEFAULT_PATH)
    raw = section(path, "indicators", "typology")
    declared = check_refs(raw["indicators"], catalogue, path, "indicator")
    for ref in declared:
        lacking = [
            key for key in ("name", "high", "low") if not str(ref.entry.get(key) or "").strip()
        ]
        if lacking:
            raise InputError(path, f"indicator {ref.indicator}: missing {lacking[0]}")
    k = raw.get("k", "auto")
    if k != "auto" and (isinstance(k, bool) or not isinstance(k, int) or k < 2):
        raise InputError(path, f"k must be auto or an integer of at least 2, not {k!r}")
    return k, declared


def _cluster(z, k):
    """(chosen k, raw labels, silhouette per k tried); cached with the tables, so that a build whose data
    did not change neither runs k-means nor imports scikit-learn (a second of start-up)."""
    key = digest(
        "typology", z.tobytes(), z.shape, k, Path(__file__).read_bytes(), version("scikit-learn")
    )
    _, found = cached_frames(key, lambda: ({}, _kmeans(z, k)))
    return (
        found["best"],
        np.array(found["labels"]),
        {int(n): s for n, s in found["silhouettes"].items()},
    )


def _kmeans(z, k):
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    tried = [n for n in (AUTO_K if k == "auto" else [k]) if n < len(z)]
    labels = {
        n: KMeans(n_clusters=n, n_init=10, random_state=RANDOM_STATE).fit_predict(z) for n in tried
    }
    silhouettes = {n: float(silhouette_score(z, labels[n])) for n in tried}
    best = max(tried, key=lambda n: (silhouettes[n], -n))
    return {
        "best": best,
        "labels": labels[best].tolist(),
        "silhouettes": {str(n): s for n, s in silhouettes.items()},
    }


def _numbered(codes, raw):
    """Types numbered 1.. by decreasing size, then by their first commune code."""
    groups = pd.Series(codes, index=raw).groupby(level=0)
    order = sorted(groups.groups, key=lambda g: (-groups.size()[g], groups.get_group(g).min()))
    return [order.index(g) + 1 for g in raw]


def _ranked(profile, members):
    """(indicator, direction, |mean z|) of one type, most distinctive first (declaration order on ties).

    Only the words that hold for every member: a type is "à faible pauvreté" only when each of its
    communes is below the département (`members`: their z-scores, a missing one not counted)."""
    z = profile.set_index("indicator")["mean_z"].dropna()
    z = z[z != 0]
    order = z.abs().sort_values(ascending=False, kind="stable").index
    words = []
    for i in order:
        side = members[i].dropna()
        if (side > 0).all() if z[i] > 0 else (side < 0).all():
            words.append((i, "high" if z[i] > 0 else "low", abs(z[i])))
    return words


def _label(words, entries):
    """ "Communes jeunes, à forte pauvreté et fort parc social": declared order, adjectives first, "à" shared."""
    if not words:
        return PLAIN
    order = list(entries)
    phrases = [entries[i][d] for i, d in sorted(words, key=lambda w: order.index(w[0]))]
    phrases.sort(key=lambda p: p.startswith("à "))
    parts = [
        p[2:] if p.startswith("à ") and n and phrases[n - 1].startswith("à ") else p
        for n, p in enumerate(phrases)
    ]
    return "Communes " + french_list(parts)


def _names(ranked, entries):
    """Label and words of each type, labels made distinct."""
    count = {t: sum(1 for w in r[:MAX_WORDS] if w[2] >= MIN_Z) for t, r in ranked.items()}
    while True:
        labels = {t: _label([w[:2] for w in ranked[t][: count[t]]], entries) for t in ranked}
        shared = [
            t
            for t in ranked
            if list(labels.values()).count(labels[t]) > 1 and count[t] < len(ranked[t])
        ]
        if not shared:
            break
        for t in shared:
            count[t] += 1
    shared = [t for t in ranked if list(labels.values()).count(labels[t]) > 1]
    labels.update({t: f"{labels[t]} (type {t})" for t in shared})
    return {t: (labels[t], tuple(w[:2] for w in ranked[t][: count[t]])) for t in ranked}


def typology(territory: Territory, path: str | Path | None = None) -> Typology:
    """The types of the département's communes, their words, profiles and silhouettes (see the module)."""
    k, declared = load_set(territory.catalogue, path)
    ids = [r.indicator for r in declared]
    values = commune_values(territory.table, declared)
    departement = departement_values(territory.table, declared)
    z = zscores(values[ids], departement)
    if k != "auto" and k >= len(z):
        raise InputError(path or DEFAULT_PATH, f"k = {k} types for {len(z)} communes")
    chosen, raw, silhouettes = _cluster(z.fillna(0).to_numpy(), k)
    types = pd.Series(_numbered(list(z.index), raw), index=z.index)
    profiles = pd.DataFrame(
        [
            {
                "type": t,
                "indicator": r.indicator,
                "vintage": r.vintage,
                "mean": values.loc[types == t, r.indicator].mean(),
                "departement_value": departement[r.indicator],
                "mean_z": z.loc[types == t, r.indicator].mean(),
            }
            for t in sorted(types.unique())
            for r in declared
        ]
    )
    entries = {r.indicator: r.entry for r in declared}
    named = _names({t: _ranked(p, z[types == t]) for t, p in profiles.groupby("type")}, entries)
    assignments = pd.DataFrame(
        {
            "code": z.index,
            "name": values["name"].to_numpy(),
            "type": types.to_numpy(),
            "label": [named[t][0] for t in types],
            "imputed": [tuple(i for i in ids if pd.isna(z.loc[c, i])) for c in z.index],
        }
    )
    summary = pd.DataFrame(
        [
            {"type": t, "label": label, "size": int((types == t).sum()), "words": words}
            for t, (label, words) in named.items()
        ]
    )
    return Typology(chosen, silhouettes, assignments, summary, profiles)
