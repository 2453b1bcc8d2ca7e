"""PST files: the examples and the template pass, every kind of error is one line with its YAML line."""

import argparse
import datetime as dt
import re
import shutil

import pytest

from geodata.errors import InputError
from portrait.pst import new_pst, register
from reports.pstfiles.commune_files import PSTError
from reports.pstfiles.pst import check_directory, load_directory, load_pst
from tests.conftest import ROOT, write_fake_departement

EXAMPLES = ROOT / "examples" / "pst"
TODAY = dt.date(2026, 11, 27)

# A small valid file whose line numbers the tests below rely on.
BASE = """\
commune: "93066"
agreement:
  date: 2025-06-12
  signatories: [Ville de Saint-Denis]
  duration: 3
projects:
  - id: acces-aux-droits
    title: Accès aux droits
    theme: menages
    status: en cours
    start: 2025-01-01
    end: 2026-12-31
    indicators: [taux_pauvrete]
    links: [https://www.example.org/projet]
  - id: emploi-jeunes
    title: Emploi des jeunes
    theme: emploi
    status: idée
    indicators:
      - taux_chomage_15_24
governance:
  conference:
    - date: 2025-10-07
      minutes: comptes-rendus/conference.pdf
follow_up:
  - id: bilan
    action: Rédiger le bilan
    owner: Service social
    due: 2026-09-30
    status: en cours
"""


def write(directory, text, name="93066.yaml"):
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def errors_of(tmp_path, old, new, **kwargs):
    assert old in BASE
    write(tmp_path / "pst", BASE.replace(old, new, 1))
    return check_directory(tmp_path / "pst", **kwargs)


def test_the_base_file_is_valid(tmp_path):
    write(tmp_path / "pst", BASE)
    assert check_directory(tmp_path / "pst") == []
    pst = load_pst(tmp_path / "pst" / "93066.yaml")
    assert pst.projects[0].end == dt.date(2026, 12, 31)
    assert pst.governance.conference[0].kind == "conference"


