"""load_territory(): every indicator of the catalogue for a département, as one tidy table.

The table has one row per territory × indicator × vintage, with the value,
its unit, the reason when it is missing, the rank among the département's
communes, the département / région / France references and the gap to the
département. This is the library entry point a notebook calls.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geodata import boundaries
from geodata.cog import FRANCE_NAMES, code_mapping, departements, dept_name, dept_of, region_name
from geodata.datadir import find_data_dir
from geodata.errors import InputError
from geodata.files import digest
from indicators import sanity
from indicators.cache import cached_frames, fingerprint, harmonised_tables
from indicators.catalogue import UNIT_DECIMALS, Catalogue, load_catalogue
from indicators.compute import ESTIMATED, Territories, formula_values
from indicators.derived import derived_rows
from indicators.harmonise import communes_of
from indicators.sources import citation

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd

    from geodata.cog import Merger

__all__ = [
    "COLUMNS",
    "LEVELS",
    "Territory",
    "earlier_references",
    "find_commune",
    "fold",
    "formula_records",
    "load_territory",
    "shown_value",
    "with_ranks",
]

LEVELS = ("commune", "departement", "region", "france")
COLUMNS = [
    "code",
    "name",
    "level",
    "indicator",
    "theme",
    "vintage",
    "value",
    "decimals",
    "unit",
    "rank",
    "rank_of",
    "ties",
    "departement_value",
    "region_value",
    "france_value",
    "france_name",
    "gap",
    "previous_vintage",
    "change",
    "how",
    "estimate",
    "missing_reason",
    "note",
    "old_perimeter_value",
    "source",
]


@dataclass
class Territory:
    """A département with its communes and every indicator value."""

    dept: str
    name: str
    region: str | None
    region_name: str | None
    communes: pd.DataFrame  # code, name, in code order
    table: pd.DataFrame
    catalogue: object
    tables: dict
    iris: dict
    events: list
    data_dir: Path
    warnings: list = field(default_factory=list)
    fingerprint: str = ""

    def commune(self, query: str) -> str:
        """Commune code from a code or a name (case and accents ignored)."""
        return find_commune(self.communes, query, self.dept)

    def values(self, code: str, vintage: str | None = "latest") -> pd.DataFrame:
        rows = self.rows_of(code)
        if vintage == "latest":
            rows = rows.sort_values("vintage", ascending=False).drop_duplicates("indicator")
        return rows.set_index("indicator")

    def value(self, code: str, indicator: str, vintage: int | None = None) -> pd.Series | None:
        rows = self.table[(self.table["code"] == code) & (self.table["indicator"] == indicator)]
        if vintage is not None:
            rows = rows[rows["vintage"] == vintage]
        return rows.sort_values("vintage").iloc[-1] if len(rows) else None

    def trimmed(self) -> Territory:
        """The same territory with source tables cut to its own communes and IRIS.

        Values for the région and France are already in the table; rendering needs only
        the département's rows, and forked workers then share a small process image.
        """

        def cut(table):
            keep = table.data.index.map(lambda c: dept_of(c) == self.dept)
            return replace(
                table,
                data=table.data[keep],
                reasons=table.reasons[keep],
                names=table.names[table.names.index.map(lambda c: dept_of(c) == self.dept)]
                if table.names is not None
                else None,
                parent=table.parent[keep] if table.parent is not None else None,
                old_perimeter=table.old_perimeter,
            )

        out = replace(
            self,
            tables={k: cut(t) for k, t in self.tables.items()},
            iris={k: cut(t) for k, t in self.iris.items()},
        )
        out.fingerprint = self.fingerprint
        return out

    def rows_of(self, code: str) -> pd.DataFrame:
        """The table's rows of one territory, indexed once for the many lookups of a portrait."""
        return self._index("code").get(code, self.table.iloc[:0])

    def rows_for(self, indicator: str) -> pd.DataFrame:
        """The table's rows of one indicator."""
        return self._index("indicator").get(indicator, self.table.iloc[:0])

    def reference_rows(self) -> dict[str, pd.DataFrame]:
        """The département's, région's and France's rows by (indicator, vintage), indexed once."""
        if "_references" not in self.__dict__:
            self.__dict__["_references"] = {
                level: self.table[self.table["level"] == level].set_index(["indicator", "vintage"])
                for level in ("departement", "region", "france")
            }
        return self.__dict__["_references"]

    def _index(self, column):
        key = f"_by_{column}"
        if key not in self.__dict__:
            self.__dict__[key] = {k: rows for k, rows in self.table.groupby(column, sort=False)}
        return self.__dict__[key]

    def iris_shapes(self) -> gpd.GeoDataFrame | None:
        """IRIS polygons of the département (WGS84), or None; loaded once."""
        if "_iris_shapes" not in self.__dict__:
            shapes = boundaries.load_iris(self.data_dir, self.dept)
            if shapes is not None:
                mapping = code_mapping(self.events)
                shapes["commune"] = shapes["commune"].map(lambda c: mapping.get(c, c))
            self.__dict__["_iris_shapes"] = shapes
        return self.__dict__["_iris_shapes"]

    def name_of(self, code: str) -> str:
        return self.communes.set_index("code")["name"].get(code, code)


