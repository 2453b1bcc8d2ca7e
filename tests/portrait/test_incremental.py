"""Incremental builds: an up-to-date site costs a check, a PST change redraws only what it changes."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from portrait.pipeline import records as freshness

ROOT = Path(__file__).resolve().parents[2]
COMMUNES = ["93001", "93008"]


def _stamps(out):
    return {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def _cli(out, data_dir, pst, *extra):
    """`portrait build` in a fresh interpreter; prints whether the rendering stack was imported."""
    argv = [
        "build",
        "--dept",
        "93",
        "--out",
        str(out),
        "--data",
        str(data_dir),
        "--pst",
        str(pst),
        "--jobs",
        "1",
        "--commune",
        COMMUNES[0],
        "--commune",
        COMMUNES[1],
        *extra,
    ]
    code = (
        f"import sys; from portrait.cli import main; rc = main({argv!r}); "
        "print('loaded:', sorted(m for m in ('weasyprint', 'matplotlib', 'pandas') if m in sys.modules)); sys.exit(rc)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ},
        timeout=600,
    )


def test_up_to_date_site_is_checked_without_loading_the_rendering_stack(tmp_path, data_dir):
    pst = shutil.copytree(ROOT / "examples" / "pst", tmp_path / "pst")
    out = tmp_path / "site"
    first = _cli(out, data_dir, pst, "--format", "html,csv")
    assert first.returncode == 0, first.stderr
    assert "loaded: ['matplotlib', 'pandas', 'weasyprint']" in first.stdout
    stamps = _stamps(out)

    again = _cli(out, data_dir, pst, "--format", "html,csv")
    assert again.returncode == 0, again.stderr
    assert "Rien à reconstruire" in again.stdout and "loaded: []" in again.stdout
    assert _stamps(out) == stamps

    (out / "93008-bobigny" / "indicateurs-93008-bobigny.csv").unlink()  # a damaged site is rebuilt
    repaired = _cli(out, data_dir, pst, "--format", "html,csv")
    assert (
        "Rien à reconstruire" not in repaired.stdout
        and "1 portrait(s) reconstruit(s), 1 inchangé(s)" in repaired.stdout
    )
    assert (out / "93008-bobigny" / "indicateurs-93008-bobigny.csv").is_file()

    other_options = _cli(
        out, data_dir, pst, "--format", "csv"
    )  # another option set is not taken for this one
    assert "Rien à reconstruire" not in other_options.stdout


def test_a_pst_change_rebuilds_its_commune_and_redraws_only_the_timeline(
    tmp_path, data_dir, monkeypatch
):
    from portrait.pipeline import build
    from reports import charts
    from reports.maps import MapPainter

    pst = shutil.copytree(ROOT / "examples" / "pst", tmp_path / "pst")
    out = tmp_path / "site"

    def run():
        drawn = []
        draw_chart, draw_map = charts.draw, MapPainter.draw
        monkeypatch.setattr(
            charts, "draw", lambda chart: drawn.append(chart.id) or draw_chart(chart)
        )
        monkeypatch.setattr(
            MapPainter, "draw", lambda self, chart: drawn.append(chart.id) or draw_map(self, chart)
        )
        report = build(
            "93",
            out=out,
            communes=COMMUNES,
            data_dir=data_dir,
            pst_dir=pst,
            jobs=1,
            log=lambda *_: None,
        )
        monkeypatch.undo()
        return report, drawn

    first, drawn_first = run()
    assert len(drawn_first) > 30 and not any(r.skipped for r in first.results)
    synthesis = out / "synthese-93.pdf"
    synthesis_stamp = synthesis.stat().st_mtime_ns

    path = pst / "93001.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("status: suspendu", "status: terminé", 1),
        encoding="utf-8",
    )
    second, drawn_second = run()

    rebuilt = {r.code for r in second.results if not r.skipped}
    assert rebuilt == {"93001"}
    assert drawn_second == ["pst-frise"]  # nor the département page's map, nor the synthesis
    assert (
        synthesis.stat().st_mtime_ns == synthesis_stamp
    )  # the synthesis does not depend on PST files
    text = "".join(
        page.extract_text()
        for page in PdfReader(next((out / "93001-aubervilliers").glob("*.pdf"))).pages
    )
    assert "Premières expériences professionnelles" in text and "terminé" in text


def test_request_ids_differ_with_options():
    base = freshness.request("93")
    assert base.id == freshness.request("93", formats={"pdf", "csv", "html"}).id
    assert (
        len(
            {
                base.id,
                freshness.request("93", formats={"csv"}).id,
                freshness.request("93", groups="all").id,
                freshness.request("93", communes=["93001"]).id,
                freshness.request("94").id,
            }
        )
        == 5
    )


def test_communes_then_groups_then_both_again_are_up_to_date(tmp_path, data_dir):
    """`make portraits` builds the communes, then the groups, into one directory: run twice, nothing is redone."""
    from portrait.pipeline import build

    def run(**options):
        return build(
            "93",
            out=tmp_path,
            formats={"html", "csv"},
            data_dir=data_dir,
            jobs=1,
            log=lambda *_: None,
            **options,
        )

    assert not run(communes=COMMUNES).up_to_date
    assert not run(
        groups="all"
    ).up_to_date  # rewrites the département page, which now links to the groups
    assert "200057875" in (tmp_path / "index.html").read_text(encoding="utf-8")
    assert run(communes=COMMUNES).up_to_date and run(groups="all").up_to_date


def test_upgrading_a_library_of_the_stack_changes_the_keys(tmp_path, data_dir, monkeypatch):
    from portrait import pipeline

    wanted = freshness.request("93")
    before = freshness.inputs_key(wanted, data_dir, tmp_path), pipeline.code_fingerprint()
    real_version = freshness.version
    monkeypatch.setattr(
        freshness, "version", lambda name: "99.0" if name == "weasyprint" else real_version(name)
    )
    freshness.stack_versions.cache_clear(), pipeline.code_fingerprint.cache_clear()
    try:
        assert "weasyprint==99.0" in freshness.stack_versions()
        after = freshness.inputs_key(wanted, data_dir, tmp_path), pipeline.code_fingerprint()
    finally:
        monkeypatch.undo()
        freshness.stack_versions.cache_clear(), pipeline.code_fingerprint.cache_clear()
    assert (
        after[0] != before[0] and after[1] != before[1]
    )  # the site, and each commune's portrait, are rebuilt


def test_an_up_to_date_build_says_its_warnings_again(tmp_path, data_dir, capsys, monkeypatch):
    from portrait import pipeline
    from portrait.cli import main

    load_inputs = pipeline.load_inputs

    def with_a_warning(*args):
        territory, shapes, departements = load_inputs(*args)
        territory.warnings.append("IRIS 930010101 : 12 ménages de plus que la commune")
        return territory, shapes, departements

    out, pst = tmp_path / "site", tmp_path / "pst"
    pst.mkdir()
    argv = [
        "build",
        "--dept",
        "93",
        "--commune",
        "93001",
        "--format",
        "csv",
        "--out",
        str(out),
        "--data",
        str(data_dir),
        "--pst",
        str(pst),
    ]
    monkeypatch.setattr("portrait.pipeline.inputs.load_inputs", with_a_warning)
    assert main(argv) == 0
    assert (
        capsys.readouterr().err == "warning: IRIS 930010101 : 12 ménages de plus que la commune\n"
    )
    monkeypatch.undo()
    assert main(argv) == 0
    said = capsys.readouterr()
    assert "Rien à reconstruire" in said.out
    assert said.err == "warning: IRIS 930010101 : 12 ménages de plus que la commune\n"


def test_loaded_inputs_come_from_the_cache_until_a_data_file_changes(
    tmp_path, data_dir, monkeypatch
):
    from portrait import pipeline

    monkeypatch.setenv("PORTRAIT_CACHE", str(tmp_path / "cache"))
    territory, shapes, departements = pipeline.load_inputs("93", data_dir)
    monkeypatch.setattr(
        "portrait.pipeline.inputs.load_territory",
        lambda *_: (_ for _ in ()).throw(AssertionError("loaded again")),
    )
    again, again_shapes, again_departements = pipeline.load_inputs("93", data_dir)
    pd.testing.assert_frame_equal(again.table, territory.table)
    assert list(again_shapes["code"]) == list(shapes["code"]) and len(again_departements) == len(
        departements
    )
    assert again.iris_shapes() is not None and len(again.iris_shapes()) == len(
        territory.iris_shapes()
    )
    assert again.warnings == territory.warnings and again.data_dir == territory.data_dir

    copy = shutil.copytree(data_dir, tmp_path / "data")
    key = freshness.data_key(copy)
    assert key != freshness.data_key(data_dir)  # the data directory's path is part of the key
    (copy / "pst").mkdir(exist_ok=True)
    (copy / "pst" / "93001.yaml").write_text("commune: 93001\n", encoding="utf-8")
    assert (
        freshness.data_key(copy) == key
    )  # PST files in the data directory do not change the territory
    source = next(p for p in sorted(copy.rglob("*.csv")))
    source.write_bytes(source.read_bytes() + b"\n")
    assert freshness.data_key(copy) != key
    with pytest.raises(
        AssertionError, match="loaded again"
    ):  # a changed data file: loaded, not read from the cache
        pipeline.load_inputs("93", copy)