@pytest.mark.parametrize(
    "old, new, expected",
    [
        pytest.param(
            "signatories: [Ville de Saint-Denis]",
            "signatories: Ville de Saint-Denis",
            "4: agreement.signatories: expected a list (lines starting with '- '), got 'Ville de Saint-Denis'",
            id="wrong-type",
        ),
        pytest.param(
            "duration: 3",
            "duration: trois ans",
            "5: agreement.duration: 'trois ans' is not a duration: a number of years (1 to 50) or 'sans limite de durée'",
            id="duration",
        ),
        pytest.param(
            "status: idée",
            "status: encours",
            "18: projects[1].status: 'encours' is not one of idée, en préparation, en cours, terminé, suspendu",
            id="unknown-status",
        ),
        pytest.param(
            "theme: emploi",
            "theme: sante",
            "17: projects[1].theme: 'sante' is not one of demographie, menages, logement, formation, emploi, revenus",
            id="unknown-theme",
        ),
        pytest.param(
            "due: 2026-09-30",
            "due: 20250-09-30",
            "29: follow_up[0].due: '20250-09-30' is not a date (write AAAA-MM-JJ, e.g. 2025-03-14)",
            id="year-20250",
        ),
        pytest.param(
            "date: 2025-06-12",
            "date: 2025-02-30",
            "3: agreement.date: '2025-02-30' is not a valid date (day is out of range for month)",
            id="no-such-day",
        ),
        pytest.param(
            "date: 2025-10-07",
            "date: 1999-10-07",
            "23: governance.conference[0].date: year 1999 is out of range (2000 to 2100)",
            id="year-out-of-range",
        ),
        pytest.param(
            "end: 2026-12-31",
            "end: 2024-12-31",
            "12: projects[0].end: end 2024-12-31 is before start 2025-01-01",
            id="end-before-start",
        ),
        pytest.param(
            "- taux_chomage_15_24",
            "- taux_chomage_15_25",
            "20: projects[1].indicators[0]: unknown indicator 'taux_chomage_15_25' (did you mean 'taux_chomage_15_24'?)",
            id="unknown-indicator",
        ),
        pytest.param(
            "id: emploi-jeunes",
            "id: acces-aux-droits",
            "15: projects[1].id: duplicate id 'acces-aux-droits' (already projects[0])",
            id="duplicate-id",
        ),
        pytest.param(
            "id: emploi-jeunes",
            "id: Emploi Jeunes",
            "15: projects[1].id: 'Emploi Jeunes' is not an id: lower-case letters, digits, - or _ (e.g. acces-aux-droits)",
            id="bad-id",
        ),
        pytest.param(
            "    status: idée\n",
            "    status: idée\n    budjet: 10000\n",
            "19: projects[1].budjet: unknown key (expected one of id, title, theme, status, description, lead, partners, "
            "referent, start, end, objectives, indicators, links)",
            id="unknown-key",
        ),
        pytest.param(
            "    status: idée\n",
            "    status: idée\n    referant: Service social\n",
            "19: projects[1].referant: unknown key (did you mean 'referent'?)",
            id="misspelt-key",
        ),
        pytest.param(
            "projects:\n",
            "1: x\nprojects:\n",
            "6: 1: unknown key (expected one of commune, name, example, agreement, projects, governance, follow_up)",
            id="number-as-key",
        ),
        pytest.param(
            "    title: Emploi des jeunes\n",
            "",
            "15: projects[1].title: missing (required)",
            id="missing-key",
        ),
        pytest.param(
            "links: [https://www.example.org/projet]",
            'links: ["javascript:alert(1)"]',
            "14: projects[0].links[0]: 'javascript:alert(1)' is not allowed: links are http(s) URLs or relative paths",
            id="javascript-link",
        ),
        pytest.param(
            "minutes: comptes-rendus/conference.pdf",
            "minutes: file:///etc/passwd",
            "24: governance.conference[0].minutes: 'file:///etc/passwd' is not allowed: links are http(s) URLs or relative paths",
            id="file-link",
        ),
        pytest.param(
            "status: en cours\n    start",
            "status: en cours\n    description: " + "x" * 20_000 + "\n    start",
            "11: projects[0].description: too long: 20 000 characters, at most 2 000",
            id="text-too-long",
        ),
        pytest.param(
            "    title: Accès aux droits",
            "    title: Accès: aux droits",
            "8: invalid YAML: mapping values are not allowed here",
            id="yaml-syntax",
        ),
        pytest.param(
            "    theme: menages\n",
            "    theme: menages\n    theme: logement\n",
            "10: duplicate key 'theme' (already on line 9)",
            id="duplicate-key",
        ),
        pytest.param(
            "date: 2025-06-12",
            "date: !!python/object/apply:os.system [echo]",
            "3: invalid YAML: could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'",
            id="python-tag",
        ),
    ],
)
def test_each_error_is_one_line_with_its_yaml_line(tmp_path, old, new, expected):
    assert errors_of(tmp_path, old, new) == [f"{tmp_path / 'pst' / '93066.yaml'}:{expected}"]


def test_unknown_commune_and_file_name(tmp_path):
    path = tmp_path / "pst" / "93066.yaml"
    assert errors_of(tmp_path, "x", "x", known_communes={"93001", "93048"}) == [
        f"{path}:1: commune: unknown commune code '93066'"
    ]
    assert errors_of(tmp_path, "93066", "93001") == [
        f"{path}:1: commune: '93001' does not match the file name 93066.yaml"
    ]
    assert errors_of(tmp_path, "x", "x", known_communes={"93066"}) == []


def test_unquoted_commune_code_keeps_its_leading_zero(tmp_path):
    write(tmp_path / "pst", BASE.replace('"93066"', "01001"), "01001.yaml")
    assert load_pst(tmp_path / "pst" / "01001.yaml").commune == "01001"