def fold(text: object) -> str:
    """Lower case without accents, hyphens or apostrophes, for name matching."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(text.lower().replace("-", " ").replace("'", " ").replace("’", " ").split())


def find_commune(communes: pd.DataFrame, query: str, dept: str) -> str:
    query = str(query).strip()
    codes = set(communes["code"])
    if query in codes:
        return query
    folded = {fold(n): c for c, n in zip(communes["code"], communes["name"])}
    target = fold(query)
    if target in folded:
        return folded[target]
    starts = [
        c
        for n, c in folded.items()
        if n.startswith(target) or n.split(" ", 1)[-1].startswith(target)
    ]
    if len(starts) == 1:
        return starts[0]
    names = dict(zip(communes["code"], communes["name"]))
    close = difflib.get_close_matches(target, list(folded), n=3, cutoff=0.5)
    hint = ", ".join(names[folded[c]] for c in close) if close else "none"
    raise InputError(
        None, f"unknown commune '{query}' in département {dept}; closest names: {hint}"
    )


def _official_names(tables, codes, events):
    names = {}
    for family in ("boundaries", "rp_communes_derived", "communes_france"):
        for (fam, _), table in sorted(tables.items(), key=lambda kv: kv[0][1]):
            if fam == family and table.names is not None:
                names.update(
                    {
                        c: n
                        for c, n in table.names.items()
                        if c in codes and isinstance(n, str) and n
                    }
                )
    for event in events:
        names[event.into] = event.into_name
    return names


def _commune_list(data_dir, dept, tables, events, warnings):
    try:
        shapes = boundaries.load_communes(data_dir, dept, events)
        codes = list(shapes["code"])
        boundary_names = dict(zip(shapes["code"], shapes["name"]))
    except InputError as exc:
        if "no commune boundary file" not in exc.message:
            raise
        codes, boundary_names = [], {}
    seen = communes_of(tables, dept)
    if not codes:
        codes = sorted(seen)
    extra = sorted(seen - set(codes))
    if extra and codes:
        warnings.append(
            f"communes in the statistics but not in the boundaries, left out: {', '.join(extra[:5])}"
        )
    if not codes:
        raise InputError(data_dir, f"no commune of département {dept} in the data directory")
    names = {c: boundary_names.get(c, c) for c in codes}
    names.update(_official_names(tables, set(codes), events))
    return pd.DataFrame({"code": sorted(codes), "name": [names[c] for c in sorted(codes)]})


def formula_records(catalogue: Catalogue, territories: Territories) -> pd.DataFrame:
    """Tidy records of every source formula of the catalogue over `territories`."""
    records = []
    for indicator in catalogue:
        for formula in indicator.formulas:
            rows, _ = formula_values(formula, territories)
            source = citation(formula.source, formula.vintage)
            for row in rows:
                records.append(
                    {
                        **row,
                        "indicator": indicator.id,
                        "theme": indicator.theme,
                        "vintage": formula.vintage,
                        "unit": indicator.unit,
                        "source": row["source"] or source,
                    }
                )
    return pd.DataFrame.from_records(records)


def _tidy(catalogue, territories, names):
    frame = formula_records(catalogue, territories)
    frame = pd.concat([frame, derived_rows(catalogue, frame)], ignore_index=True)
    frame["name"] = frame["code"].map(names)
    return frame


def shown_value(frame: pd.DataFrame) -> pd.Series:
    """Each value rounded to the decimals it is printed with: what ranks and ties are decided on.

    A value has the decimals its source publishes (a whole-number rate has none), never more than
    its unit prints; two communes printed with the same figure share a rank."""
    default = frame["unit"].map(lambda u: UNIT_DECIMALS.get(u, 1))
    decimals = np.fmin(frame["decimals"].astype(float), default).fillna(default).astype(int)
    return pd.Series(
        [round(v, d) if v == v else v for v, d in zip(frame["value"], decimals)], index=frame.index
    )


def with_ranks(frame: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """The tidy frame with each commune's rank among the communes, the references of its indicator and
    vintage, the gap to the département and the change since the previous vintage."""
    frame["estimate"] = frame["how"] == ESTIMATED
    communes = frame["level"] == "commune"
    shown = shown_value(frame)
    grouped = shown[communes].groupby(
        [frame.loc[communes, "indicator"], frame.loc[communes, "vintage"]]
    )
    frame.loc[communes, "rank"] = grouped.rank(method="min", ascending=False)
    frame.loc[communes, "rank_of"] = grouped.transform("count")
    same_rank = [
        frame.loc[communes, "indicator"],
        frame.loc[communes, "vintage"],
        frame.loc[communes, "rank"],
    ]
    frame.loc[communes, "ties"] = frame.loc[communes, "rank"].groupby(same_rank).transform("count")
    refs = frame[~communes]
    for level in ("departement", "region", "france"):
        own = (
            refs[refs["level"] == level]
            .drop_duplicates(["indicator", "vintage"])
            .set_index(["indicator", "vintage"])
        )
        keys = pd.MultiIndex.from_arrays([frame["indicator"], frame["vintage"]])
        frame[f"{level}_value"] = own["value"].reindex(keys).to_numpy()
        if level == "france":
            frame["france_name"] = own["name"].reindex(keys).to_numpy()
    is_rate = frame["indicator"].map(lambda i: catalogue[i].is_rate)
    gap_points = frame["value"] - frame["departement_value"]
    gap_ratio = frame["value"] / frame["departement_value"]
    frame["gap"] = np.where(is_rate, gap_points, gap_ratio)
    frame.loc[frame["level"] != "commune", "gap"] = np.nan
    return _changes(frame.sort_values(["code", "indicator", "vintage"]), is_rate)


def earlier_references(rows: pd.DataFrame, vintage: int) -> list[int]:
    """The earlier vintages to show beside `vintage` so that no published reference is hidden: for each
    reference level without a value at `vintage`, the latest earlier vintage where it has one (newest first).

    `rows` are one indicator's rows of the tidy table (its reference levels at least)."""
    refs = rows[rows["level"] != "commune"]
    at = refs[refs["vintage"] == vintage]
    lacking = set(refs["level"]) - set(at.loc[at["value"].notna(), "level"])
    earlier = refs[
        (refs["vintage"] < vintage) & refs["level"].isin(lacking) & refs["value"].notna()
    ]
    return sorted(set(int(v) for v in earlier.groupby("level")["vintage"].max()), reverse=True)


