"""Source families: recognise each INSEE table by its header and read it into a SourceTable.

A SourceTable holds one family and vintage: numeric variables per commune (or
IRIS), the reason of every blank, official rows of larger territories when the
publisher gives them, and names where the file has them.
"""

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from geodata.cog import FRANCE_CODE
from geodata.errors import InputError
from geodata.yamlfile import load_yaml
from indicators import readers

__all__ = [
    "DATA",
    "FAMILIES",
    "FRANCE_CODES",
    "OFFICIAL_TOKENS",
    "REFERENCE_LEVELS",
    "Family",
    "Reference",
    "Rule",
    "SourceTable",
    "citation",
    "csv_files",
    "identify",
    "load_sources",
    "official_level",
    "published_key",
    "read_references",
    "read_source",
    "rule_for",
    "source_meta",
    "unsuffixed",
    "vintage_of",
]

DATA = Path(__file__).parent / "data"
OFFICIAL_TOKENS = {
    "DEP": "departement",
    "REG": "region",
    "METRO": "france",
    "EPT": "ept",
    "COM": "commune",
}


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
    decimals: dict = field(
        default_factory=dict
    )  # level -> {variable: decimals the source publishes}
    citations: dict = field(
        default_factory=dict
    )  # level -> {code: {variable: [publication, address]}}, for published references

    @property
    def variables(self) -> list[str]:
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
    Family(
        "filosofi_iris", (r"IRIS", r"DEC_MED\d\d"), "IRIS", 9, "iris", "DEC_MED", strip_suffix=True
    ),
    Family(
        "rp_activite_iris",
        (r"IRIS", r"P\d\d_ACT1564"),
        "IRIS",
        9,
        "iris",
        None,
        parent_column="COM",
        name_column="LIBIRIS",
        text_columns=(
            "REG",
            "DEP",
            "UU2010",
            "COM",
            "LIBCOM",
            "TRIRIS",
            "GRD_QUART",
            "LIBIRIS",
            "TYP_IRIS",
            "MODIF_IRIS",
            "LAB_IRIS",
        ),
    ),
    Family(
        "rp_comparateur",
        (r"P\d\d_POP", r"SUPERF"),
        "CODGEO",
        5,
        "commune",
        drop_columns=r"NBMENFISC\d\d|PIMP\d\d|MED\d\d|TP60\d\d",
    ),
    Family("rp_dossier", (r"P\d\d_POP0014",), "CODGEO", 5, "commune"),
    Family(
        "filosofi",
        (r"NBMENFISC\d\d", r"MED\d\d", r"TP60\d\d"),
        "CODGEO",
        5,
        "commune",
        "NBMENFISC",
        strip_suffix=True,
    ),
    Family(
        "rp_communes_derived",
        (r"pop_tot", r"log_rp"),
        "code_insee",
        5,
        "commune",
        name_column="commune",
        text_columns=(
            "commune",
            "code_region",
            "region",
            "code_departement",
            "departement",
            "pop_cl",
        ),
    ),
    Family(
        "communes_france",
        (r"insee_com", r"population_\d{4}"),
        "insee_com",
        5,
        "commune",
        name_column="commune_article",
        text_columns=(
            "insee_reg",
            "insee_dep",
            "commune",
            "commune_article",
            "code_postal",
            "commune_type",
            "insee_parente",
        ),
    ),
    Family(
        "references",
        (r"level", r"family", r"variable", r"value", r"source"),
        "code",
        0,
        "reference",
    ),
)
REFERENCE_LEVELS = ("departement", "region", "france", "ept")
FRANCE_CODES = (FRANCE_CODE, "FE")


