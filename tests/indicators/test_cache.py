"""The cache: harmonised tables as Parquet and loaded objects as pickles, keyed by what they depend on."""

import pandas as pd

from indicators import cache


def test_harmonised_tables_are_read_back_equal_from_the_cache(tmp_path, data_dir, monkeypatch):
    monkeypatch.setenv("PORTRAIT_CACHE", str(tmp_path))
    parsed = cache.harmonised_tables(data_dir)
    assert len(list(tmp_path.glob("tables-*"))) == 1
    monkeypatch.setattr(
        cache, "load_sources", lambda *_: (_ for _ in ()).throw(AssertionError("parsed again"))
    )
    cached = cache.harmonised_tables(data_dir)
    for parsed_tables, cached_tables in zip(parsed[:2], cached[:2]):
        assert parsed_tables.keys() == cached_tables.keys()
        for key, table in parsed_tables.items():
            pd.testing.assert_frame_equal(table.data, cached_tables[key].data, check_dtype=False)
            pd.testing.assert_frame_equal(
                table.reasons, cached_tables[key].reasons, check_dtype=False
            )
    assert [e.into for e in parsed[2]] == [e.into for e in cached[2]]


def test_cached_object_is_produced_once_and_again_when_unreadable(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTRAIT_CACHE", str(tmp_path))
    produced = []

    def produce():
        produced.append(1)
        return {"value": len(produced)}

    assert cache.cached_object("k1", produce) == {"value": 1}
    assert cache.cached_object("k1", produce) == {"value": 1} and len(produced) == 1
    assert cache.cached_object("k2", produce) == {"value": 2}  # another key, another object
    (tmp_path / "object-k1.pickle").write_bytes(b"not a pickle")
    assert cache.cached_object("k1", produce) == {"value": 3}
    assert cache.cached_object("k1", produce) == {"value": 3} and len(produced) == 3
    assert not list(tmp_path.glob(".tmp-*"))


def test_cache_off_produces_every_time(monkeypatch):
    monkeypatch.setenv("PORTRAIT_CACHE", "off")
    produced = []
    cache.cached_object("k", lambda: produced.append(1))
    cache.cached_object("k", lambda: produced.append(1))
    assert len(produced) == 2


def test_a_cache_path_that_is_a_file_only_costs_speed(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("PORTRAIT_CACHE", str(blocker))
    assert cache.cached_object("k", lambda: 42) == 42
    assert cache.cached_object("k", lambda: 43) == 43  # nothing could be stored


def test_an_object_that_cannot_be_pickled_is_returned_and_leaves_no_temporary_file(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("PORTRAIT_CACHE", str(tmp_path))
    value = cache.cached_object("k", lambda: lambda: 1)
    assert value() == 1
    assert list(tmp_path.iterdir()) == []
