"""Low-level reading of INSEE-style tables: separators, encodings, decimal commas, blanks.

INSEE blanks (`s` for statistical secrecy, `nd`, empty, `NA`, `-`) stay missing
with their reason; they are never read as 0.
"""

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from geodata.errors import InputError

MISSING_TOKENS = {
    "s": "secret statistique",
    "ns": "non significatif (Insee)",
    "so": "sans objet (Insee)",
    "nd": "non disponible dans la source",
    "n.d.": "non disponible dans la source",
    "": "non renseigné dans la source",
    "na": "non renseigné dans la source",
    "nan": "non renseigné dans la source",
    "-": "non renseigné dans la source",
}


def read_text(path):
    """Decode a file as UTF-8 (with or without BOM), else Latin-1 (Windows-1252)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read file ({exc.strerror})") from None
    if b"\x00" in raw[:4096]:
        raise InputError(path, "binary file, expected a CSV text table")
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "latin-1"


def header_of(path, max_bytes=65536):
    """Column names of a CSV file, read from its first line only."""
    path = Path(path)
    with open(path, "rb") as handle:
        head = handle.read(max_bytes)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = head.decode("cp1252", errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    sep = sniff_separator(first)
    return [c.strip().strip('"') for c in first.split(sep)], sep


def sniff_separator(line):
    counts = {sep: line.count(sep) for sep in (";", ",", "\t")}
    return max(counts, key=counts.get) if any(counts.values()) else ";"


def read_table(path, code_column, code_length):
    """Read a CSV as strings, with the code column normalised (leading zeros restored)."""
    text, _ = read_text(path)
    if not text.strip():
        raise InputError(path, "empty file")
    first_line = text.splitlines()[0]
    sep = sniff_separator(first_line)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, quotechar='"')
    except (pd.errors.ParserError, csv.Error) as exc:
        detail = str(exc).strip().splitlines()[0]
        raise InputError(path, f"malformed CSV ({detail})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if code_column not in frame.columns:
        raise InputError(path, f"no '{code_column}' column (the code of each territory); columns found: {', '.join(frame.columns[:6])}…")
    if frame.empty:
        raise InputError(path, "header only, no data rows")
    codes = frame[code_column].str.strip()
    if code_length:
        short = codes.str.fullmatch(r"\d+") & (codes.str.len() < code_length)
        codes = codes.where(~short, codes.str.zfill(code_length))
    frame[code_column] = codes
    frame.attrs["sep"] = sep
    return frame


def to_numbers(frame, columns, path, decimal_comma):
    """Convert text columns to floats; return (values, reasons) where reasons names each blank."""
    values = {}
    reasons = {}
    for column in columns:
        raw = frame[column].astype(str).str.strip()
        lowered = raw.str.lower()
        blank = lowered.isin(MISSING_TOKENS)
        text = raw.where(~blank, "")
        if decimal_comma:
            text = text.str.replace(",", ".", regex=False)
        text = text.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
        number = pd.to_numeric(text.where(~blank, np.nan), errors="coerce")
        bad = number.isna() & ~blank
        if bad.any():
            position = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                path,
                f"line {position + 2}, column {column}: '{raw.iloc[position]}' is not a number "
                "(expected a number, or s / nd / empty for a missing value)",
            )
        values[column] = number.to_numpy(dtype=float)
        reasons[column] = lowered.map(MISSING_TOKENS).where(blank, "").to_numpy(dtype=object)
    index = frame.index
    return pd.DataFrame(values, index=index), pd.DataFrame(reasons, index=index)


def year_suffix(columns, stem):
    """Vintage from a column such as MED21 or NBMENFISC19: 2021, 2019."""
    for column in columns:
        match = re.fullmatch(rf"{stem}(\d\d)", column)
        if match:
            return 2000 + int(match.group(1))
    return None


def year_in_name(path):
    match = re.search(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", Path(path).name)
    return int(match.group(1)) if match else None
