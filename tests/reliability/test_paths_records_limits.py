"""Names that become paths keep to their folder, a page an interrupted build rewrote is rebuilt,
a PST file is bounded so that its build is too, and chart text is plain text."""

import datetime as dt
import os

import matplotlib
import pytest
import reliability_fakes as fakes

from portrait.pipeline.records import COMMUNE_RECORD as MANIFEST
from reports import charts
from reports.pstfiles.fields import MAX_TEXT
from reports.pstfiles.pst import MAX_ACTIONS, MAX_MEETINGS, MAX_PROJECTS, PST
from reports.pstfiles.yamlreader import MAX_FILE_BYTES, check_yaml


def build(data, out, *options):
    return fakes.run("build", "--dept", "2A", "--data", data, "--out", out, *options)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A fake département built once (HTML and CSV: enough to see which files a build rewrites)."""
    root = tmp_path_factory.mktemp("site")
    data = fakes.write_departement(root / "data")
    out = root / "site"
    result = build(data, out, "--format", "html,csv", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    return data, out


@pytest.mark.parametrize(
    "code, said",
    [
        ("x/../2A001", "line 2: group code 'x/../2A001' is not a code"),
        ("../../etc", "line 2: group code '../../etc' is not a code"),
        ("2A001", "line 2: group code 2A001 is the code of the commune Commune 0"),
    ],
)
def test_a_group_code_that_would_name_another_folder_is_refused(site, tmp_path, code, said):
    data, out = site
    groups = tmp_path / "groupes.yaml"
    groups.write_text(
        f'# groupes\n- code: "{code}"\n  name: "Commune 0"\n  members: ["2A001", "2A002"]\n',
        encoding="utf-8",
    )
    before = fakes.snapshot(out)
    result = build(data, out, "--format", "html,csv", "--groups", groups)
    line = fakes.one_line_error(result)
    assert line.startswith(f"error: {groups}: {said}"), line
    assert fakes.snapshot(out) == before


def groups_error(site, path, text):
    """The one-line error of a build with the groups file `path` holding `text`."""
    data, out = site
    path.write_text(text, encoding="utf-8")
    return fakes.one_line_error(build(data, out, "--format", "csv", "--groups", path))


def test_two_groups_with_one_code_are_refused_with_the_line(site, tmp_path):
    groups = tmp_path / "groupes.csv"
    line = groups_error(
        site, groups, "code;name;members\nG1;Nord;2A001 2A002\nG1;Sud;2A003 2A004\n"
    )
    assert (
        line
        == f"error: {groups}: line 3: group code G1 is already the code of the group on line 2: each group needs a code of its own"
    )


def test_a_page_rewritten_to_the_same_size_is_rebuilt(site):
    """What a build killed after a page and before its record leaves: same inputs, same size, other content."""
    data, out = site
    folder = next(p for p in out.iterdir() if p.name.startswith("2A001-"))
    page = folder / "index.html"
    good = page.read_bytes()
    page.write_bytes(good.replace(b"</html>", b"</HTML>"))  # same size, not what the inputs give
    result = build(data, out, "--format", "html,csv", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert "1 portrait(s) reconstruit(s), 3 inchangé(s)" in result.stdout
    assert page.read_bytes() == good


def test_a_commune_without_its_record_is_rebuilt_and_the_record_comes_last(site):
    """A build stops between the pages and the record: the next one redoes the commune."""
    data, out = site
    folder = next(p for p in out.iterdir() if p.name.startswith("2A002-"))
    (folder / MANIFEST).unlink()
    result = build(data, out, "--format", "html,csv", "--jobs", "1")
    assert "1 portrait(s) reconstruit(s)" in result.stdout
    record = folder / MANIFEST
    assert record.stat().st_mtime_ns >= max(
        p.stat().st_mtime_ns for p in folder.iterdir() if p.is_file() and p != record
    )


def pst_text(projects=1, actions=1, meetings=1, description="Accès aux droits"):
    lines = ["commune: '2A001'", "agreement:", "  date: 2025-03-14", "projects:"]
    for n in range(projects):
        lines += [
            f"  - id: p{n}",
            f"    title: Projet {n}",
            "    theme: revenus",
            "    status: en cours",
            f"    description: {description}",
        ]
    lines += ["governance:", "  meetings:"] + [
        f"    - date: 2025-0{1 + n % 9}-1{n % 10}" for n in range(meetings)
    ]
    lines += ["follow_up:"] + [
        f"  - {{id: a{n}, action: Relancer, owner: CCAS, status: à faire}}" for n in range(actions)
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"projects": MAX_PROJECTS + 1},
            f"projects: too many items: {MAX_PROJECTS + 1}, at most {MAX_PROJECTS}",
        ),
        (
            {"actions": MAX_ACTIONS + 1},
            f"follow_up: too many items: {MAX_ACTIONS + 1}, at most {MAX_ACTIONS}",
        ),
        (
            {"meetings": MAX_MEETINGS + 1},
            f"governance.meetings: too many items: {MAX_MEETINGS + 1}, at most {MAX_MEETINGS}",
        ),
        (
            {"description": "x" * (MAX_TEXT + 1)},
            "projects[0].description: too long: 2 001 characters, at most 2 000",
        ),
    ],
)
def test_pst_check_bounds_what_a_build_prints(tmp_path, kwargs, message):
    path = tmp_path / "2A001.yaml"
    path.write_text(pst_text(**kwargs), encoding="utf-8")
    _, errors = check_yaml(path, PST, {"stem": "2A001", "known_communes": {"2A001"}})
    assert len(errors) == 1 and errors[0].endswith(message), errors


def test_pst_at_the_limits_is_accepted_and_a_larger_file_is_not(tmp_path):
    path = tmp_path / "2A001.yaml"
    path.write_text(
        pst_text(MAX_PROJECTS, MAX_ACTIONS, MAX_MEETINGS, "x" * MAX_TEXT), encoding="utf-8"
    )
    model, errors = check_yaml(path, PST, {"stem": "2A001", "known_communes": {"2A001"}})
    assert (
        errors == [] and len(model.projects) == MAX_PROJECTS and len(model.follow_up) == MAX_ACTIONS
    )
    path.write_bytes(pst_text().encode() + b"# " + b"x" * MAX_FILE_BYTES + b"\n")
    _, errors = check_yaml(path, PST, {"stem": "2A001"})
    assert (
        len(errors) == 1
        and errors[0].startswith(f"{path}: file too large (")
        and errors[0].endswith(", at most 256 KB)")
    )


def test_chart_text_is_plain_text_never_mathtext():
    """With mathtext, "$\\euro$" is a parse error and "50 $ ou 100 $" loses its dollars."""
    assert matplotlib.rcParams["text.parse_math"] is False
    title = "Aide de 50 $ ou 100 $ par famille, $\\euro$ compris"
    today = dt.date(2026, 1, 15)
    data = {
        "projects": [
            {
                "title": title,
                "status": "en cours",
                "start": dt.date(2025, 1, 1),
                "end": dt.date(2026, 12, 31),
            }
        ],
        "meetings": [{"date": dt.date(2025, 10, 7), "kind": "conference"}],
        "today": today,
    }
    png = charts.timeline(data)  # with mathtext: ParseFatalException, Unknown symbol: \euro
    assert png.startswith(b"\x89PNG")


def test_a_groups_file_is_read_as_written_or_refused_with_the_line(site, tmp_path):
    """Members in one string (the CSV style in YAML) are refused, a leading zero is kept, CSV lines count blank lines."""
    as_string = tmp_path / "texte.yaml"
    line = groups_error(site, as_string, '- code: "G1"\n  name: Nord\n  members: "2A001 2A002"\n')
    assert (
        line
        == f"error: {as_string}: line 1: a group needs a code, a name and members (a list of commune codes)"
    )
    assert "a groups file is a list of groups" in groups_error(
        site, tmp_path / "nombre.yaml", "42\n"
    )
    blank_lines = tmp_path / "groupes.csv"
    line = groups_error(
        site, blank_lines, "code;name;members\n\nG1;Nord;2A001,2A002\n\nG1;Sud;2A003 2A004\n"
    )
    assert line.startswith(
        f"error: {blank_lines}: line 5: group code G1 is already the code of the group on line 3"
    )


def test_aliases_cannot_carry_a_pst_file_past_its_limit(tmp_path):
    text = "x" * MAX_TEXT
    lines = [
        "commune: '2A001'",
        "agreement: {}",
        "projects:",
        "  - {id: p0, title: T, theme: revenus, status: en cours, description: &d " + text + "}",
    ]
    lines += ["follow_up:"] + [
        f"  - {{id: a{n}, action: *d, owner: X, status: à faire, comment: *d}}"
        for n in range(MAX_ACTIONS)
    ]
    path = tmp_path / "2A001.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size < MAX_FILE_BYTES / 10
    _, errors = check_yaml(path, PST, {"stem": "2A001"})
    assert (
        len(errors) == 1
        and "too much text once aliases are expanded (more than 256 KB)" in errors[0]
    )


def test_a_shared_page_rewritten_to_the_same_size_is_rebuilt(site):
    """The synthesis and the shared assets keep records with digests too."""
    data, out = site
    page = out / "synthese.html"
    good = page.read_bytes()
    page.write_bytes(good.replace(b"</html>", b"</HTML>"))
    result = build(data, out, "--format", "html,csv", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert page.read_bytes() == good


@pytest.mark.parametrize("kind", ["fifo", "link", "directory"])
def test_an_output_file_that_is_not_a_regular_file_is_refused(tmp_path, kind):
    """`--out` writes a regular file or refuses: a rename over a device, a pipe or a link would
    replace it (run as root, `--out /dev/null` would destroy the device)."""
    target = tmp_path / "sortie"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "link":
        target.symlink_to(tmp_path / "elsewhere.md")
    else:
        target.mkdir()
    result = fakes.run("catalogue", "--out", target)
    assert "not a regular file" in fakes.one_line_error(result)
    assert target.is_symlink() if kind == "link" else not target.is_file()
    assert not (tmp_path / "elsewhere.md").exists()
