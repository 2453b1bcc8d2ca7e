"""Parallel builds give the same portraits as sequential ones, and unchanged communes are skipped."""

from pypdf import PdfReader

COMMUNES = ["93001", "93008"]


def _build(out, data_dir, jobs, **options):
    from portrait.pipeline import build

    return build("93", out=out, communes=COMMUNES, formats={"html", "pdf", "csv"}, data_dir=data_dir, jobs=jobs, log=lambda *_: None, **options)


def _contents(out):
    result = {}
    for folder in sorted(p for p in out.iterdir() if p.is_dir() and p.name[:2] == "93"):
        pdf = next(folder.glob("*.pdf"))
        result[folder.name] = {
            "pdf": [page.extract_text() for page in PdfReader(pdf).pages],
            "html": (folder / "index.html").read_text(encoding="utf-8"),
            "csv": next(folder.glob("*.csv")).read_text(encoding="utf-8"),
        }
    return result


def test_parallel_build_equals_sequential_build(tmp_path, data_dir):
    _build(tmp_path / "one", data_dir, jobs=1)
    _build(tmp_path / "two", data_dir, jobs=2)
    sequential, parallel = _contents(tmp_path / "one"), _contents(tmp_path / "two")
    assert set(sequential) == {"93001-aubervilliers", "93008-bobigny"}
    assert sequential == parallel


def test_unchanged_communes_are_skipped_and_force_rebuilds(tmp_path, data_dir):
    first = _build(tmp_path, data_dir, jobs=1)
    assert not any(r.skipped for r in first.results)
    pdf = next((tmp_path / "93001-aubervilliers").glob("*.pdf"))
    stamp = pdf.stat().st_mtime_ns
    again = _build(tmp_path, data_dir, jobs=1)
    assert again.up_to_date and again.results == [] and pdf.stat().st_mtime_ns == stamp
    forced = _build(tmp_path, data_dir, jobs=1, force=True)
    assert not any(r.skipped for r in forced.results) and pdf.stat().st_mtime_ns != stamp