def _changes(frame, is_rate):
    """The change since the previous vintage of the same territory, only between values of the same kind:
    an official value and an estimate are never subtracted from each other."""
    previous = frame.groupby(["code", "indicator"])
    frame["previous_vintage"] = previous["vintage"].shift(1)
    before = previous["value"].shift(1)
    same_kind = previous["estimate"].shift(1) == frame["estimate"]
    change = np.where(
        is_rate.loc[frame.index], frame["value"] - before, (frame["value"] / before - 1) * 100
    )
    frame["change"] = np.where(same_kind, change, np.nan)
    return frame


def _boundary_stamp(data_dir):
    """The boundary files' names, sizes and dates: they decide the commune list."""
    return tuple(
        (str(f.path), f.path.stat().st_size, f.path.stat().st_mtime_ns)
        for f in boundaries.scan(Path(data_dir))
    )


def load_territory(
    dept: str,
    data_dir: str | Path | None = None,
    catalogue: Catalogue | str | Path | None = None,
    events: Sequence[Merger] | None = None,
) -> Territory:
    """Every indicator of the catalogue for département `dept` and its communes.

    `catalogue` is a Catalogue or a path to a catalogue YAML (default: the shipped one);
    `events` the commune mergers to consider (default: the declared ones).
    """
    dept = str(dept).strip().upper()
    if dept not in departements().index:
        raise InputError(
            None, f"unknown département code '{dept}' (expected a code such as 93, 2A or 974)"
        )
    data_dir = find_data_dir(data_dir)
    if catalogue is None or isinstance(catalogue, (str, Path)):
        catalogue = load_catalogue(catalogue)
    tables, iris, applied = harmonised_tables(data_dir, events)
    region = departements().loc[dept, "region_code"]

    def produce():
        warnings = []
        communes = _commune_list(data_dir, dept, tables, applied, warnings)
        territories = Territories(dept, communes["code"], tables)
        names = dict(zip(communes["code"], communes["name"]))
        names[dept] = dept_name(dept)
        names[region] = region_name(region)
        names.update(FRANCE_NAMES)
        frame = with_ranks(_tidy(catalogue, territories, names), catalogue)
        warnings += sanity.check(data_dir, dept, tables, iris, frame, catalogue, communes)
        level_order = {level: n for n, level in enumerate(LEVELS)}
        frame = frame.sort_values(
            ["level", "code", "indicator", "vintage"],
            key=lambda s: s.map(level_order) if s.name == "level" else s,
        )
        return {"table": frame[COLUMNS].reset_index(drop=True), "communes": communes}, {
            "warnings": warnings
        }

    key = digest(fingerprint(data_dir, events), dept, tuple(catalogue), _boundary_stamp(data_dir))
    frames, extra = cached_frames(key, produce)
    frame, communes, warnings = frames["table"], frames["communes"], extra["warnings"]
    # the key names everything the values depend on: builds use it to skip unchanged portraits
    territory = Territory(
        dept,
        dept_name(dept),
        region,
        region_name(region),
        communes,
        frame,
        catalogue,
        tables,
        iris,
        applied,
        data_dir,
        warnings,
    )
    territory.fingerprint = key
    return territory