def test_load_pst_raises_one_input_error_listing_every_error(tmp_path):
    path = write(
        tmp_path,
        BASE.replace("status: idée", "status: encours").replace("due: 2026-09-30", "due: demain"),
    )
    with pytest.raises(PSTError) as caught:
        load_pst(path)
    assert isinstance(caught.value, InputError)
    assert len(caught.value.errors) == 2 and "\n" not in str(caught.value)
    assert str(caught.value).startswith(f"{path}:18: projects[1].status: 'encours'") and str(
        caught.value
    ).endswith("(+1 more)")


def billion_laughs():
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines) + "\n"


def alias_chain(length=3000):
    return "a0: &a0 [x]\n" + "".join(f"a{n}: &a{n} [*a{n - 1}]\n" for n in range(1, length))


@pytest.mark.parametrize(
    "content, expected",
    [
        pytest.param(
            billion_laughs(),
            r":\d+: too many YAML values once aliases are expanded \(more than 50000\)",
            id="billion-laughs",
        ),
        pytest.param(
            "a: &a [*a]\n", r":1: a YAML alias refers to its own anchor", id="recursive-alias"
        ),
        pytest.param(
            alias_chain(),
            r":\d+: nested deeper than 20 levels \(through aliases\)$",
            id="alias-chain",
        ),
        pytest.param(
            "commune: '93066'\n? [a, b]\n: c\n",
            r":2: a key must be a plain word, not a list or a mapping$",
            id="list-as-key",
        ),
        pytest.param(
            b"commune: '93066'\nname: " + b"x" * (6 * 1024 * 1024) + b"\n",
            r": file too large \(6\.3 MB, at most 256 KB\)$",
            id="6-MB",
        ),
        pytest.param(
            b"commune: '93066'\nname: caf\xe9\n",
            r":2: not UTF-8 text \(byte 0xe9\): save the file as UTF-8$",
            id="not-utf8",
        ),
        pytest.param(
            "a: " + "[" * 100 + "]" * 100 + "\n",
            r":1: invalid YAML: nested deeper than 20 levels$",
            id="deep-nesting",
        ),
        pytest.param("", r":1: empty file$", id="empty"),
        pytest.param(
            "- commune: '93066'\n", r":1: a PST file is a mapping of keys", id="not-a-mapping"
        ),
        pytest.param(
            "commune: '93066'\nname: \x07\n",
            r":2: invalid character U\+0007: remove it$",
            id="control-character",
        ),
    ],
)
def test_hostile_or_broken_files_give_one_line(tmp_path, content, expected):
    path = write(tmp_path / "pst", content)
    errors = check_directory(tmp_path / "pst")
    assert len(errors) == 1 and "\n" not in errors[0], errors
    assert errors[0].startswith(str(path)) and re.search(expected, errors[0]), errors[0]


def test_examples_pass_and_show_what_the_renderers_need(tmp_path):
    shutil.copytree(EXAMPLES, tmp_path / "pst")
    assert check_directory(tmp_path / "pst") == []
    examples = load_directory(tmp_path / "pst")
    assert set(examples) == {"93066", "93001", "93048"}
    for code, pst in examples.items():
        text = (tmp_path / "pst" / f"{code}.yaml").read_text(encoding="utf-8")
        assert pst.example and text.startswith("# EXEMPLE FICTIF")
        assert 3 <= len(pst.projects) <= 4
        assert len({p.status for p in pst.projects}) >= 2 and len(
            {p.theme for p in pst.projects}
        ) == len(pst.projects)
        assert all(1 <= len(p.indicators) <= 3 for p in pst.projects)
        assert len(pst.governance.conference) == 1 and 2 <= len(pst.governance.meetings) <= 3
        dates = [m.date for m in pst.governance.meetings]
        assert any(d > TODAY for d in dates) and any(d < TODAY for d in dates)
        assert 4 <= len(pst.follow_up) <= 6
        assert any(action.is_overdue(TODAY) for action in pst.follow_up)


def test_examples_are_communes_of_seine_saint_denis(territory):
    known = set(territory.communes["code"])
    assert check_directory(EXAMPLES, known_communes=known) == []