@cache
def source_meta() -> dict[str, Any]:
    """Citation and aggregation rules of each family (sources.yaml)."""
    return load_yaml((DATA / "sources.yaml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Rule:
    how: str
    weight: str | None = None
    reason: str | None = None


def rule_for(family: str, variable: str) -> Rule:
    """How a variable of a family is aggregated over communes: the first rule of sources.yaml it matches."""
    for entry in source_meta()[family]["aggregate"]:
        if re.fullmatch(entry["match"], variable):
            return Rule(entry["how"], entry.get("weight"), entry.get("reason"))
    return Rule("none", reason="règle d'agrégation non déclarée")


def citation(family: str, year: int | str) -> str:
    """The source line of a figure: the producer and the series with its year (sources.yaml `cite`)."""
    meta = source_meta()[family]
    return meta.get("cite", meta["short"] + ", {year}").format(year=year)


def identify(path: str | Path) -> Family | None:
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
        others = [
            c
            for c in columns
            if c != family.code and not any(re.fullmatch(p, c) for p in signature)
        ]
        close = difflib.get_close_matches(expected, others, n=1, cutoff=0.6)
        hint = (
            f"found {readers.shown(close[0])}: renamed by a new vintage? rename it {expected}"
            if close
            else "add it, or remove the file"
        )
        raise InputError(
            path, f"looks like a {family.id} table but has no {expected} column ({hint})"
        )


def _expected_name(pattern, columns):
    """A signature pattern written as the column the file should have: MED\\d\\d with the file's year, MED21."""
    years = Counter(m.group(1) for c in columns if (m := re.fullmatch(r"[A-Z_]+\D(\d\d)", c)))
    year = years.most_common(1)[0][0] if years else "AA"
    return pattern.replace(r"\d\d", year)


def vintage_of(family: Family, columns: list[str], path: str | Path) -> int:
    """The year of a file of `family`: its columns' year suffix, else its name, else what its layout says."""
    if family.vintage_stem:
        return readers.year_suffix(columns, family.vintage_stem)
    if family.id in ("rp_comparateur", "rp_dossier", "rp_activite_iris"):
        years = [int(m.group(1)) for c in columns if (m := re.match(r"P(\d\d)_", c))]
        return 2000 + max(years)
    if family.id == "communes_france":
        return max(
            int(m.group(1)) for c in columns if (m := re.fullmatch(r"population_(\d{4})", c))
        )
    year = readers.year_in_name(path)
    if year:
        return year
    return 2018 if "pop_dipl_sup34" in columns else 2012


def official_level(path: str | Path, codes: pd.Series) -> str:
    """Geography of a Filosofi file from INSEE's file-name suffix (_COM, _DEP, _UU2020...)."""
    match = re.search(r"_([A-Z]+\d*)$", Path(path).stem)
    if match:
        return OFFICIAL_TOKENS.get(match.group(1))
    return "commune" if codes.str.fullmatch(r"\d{4,5}|\d[AB]\d{3}").all() else None


def read_source(
    path: str | Path, family: Family
) -> tuple[str, int, pd.DataFrame, pd.DataFrame, pd.Series | None, pd.Series | None] | None:
    """Read one file of a family: returns (level_of_rows, vintage, frame of values, reasons, names, parent)."""
    columns, _ = readers.header_of(path)
    vintage = vintage_of(family, columns, path)
    frame = readers.read_table(path, family.code)
    sep = frame.attrs["sep"]
    codes = frame[family.code]
    level = family.level
    if family.id == "filosofi":
        level = official_level(path, codes)
        if level is None:
            return None
    if level in ("commune", "iris"):
        frame[family.code] = readers.restore_zeros(codes, family.code_length)
    if family.id == "communes_france":
        # one row per postal code; communes déléguées left out; Paris, Lyon and Marseille only as arrondissements (ARM)
        frame = frame[frame["commune_type"].isin(("COM", "ARM"))].drop_duplicates(family.code)
    if level == "france":
        frame[family.code] = FRANCE_CODE
    _refuse_duplicates(path, frame[family.code], family.code)
    lines = frame.index.to_numpy()
    frame = frame.set_index(family.code)
    frame.index.name = "code"
    numeric = [
        c
        for c in frame.columns
        if c not in family.text_columns
        and not (family.drop_columns and re.fullmatch(family.drop_columns, c))
    ]
    counts = {c for c in numeric if _is_count(family, vintage, c)}
    values, reasons = readers.to_numbers(frame, numeric, path, sep != ",", lines, counts)
    decimals = values.attrs["decimals"]
    if family.strip_suffix:
        rename = {c: unsuffixed(c, vintage) for c in values.columns}
        values, reasons = values.rename(columns=rename), reasons.rename(columns=rename)
        decimals = {rename[c]: n for c, n in decimals.items()}
    values.attrs["decimals"] = decimals
    names = frame[family.name_column] if family.name_column in frame.columns else None
    parent = (
        frame[family.parent_column].str.zfill(5) if family.parent_column in frame.columns else None
    )
    if level == "iris" and parent is None:
        parent = pd.Series(frame.index.str[:5], index=frame.index)
    return level, vintage, values, reasons, names, parent


def unsuffixed(variable: str, vintage: int) -> str:
    """MED21 -> MED for the families whose variables carry their year (Filosofi)."""
    suffix = f"{vintage % 100:02d}"
    return (
        variable[: -len(suffix)]
        if variable.endswith(suffix) and len(variable) > len(suffix)
        else variable
    )


def _refuse_duplicates(path, codes, column):
    duplicated = codes[codes.duplicated()]
    if len(duplicated):
        code = duplicated.iloc[0]
        first = codes.index[codes == code][0]
        raise InputError(
            path,
            f"line {duplicated.index[0]}: duplicate code {readers.shown(code)} in column {column} (already on line {first}; "
            f"{len(duplicated)} duplicated row(s)): each territory must appear once, remove the extra rows",
        )


def _is_count(family, vintage, column):
    """A variable the family sums over communes (sources.yaml `how: sum`) is a count, never negative."""
    suffix = f"{vintage % 100:02d}"
    variable = column[: -len(suffix)] if family.strip_suffix and column.endswith(suffix) else column
    return rule_for(family.id, variable).how == "sum"


def csv_files(data_dir: str | Path) -> list[Path]:
    return sorted(
        p for p in Path(data_dir).rglob("*") if p.suffix.lower() in (".csv", ".txt") and p.is_file()
    )


def load_sources(data_dir: str | Path) -> dict[tuple[str, int], SourceTable]:
    """Every recognised table of the data directory, grouped by (family, vintage).

    Several files of one family and vintage that cover different territories (the 93-94 extract
    and the rest of Île-de-France) are one table; a territory given by two of them is an error.
    Published reference values (the references table) become official rows of their family."""
    parts, references = {}, []
    for path in csv_files(data_dir):
        family = identify(path)
        if family is None:
            continue
        if family.id == "references":
            references.extend(read_references(path))
            continue
        result = read_source(path, family)
        if result is not None:
            parts.setdefault((family.id, result[1]), []).append((path, result))
    tables = {key: _table(key, files) for key, files in parts.items()}
    for reference in references:
        _add_reference(tables, reference)
    return tables


def _table(key, files):
    """One SourceTable from the files of a (family, vintage): commune or IRIS rows, official rows by level."""
    family, vintage = key
    table = SourceTable(family, vintage, "commune", [], pd.DataFrame(), pd.DataFrame())
    by_level = {}
    for path, (level, _, values, reasons, names, parent) in files:
        table.paths.append(Path(path))
        decimals = table.decimals.setdefault(level, {})
        for variable, n in values.attrs["decimals"].items():
            decimals[variable] = max(n, decimals.get(variable, 0))
        by_level.setdefault(level, []).append((path, values, reasons, names, parent))
    for level, rows in by_level.items():
        _refuse_overlap(rows)
        data = pd.concat([r[1] for r in rows])
        data.attrs = {}
        reasons = pd.concat(
            [_absent_from(r[2], r[1].columns, data.columns, r[0]) for r in rows]
        ).fillna("")
        if level in ("commune", "iris"):
            table.level, table.data, table.reasons = level, data, reasons
            table.names, table.parent = _joined([r[3] for r in rows]), _joined([r[4] for r in rows])
        else:
            table.official[level] = (data, reasons)
    return table


def _refuse_overlap(rows):
    seen = {}
    for path, values, *_ in rows:
        for code in values.index:
            if code in seen:
                raise InputError(
                    path,
                    f"territory {readers.shown(code)} is also in {seen[code]}: two files of the same source and vintage "
                    "give it twice, remove it from one of them",
                )
        seen.update((code, path) for code in values.index)


def _absent_from(reasons, own, columns, path):
    """The reasons of one file's rows over all the files' columns: a column the file lacks says so."""
    out = reasons.reindex(columns=columns)
    for column in columns:
        if column not in own:
            out[column] = f"variable absente de {Path(path).name}"
    return out


def _joined(series):
    present = [s for s in series if s is not None]
    return pd.concat(present) if present else None


@dataclass(frozen=True)
class Reference:
    """One published value of a larger territory, with the publication it was read in."""

    path: Path
    line: int
    family: str
    vintage: int
    level: str
    code: str
    variable: str
    value: float
    decimals: int
    citation: tuple  # (publication, address)


def read_references(path: str | Path) -> list[Reference]:
    """The rows of a published-references table (level;code;name;family;vintage;variable;value;source;url)."""
    frame = readers.read_table(path, "code")
    for column in ("level", "family", "vintage", "variable", "value", "source"):
        if column not in frame.columns:
            raise InputError(
                path,
                f"no '{column}' column: a references table needs level, code, family, vintage, variable, value, source",
            )
    known = [f for f in source_meta() if f != "references"]
    out, seen = [], {}
    for line, row in frame.iterrows():
        where = f"line {line}"
        if row["level"] not in REFERENCE_LEVELS:
            raise InputError(
                path,
                f"{where}: level {readers.shown(row['level'])!r} is not one of {', '.join(REFERENCE_LEVELS)}",
            )
        if row["family"] not in known:
            raise InputError(
                path,
                f"{where}: unknown source family {readers.shown(row['family'])!r} (known: {', '.join(known)})",
            )
        if not re.fullmatch(r"(19|20)\d\d", row["vintage"].strip()):
            raise InputError(
                path, f"{where}: vintage {readers.shown(row['vintage'])!r} is not a year"
            )
        code = (
            FRANCE_CODE
            if row["level"] == "france" and row["code"] in ("METRO", "1")
            else row["code"]
        )
        if row["level"] == "france" and code not in FRANCE_CODES:
            raise InputError(
                path,
                f"{where}: France is {' or '.join(FRANCE_CODES)} (France métropolitaine, France entière), not {readers.shown(code)!r}",
            )
        values, _ = readers.to_numbers(
            frame.loc[[line]],
            ["value"],
            path,
            "," in row["value"] and "." not in row["value"],
            [line],
        )
        value = float(values["value"].iloc[0])
        if value != value:
            raise InputError(
                path, f"{where}: empty value (a references table gives published values only)"
            )
        vintage = int(row["vintage"])
        family = next(f for f in FAMILIES if f.id == row["family"])
        variable = (
            unsuffixed(row["variable"].strip(), vintage)
            if family.strip_suffix
            else row["variable"].strip()
        )
        key = (row["level"], code, family.id, vintage, variable)
        if key in seen:
            raise InputError(
                path,
                f"{where}: {readers.shown(row['variable'])} of {readers.shown(code)} for {vintage} is already on line {seen[key]}: keep one",
            )
        seen[key] = line
        citation = (row["source"].strip(), str(row.get("url") or "").strip())
        out.append(
            Reference(
                Path(path),
                line,
                family.id,
                vintage,
                row["level"],
                code,
                variable,
                value,
                values.attrs["decimals"]["value"],
                citation,
            )
        )
    return out


def _add_reference(tables, reference):
    """A published value as an official row of its family's table; a value a source file gives first is kept."""
    key = (reference.family, reference.vintage)
    table = tables.get(key)
    if table is None:
        table = tables[key] = SourceTable(
            reference.family, reference.vintage, "commune", [], pd.DataFrame(), pd.DataFrame()
        )
    elif not table.data.empty and reference.variable not in {
        *table.data.columns,
        *(v for d, _ in table.official.values() for v in d.columns),
    }:
        raise InputError(
            reference.path,
            f"line {reference.line}: {reference.variable} is not a variable of the {reference.family} {reference.vintage} "
            f"files ({', '.join(p.name for p in table.paths[:2])}): check its name",
        )
    if reference.path not in table.paths:
        table.paths.append(reference.path)
    data, reasons = table.official.get(reference.level, (pd.DataFrame(), pd.DataFrame()))
    if (
        reference.code in data.index
        and reference.variable in data.columns
        and data.loc[reference.code, reference.variable]
        == data.loc[reference.code, reference.variable]
    ):
        return
    data, reasons = data.copy(), reasons.copy()
    data.loc[reference.code, reference.variable] = reference.value
    reasons.loc[reference.code, reference.variable] = ""
    table.official[reference.level] = (
        data.astype(float),
        reasons.fillna("").reindex(index=data.index, columns=data.columns).fillna(""),
    )
    table.decimals.setdefault(published_key(reference.level, reference.code), {})[
        reference.variable
    ] = reference.decimals
    table.citations.setdefault(reference.level, {}).setdefault(reference.code, {})[
        reference.variable
    ] = list(reference.citation)


def published_key(level: str, code: str | None) -> str:
    """Key of SourceTable.decimals for the decimals of one published reference territory."""
    return f"{level}:{code}"
