"""Fuzzing: any bytes given as an INSEE table, a PST file or a boundary file either load or raise
an InputError whose message is one line; never another exception, never a traceback for the user."""

import tempfile
from pathlib import Path

import reliability_fakes as fakes
from hypothesis import example, given, settings
from hypothesis import strategies as st

from geodata.errors import InputError
from indicators.sources import load_sources
from portrait.pst import new_pst
from reports.pstfiles import pst

FUZZ = settings(max_examples=150, deadline=None, database=None)  # no .hypothesis folder in the tree
TOKENS = [
    b";",
    b",",
    b"\t",
    b'"',
    b"\n",
    b"\r\n",
    b"s",
    b"nd",
    b"-",
    b"NA",
    b"-1",
    b"1e309",
    b"2A001",
    b"1001",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xff",
    b"\x00",
    b"PK\x03\x04",
    b"&a",
    b"*a",
    b": ",
    b"- ",
    b"{",
    b"[",
    b"!!python/object",
]


@st.composite
def mutated(draw, base):
    """A valid file with a few cuts, insertions, deletions and replacements, often with a meaningful token."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(data)))
        chunk = draw(st.sampled_from(TOKENS) | st.binary(max_size=6))
        action = draw(st.sampled_from(["insert", "delete", "replace", "cut"]))
        if action == "insert":
            data[position:position] = chunk
        elif action == "delete":
            del data[position : position + draw(st.integers(1, 20))]
        elif action == "replace":
            data[position : position + len(chunk)] = chunk
        else:
            del data[position:]
    return bytes(data)


def one_line(exc):
    return "\n" not in str(exc) and "\r" not in str(exc) and str(exc).strip() != ""


TABLES = [
    fakes.filosofi_text().encode(),
    fakes.counts_text(fakes.COMPARATEUR).encode(),
    fakes.counts_text(fakes.DERIVED, names=["a", "b", "c", "d"]).encode(),
]


@FUZZ
@given(
    st.one_of(st.binary(max_size=400), *(mutated(t) for t in TABLES)),
    st.sampled_from(["cc_filosofi_2021_COM.csv", "table.txt"]),
)
@example(b"\xff\xfe", "table.txt")  # a UTF-16 byte order mark and nothing else
@example(b"\n\n" + TABLES[0], "table.txt")
def test_any_bytes_as_a_table_load_or_give_one_line(content, name):
    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / name).write_bytes(content)
        try:
            load_sources(directory)
        except InputError as exc:
            assert one_line(exc), str(exc)


def template():
    with tempfile.TemporaryDirectory() as directory:
        return new_pst("2A001", "Commune 0", directory).read_bytes()


PST_TEMPLATE = template()


@FUZZ
@given(st.one_of(st.binary(max_size=400), mutated(PST_TEMPLATE)))
def test_any_bytes_as_a_pst_file_load_or_give_one_line(content):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "2A001.yaml"
        path.write_bytes(content)
        try:
            pst.load_pst(path)
        except InputError as exc:
            assert one_line(exc), str(exc)
        assert all(one_line(error) for error in pst.check_directory(directory))


def boundary_file():
    with tempfile.TemporaryDirectory() as directory:
        fakes.write_boundaries(Path(directory) / fakes.BOUNDARIES)
        return (Path(directory) / fakes.BOUNDARIES).read_bytes()


@FUZZ
@given(st.one_of(st.binary(max_size=400), mutated(boundary_file())))
def test_any_bytes_as_a_boundary_file_load_or_give_one_line(content):
    from geodata import boundaries

    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / fakes.BOUNDARIES).write_bytes(content)
        try:
            boundaries.load_communes(directory, "2A", [])
        except InputError as exc:
            assert one_line(exc), str(exc)
