"""`portrait doctor`: all is well on this machine; a missing file, boundary or write access is named with its fix."""

import os

import reliability_fakes as fakes

from indicators.catalogue import load_catalogue

ACTIVITY_2016 = "insee/rp/base-ic-activite-residents-2016-idf.csv"


def linked_copy(source, target, leave_out=()):
    """The data directory as symlinks, never copies of the data, without the files named."""
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_file() and relative.as_posix() not in leave_out:
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(path, target / relative)
    return target


def doctor(*arguments):
    result = fakes.run("doctor", *arguments)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout.splitlines()


def check_lines(lines):
    return {
        line.split(":", 1)[0][6:]: line
        for line in lines
        if line[:5].strip() in ("ok", "FAIL", "warn")
    }


def test_this_machine_is_ready(data_dir, tmp_path):
    code, lines = doctor("--data", data_dir, "--out", tmp_path / "site")
    assert code == 0 and lines[-1] == "All required checks pass."
    checks = check_lines(lines)
    required = [
        "Python ≥ 3.10",
        "weasyprint",
        "library pango-1.0",
        "library harfbuzz-subset",
        "fonts with é, œ, €",
        "write access",
        "data directory",
        "statistics tables",
        "commune boundaries",
    ]
    for name in required:
        assert checks[name].startswith("ok    "), checks.get(name)
    assert "boundaries/communes-93-seine-saint-denis.geojson" in checks["commune boundaries"]
    assert "insee/cc_filosofi_2021_COM.csv" in "\n".join(
        lines
    )  # the inventory: files, families, vintages


def test_a_removed_file_names_the_indicators_it_fed(data_dir, tmp_path):
    copy = linked_copy(data_dir, tmp_path / "data", leave_out={ACTIVITY_2016})
    code, lines = doctor("--data", copy)
    catalogue = load_catalogue()
    only_there = sorted(
        i.id
        for i in catalogue
        if i.formulas and {f.source for f in i.formulas} == {"rp_activite_iris"}
    )
    assert code == 0 and only_there
    line = check_lines(lines)["indicators"]
    assert line.startswith("warn  indicators: ") and all(
        i in line.split("unavailable: ")[1] for i in only_there
    )
    fix = lines[lines.index(line) + 1]
    assert fix.startswith("      → add Insee, RP (activité des résidents, IRIS) 2016 for ") and all(
        i in fix for i in only_there
    )


def test_missing_boundaries_and_unwritable_output_fail_with_their_fix(tmp_path):
    data = fakes.write_departement(tmp_path / "data")
    (data / fakes.BOUNDARIES).unlink()
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, lines = doctor("--data", data, "--out", blocker / "site")
    checks = check_lines(lines)
    assert code == 1 and lines[-1] == "2 required check(s) failed: do what the → lines say."
    assert checks["commune boundaries"] == "FAIL  commune boundaries: none"
    assert checks["write access"] == f"FAIL  write access: {blocker}: Not a directory"
    assert (
        lines[lines.index(checks["write access"]) + 1]
        == "      → choose a writable directory with --out, or change its permissions"
    )


def test_an_unreadable_data_file_is_reported_not_raised(tmp_path):
    data = fakes.write_departement(tmp_path / "data")
    (data / fakes.FILOSOFI).write_text("")
    code, lines = doctor("--data", data)
    assert code == 1
    assert check_lines(lines)["data directory"] == (
        f"FAIL  data directory: {data / fakes.FILOSOFI}: empty file: download it again, or remove it from the data directory"
    )
