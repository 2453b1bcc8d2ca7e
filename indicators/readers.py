"""Low-level reading of INSEE-style tables: separators, encodings, decimal commas, blanks.

INSEE blanks (`s` for statistical secrecy, `nd`, empty, `NA`, `-`) stay missing
with their reason; they are never read as 0.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geodata.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Sequence

__all__ = [
    "BINARY_SIGNATURES",
    "MISSING_TOKENS",
    "UTF16_BOMS",
    "decode",
    "header_of",
    "published_decimals",
    "read_table",
    "read_text",
    "restore_zeros",
    "shown",
    "sniff_separator",
    "to_numbers",
    "year_in_name",
    "year_suffix",
]

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
BINARY_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive: unzip it",
    b"\x1f\x8b": "a gzip archive: decompress it",
    b"%PDF": "a PDF document",
}
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode(raw: bytes, path: str | Path) -> str:
    """Text of a table: UTF-16 when it has a BOM (Excel's "Unicode text"), else UTF-8 (with or without
    BOM), else Latin-1 (Windows-1252). Empty and binary files are an InputError, since a data file
    that is either is a failed download or a wrong file, never a table to skip."""
    if raw.startswith(UTF16_BOMS):
        text = raw.decode("utf-16", errors="replace")
    else:
        kind = next(
            (what for magic, what in BINARY_SIGNATURES.items() if raw.startswith(magic)), None
        )
        if kind or b"\x00" in raw[:4096]:
            raise InputError(
                path, f"binary file, not a CSV text table ({kind or 'save it as CSV text'})"
            )
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
    if not text.strip():
        raise InputError(
            path, "empty file: download it again, or remove it from the data directory"
        )
    return text


def read_text(path: str | Path) -> str:
    """The decoded text of a table."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read file ({exc.strerror})") from None
    return decode(raw, path)


def header_of(path: str | Path, max_bytes: int = 65536) -> tuple[list[str], str]:
    """Column names of a CSV file, read from its first line only."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(max_bytes)
    except OSError as exc:
        raise InputError(path, f"cannot read file ({exc.strerror})") from None
    first = decode(head, path).splitlines()[0]
    sep = sniff_separator(first)
    return [c.strip().strip('"') for c in first.split(sep)], sep


def sniff_separator(line: str) -> str:
    counts = {sep: line.count(sep) for sep in (";", ",", "\t")}
    return max(counts, key=counts.get) if any(counts.values()) else ";"


def _records(path, text, sep):
    """(header, rows, first line of each row) of a CSV text; a cut or misquoted file is an InputError.

    Rows must have as many fields as the header: pandas would pad a short row with blanks (a cut
    file read as missing values) or take an extra field for an index (every value shifted)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar='"', strict=True)
    rows, lines, line = [], [], 0
    try:
        header = [c.strip() for c in next(reader)]
        line = reader.line_num
        for row in reader:
            start, line = line + 1, reader.line_num
            if not any(field.strip() for field in row):
                continue
            if len(row) != len(header):
                raise InputError(
                    path,
                    f"line {start}: {len(row)} fields where the header has {len(header)} "
                    f"(the file is cut, or a value holds an unquoted '{sep}'): download it again or fix the line",
                )
            rows.append(row)
            lines.append(start)
    except csv.Error as exc:
        raise InputError(
            path,
            f"line {line + 1}: malformed CSV ({exc}): the file is cut or a quote is not closed",
        ) from None
    return header, rows, lines


def _check_header(path, header, code_column):
    seen = {}
    for position, name in enumerate(header, 1):
        if name in seen:
            raise InputError(
                path,
                f"column {shown(name)} appears twice in the header (columns {seen[name]} and {position}): remove one",
            )
        seen[name] = position
    if code_column not in seen:
        raise InputError(
            path,
            f"no '{code_column}' column (the code of each territory); columns found: {shown(', '.join(header[:6]), 80)}",
        )


def read_table(path: str | Path, code_column: str) -> pd.DataFrame:
    """Read a CSV as strings, with the codes stripped; the frame's index is the file line of each row,
    for messages that point at it."""
    text = read_text(path)
    sep = sniff_separator(text.split("\n", 1)[0])
    header, rows, lines = _records(path, text, sep)
    _check_header(path, header, code_column)
    if not rows:
        raise InputError(
            path, "header only, no data rows: the export or download failed, get the file again"
        )
    frame = pd.DataFrame(rows, columns=header, index=lines, dtype=str)
    codes = frame[code_column].str.strip()
    if (codes == "").any():
        raise InputError(
            path,
            f"line {codes.index[codes == ''][0]}: empty {code_column} (every row needs the code of its territory)",
        )
    frame[code_column] = codes
    frame.attrs["sep"] = sep
    return frame


