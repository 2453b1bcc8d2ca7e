"""Atomic output: a build killed at any moment leaves complete files (old or new, never half), its
temporary files are never taken for output and are cleaned by the next build, which completes."""

import csv
import io
import json
import os
import random
import signal
import subprocess
import time

import pytest
import reliability_fakes as fakes

from portrait.files import TEMP_NAME
from portrait.pipeline import CSV_COLUMNS
from reports import webmap
from reports.render import STATIC

KILLS = 5
SEED = 20250101
PNG_END = b"IEND\xaeB`\x82"


def static_assets():
    """The files a build copies as they are: they must equal their source."""
    files = {f"assets/{name}": data for name, data in webmap.leaflet_assets().items()}
    files["assets/portrait.css"] = (STATIC / "portrait.css").read_bytes()
    return files


def is_complete(path, relative, copies):
    data = path.read_bytes()
    if relative in copies:
        return data == copies[relative]
    suffix = path.suffix
    if suffix == ".html":
        return data.rstrip().endswith(b"</html>")
    if suffix == ".pdf":
        return data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    if suffix == ".csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
        return (
            rows[0] == CSV_COLUMNS
            and len(rows) > 1
            and all(len(r) == len(CSV_COLUMNS) for r in rows)
        )
    if suffix == ".png":
        return data.startswith(b"\x89PNG") and data.endswith(PNG_END)
    if suffix == ".svg":
        return data.rstrip().endswith(b"</svg>")
    if suffix == ".js":
        return data.startswith(b"window.") and data.endswith(b";\n")
    if suffix == ".json":
        return isinstance(json.loads(data), dict)
    raise AssertionError(f"unexpected output file {relative}")


def check_output(out):
    """Every file under a final name is complete; returns the temporary files (hidden, never output)."""
    copies = static_assets()
    temporaries = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        relative = path.relative_to(out).as_posix()
        if TEMP_NAME.fullmatch(path.name):
            temporaries.append(relative)
            continue
        assert is_complete(path, relative, copies), f"incomplete file {relative}"
    return temporaries


def test_killed_builds_leave_only_complete_files(tmp_path):
    data = fakes.write_departement(tmp_path / "data")
    out = tmp_path / "site"
    command = fakes.command(
        "build",
        "--dept",
        "2A",
        "--data",
        data,
        "--out",
        out,
        "--jobs",
        "1",
        "--format",
        "html,csv,pdf",
        "--force",
    )
    run = dict(
        cwd=fakes.ROOT, env=fakes.environment(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    started = time.monotonic()
    assert subprocess.run(command, **run).returncode == 0
    duration = time.monotonic() - started
    assert check_output(out) == []
    draw = random.Random(SEED)
    left = []
    for _ in range(KILLS):
        process = subprocess.Popen(command, start_new_session=True, **run)
        time.sleep(draw.uniform(0.5, duration))
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        left += check_output(out)
    final = subprocess.run(command, **run)
    assert final.returncode == 0, final.stderr
    assert check_output(out) == []  # the stale temporaries of the killed builds are gone
    assert len(list(out.glob("2A00*/portrait-*.pdf"))) == len(fakes.CODES)
    print(f"build {duration:.1f} s; temporaries left by {KILLS} kills: {len(left)}")


@pytest.mark.parametrize("pid_alive", [True, False])
def test_prepare_directory_cleans_only_stale_temporaries(tmp_path, pid_alive):
    from portrait.files import prepare_directory

    child = subprocess.Popen(["sleep", "30"])
    if not pid_alive:
        child.kill()
        child.wait()
    try:
        temporary = tmp_path / f".index.html.{child.pid}.abcd1234.tmp"
        temporary.write_text("<html>half")
        output = tmp_path / "index.html"
        output.write_text("<html></html>")
        prepare_directory(tmp_path)
        assert temporary.exists() == pid_alive and output.exists()
    finally:
        child.kill()
        child.wait()
