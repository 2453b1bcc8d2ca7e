"""Source families: recognise each INSEE table by its header and read it into a SourceTable.

A SourceTable holds one family and vintage: numeric variables per commune (or
IRIS), the reason of every blank, official rows of larger territories when the
publisher gives them, and names where the file has them.
"""

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from geodata.errors import InputError
from geodata.yamlfile import load_yaml
from indicators import readers

DATA = Path(__file__).parent / "data"
OFFICIAL_TOKENS = {"DEP": "departement", "REG": "region", "METRO": "france", "EPT": "ept", "COM": "commune"}


@dataclass
class SourceTable:
    family: str
    vintage: int
    level: str  # "commune" or "iris"
    paths: list
    data: pd.DataFrame
    reasons: pd.DataFrame
    names: pd.Series | None = None
    parent: pd.Series | None = None  # IRIS -> commune code
    official: dict = field(default_factory=dict)  # level -> (data, reasons)
    notes: dict = field(default_factory=dict)  # commune code -> perimeter note
    old_perimeter: pd.DataFrame | None = None  # pre-merger values of non-aggregable variables

    @property
    def variables(self):
        return list(self.data.columns)


@dataclass(frozen=True)
class Family:
    id: str
    signature: tuple  # regular expressions that some header column must match
    code: str
    code_length: int
    level: str
    vintage_stem: str | None = None  # column stem carrying a 2-digit year suffix
    strip_suffix: bool = False
    name_column: str | None = None
    parent_column: str | None = None
    text_columns: tuple = ()
    drop_columns: str | None = None  # columns on another commune map, read from their own source


FAMILIES = (
    Family("filosofi_iris", (r"IRIS", r"DEC_MED\d\d"), "IRIS", 9, "iris", "DEC_MED", strip_suffix=True),
    Family(
        "rp_activite_iris", (r"IRIS", r"P\d\d_ACT1564"), "IRIS", 9, "iris", None,
        parent_column="COM", name_column="LIBIRIS",
        text_columns=("REG", "DEP", "UU2010", "COM", "LIBCOM", "TRIRIS", "GRD_QUART", "LIBIRIS", "TYP_IRIS", "MODIF_IRIS", "LAB_IRIS"),
    ),
    Family(
        "rp_comparateur", (r"P\d\d_POP", r"SUPERF"), "CODGEO", 5, "commune",
        drop_columns=r"NBMENFISC\d\d|PIMP\d\d|MED\d\d|TP60\d\d",
    ),
    Family("rp_dossier", (r"P\d\d_POP0014",), "CODGEO", 5, "commune"),
    Family("filosofi", (r"NBMENFISC\d\d", r"MED\d\d", r"TP60\d\d"), "CODGEO", 5, "commune", "NBMENFISC", strip_suffix=True),
    Family(
        "rp_communes_derived", (r"pop_tot", r"log_rp"), "code_insee", 5, "commune", name_column="commune",
        text_columns=("commune", "code_region", "region", "code_departement", "departement", "pop_cl"),
    ),
    Family(
        "communes_france", (r"insee_com", r"population_\d{4}"), "insee_com", 5, "commune", name_column="commune_article",
        text_columns=("insee_reg", "insee_dep", "commune", "commune_article", "code_postal", "commune_type", "insee_parente"),
    ),
)


@lru_cache(maxsize=None)
def source_meta():
    """Citation and aggregation rules of each family (sources.yaml)."""
    return load_yaml((DATA / "sources.yaml").read_text(encoding="utf-8"))


def identify(path):
    """The family of a CSV file from its header, or None when it is not a known table."""
    columns, _ = readers.header_of(path)
    if "COD_VAR" in columns:
        return None  # INSEE variable dictionaries
    for family in FAMILIES:
        if all(_has(pattern, columns) for pattern in family.signature):
            return family
    _refuse_near_miss(path, columns)
    return None


def _has(pattern, columns):
    return any(re.fullmatch(pattern, c) for c in columns)


def _refuse_near_miss(path, columns):
    """A table with a family's code column and all its signature but one column is that family with
    a column renamed by a new vintage (MED21 become MEDIANE21): say which rather than skip the file."""
    for family in FAMILIES:
        signature = [p for p in family.signature if p != family.code]
        absent = [p for p in signature if not _has(p, columns)]
        if family.code not in columns or len(absent) != 1 or len(signature) - 1 < 2:
            continue
        expected = _expected_name(absent[0], columns)
        others = [c for c in columns if c != family.code and not any(re.fullmatch(p, c) for p in signature)]
        close = difflib.get_close_matches(expected, others, n=1, cutoff=0.6)
        hint = f"found {readers.shown(close[0])}: renamed by a new vintage? rename it {expected}" if close else "add it, or remove the file"
        raise InputError(path, f"looks like a {family.id} table but has no {expected} column ({hint})")


def _expected_name(pattern, columns):
    """A signature pattern written as the column the file should have: MED\\d\\d with the file's year, MED21."""
    years = Counter(m.group(1) for c in columns if (m := re.fullmatch(r"[A-Z_]+\D(\d\d)", c)))
    year = years.most_common(1)[0][0] if years else "AA"
    return pattern.replace(r"\d\d", year)