def restore_zeros(codes: pd.Series, length: int) -> pd.Series:
    """Codes that lost their leading zeros in a spreadsheet (1001 for 01001), padded back."""
    short = codes.str.fullmatch(r"\d+") & (codes.str.len() < length)
    return codes.where(~short, codes.str.zfill(length))


def to_numbers(
    frame: pd.DataFrame,
    columns: Iterable[str],
    path: str | Path,
    decimal_comma: bool,
    lines: Sequence[int] | np.ndarray,
    counts: Collection[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Convert text columns to floats; return (values, reasons) where reasons names each blank.

    `lines` are the file lines of the rows, for messages; `counts` the columns that cannot be
    negative: a negative count is an error, since it can only be a corrupted or misread cell.
    The values' frame carries in attrs["decimals"] the decimals each column is published with.
    """
    values = {}
    reasons = {}
    decimals = {}
    for column in columns:
        raw = frame[column]
        number = _fast_numbers(raw, decimal_comma)
        reason = np.full(len(raw), "", dtype=object)
        # blanks, and anything but digits, signs, separators and exponents (words, quotes), are looked at cell by cell
        pending = np.isnan(number) | raw.str.contains(r"[^0-9eE.,+\- ]", regex=True).to_numpy(
            dtype=bool
        )
        if pending.any():
            number[pending], reason[pending] = _clean_numbers(
                raw[pending], decimal_comma, np.flatnonzero(pending), path, lines, column
            )
        if column in counts and (number < 0).any():
            position = int(np.flatnonzero(number < 0)[0])
            _cell_error(
                path,
                lines[position],
                column,
                raw.iloc[position],
                "is a negative count: correct it, or write s / nd to mark it missing",
            )
        values[column] = number
        reasons[column] = reason
        decimals[column] = published_decimals(raw)
    index = frame.index
    out = pd.DataFrame(values, index=index)
    out.attrs["decimals"] = decimals
    return out, pd.DataFrame(reasons, index=index)


def published_decimals(cells: pd.Series) -> int:
    """The decimals a column is published with: 0 for "42,0" or "42" everywhere, 1 when "71,8" appears.

    Filosofi writes whole-number rates as "42,0"; printing them "42,0 %" would claim a decimal
    that the source does not have."""
    fraction = cells.str.extract(r"[.,](\d+)\s*$", expand=False).dropna().str.rstrip("0")
    return int(fraction.str.len().max()) if len(fraction) else 0


def _fast_numbers(raw, decimal_comma):
    """The column parsed by pandas' C reader: numbers, and NaN for every cell it cannot read (looked at after)."""
    text = "\n".join(raw.str.strip().str.lower().tolist())
    try:
        parsed = pd.read_csv(
            io.StringIO(text),
            sep="\x1f",
            header=None,
            names=["v"],
            dtype=float,
            skip_blank_lines=False,
            decimal="," if decimal_comma else ".",
            na_values=list(MISSING_TOKENS),
            keep_default_na=False,
        )
    except ValueError:
        return pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, copy=True)
    number = parsed["v"].to_numpy(dtype=float, copy=True)
    return (
        number
        if len(number) == len(raw)
        else pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, copy=True)
    )


def _clean_numbers(cells, decimal_comma, positions, path, lines, column):
    """Numbers and blank reasons of the cells the plain conversion left out (at `positions` in the column)."""
    raw = cells.astype(str).str.strip()
    lowered = raw.str.lower()
    reasons = lowered.map(MISSING_TOKENS)
    blank = reasons.notna()
    if blank.all():  # the usual case: withheld or empty cells
        return np.full(len(raw), np.nan), reasons.to_numpy(dtype=object)
    text = raw.where(~blank, "")
    if decimal_comma:
        text = text.str.replace(",", ".", regex=False)
    text = text.str.replace(r"[\u00a0\u202f ]", "", regex=True)
    number = pd.to_numeric(text.where(~blank, np.nan), errors="coerce")
    bad = number.isna() & ~blank
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        _cell_error(
            path,
            lines[positions[first]],
            column,
            raw.iloc[first],
            "is not a number (expected a number, or s / nd / empty for a missing value)",
        )
    return number.to_numpy(dtype=float), reasons.where(blank, "").to_numpy(dtype=object)


def _cell_error(path, line, column, value, what):
    raise InputError(path, f"line {line}, column {shown(column)}: '{shown(value)}' {what}")


def shown(text: object, limit: int = 40) -> str:
    """A value from a file inside a one-line message: whitespace and control characters folded, cut if long."""
    text = " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", str(text)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def year_suffix(columns: Iterable[str], stem: str) -> int | None:
    """Vintage from a column such as MED21 or NBMENFISC19: 2021, 2019."""
    for column in columns:
        match = re.fullmatch(rf"{stem}(\d\d)", column)
        if match:
            return 2000 + int(match.group(1))
    return None


def year_in_name(path: str | Path) -> int | None:
    match = re.search(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", Path(path).name)
    return int(match.group(1)) if match else None
