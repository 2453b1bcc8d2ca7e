"""Parallel builds, in local processes or on a Dask cluster, give the same portraits as sequential
ones, and unchanged communes are skipped."""

import pytest
from pypdf import PdfReader

from portrait.cli import main

COMMUNES = ["93001", "93008"]


def _build(out, data_dir, jobs, log=lambda *_: None, **options):
    from portrait.pipeline import build

    return build(
        "93",
        out=out,
        communes=COMMUNES,
        formats={"html", "pdf", "csv"},
        data_dir=data_dir,
        jobs=jobs,
        log=log,
        **options,
    )


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


@pytest.fixture(scope="module")
def sequential(tmp_path_factory, data_dir):
    out = tmp_path_factory.mktemp("sequential")
    _build(out, data_dir, jobs=1)
    return _contents(out)


def test_parallel_build_equals_sequential_build(tmp_path, data_dir, sequential):
    _build(tmp_path, data_dir, jobs=2)
    assert set(sequential) == {"93001-aubervilliers", "93008-bobigny"}
    assert _contents(tmp_path) == sequential


def test_dask_cluster_build_equals_sequential_build(tmp_path, data_dir, sequential):
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        logged = []
        report = _build(
            tmp_path, data_dir, jobs=None, scheduler=cluster.scheduler_address, log=logged.append
        )
        ran = cluster.scheduler.task_prefixes["build_commune"].state_counts
    assert f"Ordonnanceur Dask {cluster.scheduler_address} : 2 worker(s), 2 thread(s)" in logged
    assert ran["forgotten"] == 2 and [r.code for r in report.results] == COMMUNES
    assert _contents(tmp_path) == sequential


@pytest.mark.parametrize(
    "address, message",
    [
        (
            "tcp://127.0.0.1",
            "invalid Dask scheduler address 'tcp://127.0.0.1' (expected e.g. tcp://10.0.0.5:8786): missing port number",
        ),
        (
            "nonsense://host:1",
            "invalid Dask scheduler address 'nonsense://host:1' (expected e.g. tcp://10.0.0.5:8786): unknown address scheme",
        ),
        (
            "tls://127.0.0.1:1",
            "invalid Dask scheduler address 'tls://127.0.0.1:1' (expected e.g. tcp://10.0.0.5:8786): only tcp:// addresses",
        ),
    ],
)
def test_bad_scheduler_address_is_a_one_line_error_before_loading(
    tmp_path, capsys, address, message
):
    assert (
        main(
            [
                "build",
                "--dept",
                "93",
                "--commune",
                "93001",
                "--out",
                str(tmp_path / "site"),
                "--scheduler",
                address,
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and err.count("\n") == 1
    assert not (tmp_path / "site").exists()


def test_unchanged_communes_are_skipped_and_force_rebuilds(tmp_path, data_dir):
    first = _build(tmp_path, data_dir, jobs=1)
    assert not any(r.skipped for r in first.results)
    pdf = next((tmp_path / "93001-aubervilliers").glob("*.pdf"))
    stamp = pdf.stat().st_mtime_ns
    again = _build(tmp_path, data_dir, jobs=1)
    assert again.up_to_date and again.results == [] and pdf.stat().st_mtime_ns == stamp
    forced = _build(tmp_path, data_dir, jobs=1, force=True)
    assert not any(r.skipped for r in forced.results) and pdf.stat().st_mtime_ns != stamp


def test_a_scheduler_without_workers_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    from distributed import LocalCluster

    from portrait.pipeline import cluster

    monkeypatch.setattr(cluster, "WAIT_FOR_WORKERS", 1)
    with LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None) as empty:
        code = main(
            [
                "build",
                "--dept",
                "93",
                "--commune",
                "93001",
                "--out",
                str(tmp_path / "site"),
                "--scheduler",
                empty.scheduler_address,
            ]
        )
    assert code == 1
    assert capsys.readouterr().err == (
        f"error: no worker is connected to the Dask scheduler at {empty.scheduler_address} after 1 s: "
        f"start some with `dask worker {empty.scheduler_address}`\n"
    )


def test_workers_with_other_code_or_without_the_shared_directories_are_refused(tmp_path):
    from types import SimpleNamespace

    from distributed import Client, LocalCluster

    from geodata.errors import InputError
    from portrait.pipeline import cluster, code_fingerprint

    pst = tmp_path / "93001.yaml"
    pst.write_text("commune: 93001\n", encoding="utf-8")
    context = SimpleNamespace(out=tmp_path, pst_paths={"93001": pst}, observation_paths={})
    with (
        LocalCluster(n_workers=1, processes=False, dashboard_address=None) as local,
        Client(local) as client,
    ):
        cluster._check_workers(
            client, context, code_fingerprint()
        )  # same code, same files: accepted
        with pytest.raises(
            InputError,
            match="runs other code or library versions than this build: restart the workers",
        ):
            cluster._check_workers(client, context, "another fingerprint")
        pst.unlink()
        with pytest.raises(InputError, match="does not see this PST file"):
            cluster._check_workers(client, context, code_fingerprint())
    assert not list(tmp_path.glob(".portrait-cluster-*"))  # the marker is removed
    assert (
        cluster._worker_view(str(tmp_path / "absent"), [])[1] is False
    )  # a worker that does not see the output directory