def _vintage(family, columns, path):
    if family.vintage_stem:
        return readers.year_suffix(columns, family.vintage_stem)
    if family.id in ("rp_comparateur", "rp_dossier", "rp_activite_iris"):
        years = [int(m.group(1)) for c in columns if (m := re.match(r"P(\d\d)_", c))]
        return 2000 + max(years)
    if family.id == "communes_france":
        return max(int(m.group(1)) for c in columns if (m := re.fullmatch(r"population_(\d{4})", c)))
    year = readers.year_in_name(path)
    if year:
        return year
    return 2018 if "pop_dipl_sup34" in columns else 2012


def _official_level(path, codes):
    """Geography of a Filosofi file from INSEE's file-name suffix (_COM, _DEP, _UU2020...)."""
    match = re.search(r"_([A-Z]+\d*)$", Path(path).stem)
    if match:
        return OFFICIAL_TOKENS.get(match.group(1))
    return "commune" if codes.str.fullmatch(r"\d{4,5}|\d[AB]\d{3}").all() else None


def read_source(path, family):
    """Read one file of a family: returns (level_of_rows, vintage, frame of values, reasons, names, parent)."""
    columns, _ = readers.header_of(path)
    vintage = _vintage(family, columns, path)
    frame = readers.read_table(path, family.code)
    sep = frame.attrs["sep"]
    codes = frame[family.code]
    level = family.level
    if family.id == "filosofi":
        level = _official_level(path, codes)
        if level is None:
            return None
    if level in ("commune", "iris"):
        frame[family.code] = readers.restore_zeros(codes, family.code_length)
    if family.id == "communes_france":
        frame = frame[frame["commune_type"] == "COM"].drop_duplicates(family.code)
    if level == "france":
        frame[family.code] = "FRM"
    _refuse_duplicates(path, frame[family.code], family.code)
    lines = frame.index.to_numpy()
    frame = frame.set_index(family.code)
    frame.index.name = "code"
    numeric = [
        c for c in frame.columns
        if c not in family.text_columns and not (family.drop_columns and re.fullmatch(family.drop_columns, c))
    ]
    counts = {c for c in numeric if _is_count(family, vintage, c)}
    values, reasons = readers.to_numbers(frame, numeric, path, sep != ",", lines, counts)
    if family.strip_suffix:
        suffix = f"{vintage % 100:02d}"
        rename = {c: c[: -len(suffix)] for c in values.columns if c.endswith(suffix)}
        values, reasons = values.rename(columns=rename), reasons.rename(columns=rename)
    names = frame[family.name_column] if family.name_column in frame.columns else None
    parent = frame[family.parent_column].str.zfill(5) if family.parent_column in frame.columns else None
    if level == "iris" and parent is None:
        parent = pd.Series(frame.index.str[:5], index=frame.index)
    return level, vintage, values, reasons, names, parent


def _refuse_duplicates(path, codes, column):
    duplicated = codes[codes.duplicated()]
    if len(duplicated):
        code = duplicated.iloc[0]
        first = codes.index[codes == code][0]
        raise InputError(
            path, f"line {duplicated.index[0]}: duplicate code {readers.shown(code)} in column {column} (already on line {first}; "
            f"{len(duplicated)} duplicated row(s)): each territory must appear once, remove the extra rows",
        )


def _is_count(family, vintage, column):
    """A variable the family sums over communes (sources.yaml `how: sum`) is a count, never negative."""
    from indicators.aggregate import rule_for  # aggregate reads this module's source_meta

    suffix = f"{vintage % 100:02d}"
    variable = column[: -len(suffix)] if family.strip_suffix and column.endswith(suffix) else column
    return rule_for(family.id, variable).how == "sum"


def csv_files(data_dir):
    return sorted(p for p in Path(data_dir).rglob("*") if p.suffix.lower() in (".csv", ".txt") and p.is_file())


def load_sources(data_dir):
    """Every recognised table of the data directory, grouped by (family, vintage)."""
    tables = {}
    for path in csv_files(data_dir):
        family = identify(path)
        if family is None:
            continue
        result = read_source(path, family)
        if result is None:
            continue
        level, vintage, values, reasons, names, parent = result
        key = (family.id, vintage)
        table = tables.get(key)
        if level in ("commune", "iris"):
            if table is not None and not table.data.empty:
                raise InputError(
                    path, f"a second {family.id} {vintage} table at {level} level; already read {table.paths[0]}: "
                    "remove one of the two files",
                )
            if table is None:
                table = tables[key] = SourceTable(family.id, vintage, level, [], values, reasons, names, parent)
            else:
                table.level, table.data, table.reasons, table.names, table.parent = level, values, reasons, names, parent
        else:
            if table is None:
                table = tables[key] = SourceTable(family.id, vintage, "commune", [], pd.DataFrame(), pd.DataFrame())
            table.official[level] = (values, reasons)
        table.paths.append(Path(path))
    return tables