def test_new_template_passes_check_and_is_never_overwritten(tmp_path):
    directory = tmp_path / "pst"
    path = new_pst("93066", "L'Île-Saint-Denis", directory)
    assert path == directory / "93066.yaml"
    assert check_directory(directory) == []
    pst = load_pst(path)
    assert (
        pst.name == "L'Île-Saint-Denis"
        and pst.agreement.signatories[0] == "Ville de L'Île-Saint-Denis"
    )
    assert "# Code officiel géographique" in path.read_text(encoding="utf-8")
    new_pst("2a004", None, directory)
    assert load_pst(directory / "2A004.yaml").name is None
    with pytest.raises(InputError, match="already exists"):
        new_pst("93066", "Saint-Denis", directory)
    with pytest.raises(InputError, match="not a commune code"):
        new_pst("9306", "Saint-Denis", directory)
    assert sorted(p.name for p in directory.iterdir()) == [
        "2A004.yaml",
        "93066.yaml",
    ]  # no temporary file left


def test_the_commented_examples_of_the_template_are_valid(tmp_path):
    path = new_pst("93066", "Saint-Denis", tmp_path)
    text = re.sub(r"^(\s*)# (- |  )", r"\1\2", path.read_text(encoding="utf-8"), flags=re.M)
    path.write_text(text, encoding="utf-8")
    pst = load_pst(path)
    assert pst.projects[0].id == "acces-aux-droits" and pst.governance.meetings and pst.follow_up


def run(argv):
    parser = argparse.ArgumentParser(prog="portrait")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_check_prints_one_line_per_error_and_exits_1(tmp_path, capsys):
    shutil.copytree(EXAMPLES, tmp_path / "pst")
    assert run(["pst", "check", "--pst", str(tmp_path / "pst")]) == 0
    assert capsys.readouterr().out == f"3 fichier(s) PST valides dans {tmp_path / 'pst'}\n"
    path = write(tmp_path / "pst", BASE.replace("status: idée", "status: encours"))
    assert run(["pst", "check", "--pst", str(tmp_path / "pst")]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert (
        captured.err
        == f"error: {path}:18: projects[1].status: 'encours' is not one of idée, en préparation, en cours, terminé, suspendu\n"
    )


def test_cli_default_directory_and_new(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PORTRAIT_DATA", str(tmp_path / "data"))
    (tmp_path / "data" / "pst").mkdir(parents=True)
    assert (
        run(["pst", "new", "93001", "--name", "Aubervilliers"]) == 0
    )  # no ./pst: the data directory's pst/
    assert (tmp_path / "data" / "pst" / "93001.yaml").is_file()
    assert run(["pst", "check"]) == 0
    assert capsys.readouterr().out.endswith(
        f"1 fichier(s) PST valides dans {tmp_path / 'data' / 'pst'}\n"
    )
    (tmp_path / "pst").mkdir()
    assert run(["pst", "new", "93048"]) == 0  # ./pst wins when it exists
    assert (tmp_path / "pst" / "93048.yaml").is_file()
    with pytest.raises(InputError, match="already exists"):
        run(["pst", "new", "93048"])
    with pytest.raises(InputError, match="does not exist"):
        run(["pst", "check", "--pst", str(tmp_path / "nowhere")])


def test_cli_check_with_a_departement_knows_its_communes(tmp_path, capsys):
    data = write_fake_departement(tmp_path / "data")
    write(tmp_path / "pst", BASE.replace("93066", "2A001"), "2A001.yaml")
    assert (
        run(["pst", "check", "--pst", str(tmp_path / "pst"), "--dept", "2A", "--data", str(data)])
        == 0
    )
    write(tmp_path / "pst", BASE.replace("93066", "2A009"), "2A009.yaml")
    assert (
        run(["pst", "check", "--pst", str(tmp_path / "pst"), "--dept", "2A", "--data", str(data)])
        == 1
    )
    assert capsys.readouterr().err.strip().splitlines() == [
        f"error: {tmp_path / 'pst' / '2A009.yaml'}:1: commune: unknown commune code '2A009'"
    ]
