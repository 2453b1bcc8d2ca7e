"""Observation files: the examples pass, every error is one line with its YAML line, the block of
the portraits escapes the actors' words and shows only what may be shown, markers sit on the IRIS."""

import argparse
import re
import shutil

import pytest
from shapely.geometry import Point

from portrait.observations import skeleton
from portrait.pst import register
from reports.observations_view import iris_markers, observations_by_theme
from reports.pstfiles.commune_files import PSTError
from reports.pstfiles.observations import (
    check_observations,
    commune_observations,
    iris_communes,
    load_file,
    load_observations,
)
from reports.pstfiles.pst import check_directory
from reports.render import environment
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples" / "pst"

# A small valid file whose line numbers the tests below rely on.
BASE = """\
commune: "93066"
observations:
  - date: 2026-03-18
    source: centre social
    theme: menages
    place: "930660701"
    text: Les mères seules découvrent leurs droits des mois après la séparation.
    use: citation
    indicator: part_familles_monoparentales
  - date: 2026-04-02
    source: habitant
    theme: emploi
    place: Franc-Moisin
    text: |
      Les chantiers embauchent, mais pas nous.
    use: résumé
    summary: Les emplois créés semblent hors de portée des habitantes.
"""
KNOWN_IRIS = {
    "930660701": "93066",
    "930660101": "93066",
    "930590105": "93066",
    "930010101": "93001",
}


def write(directory, text, name="93066.yaml"):
    folder = directory / "observations"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(tmp_path, old, new, **kwargs):
    assert old in BASE
    write(tmp_path, BASE.replace(old, new, 1))
    return check_observations(tmp_path, **kwargs)


def test_the_base_file_is_valid(tmp_path):
    path = write(tmp_path, BASE)
    assert check_observations(tmp_path, known_iris=KNOWN_IRIS) == []
    first, second = load_file(path, KNOWN_IRIS).observations
    assert first.quoted and first.shown.startswith("Les mères seules")
    assert (
        not second.quoted
        and second.shown == "Les emplois créés semblent hors de portée des habitantes."
    )


@pytest.mark.parametrize(
    "old, new, expected",
    [
        pytest.param(
            "theme: menages",
            "theme: sante",
            "5: observations[0].theme: 'sante' is not one of demographie, menages, logement, formation, emploi, revenus",
            id="unknown-theme",
        ),
        pytest.param(
            'place: "930660701"',
            'place: "930669999"',
            "6: observations[0].place: unknown IRIS code '930669999' (not in the IRIS contours of the data)",
            id="unknown-iris",
        ),
        pytest.param(
            'place: "930660701"',
            'place: "930010101"',
            "6: observations[0].place: IRIS '930010101' is in commune 93001, not 93066",
            id="iris-of-another-commune",
        ),
        pytest.param(
            'place: "930660701"',
            'place: "9306607"',
            "6: observations[0].place: '9306607' is neither a commune code (5 digits) nor an IRIS code (9 digits): quote the code, e.g. '930660101'",
            id="not-a-code",
        ),
        pytest.param(
            "text: Les mères seules découvrent leurs droits des mois après la séparation.",
            'text: "  "',
            "7: observations[0].text: must not be empty",
            id="empty-text",
        ),
        pytest.param(
            "text: Les mères seules découvrent leurs droits des mois après la séparation.",
            "text: " + "x" * 2500,
            "7: observations[0].text: too long: 2 500 characters, at most 2 000",
            id="text-too-long",
        ),
        pytest.param(
            "date: 2026-04-02",
            "date: 2026-02-30",
            "10: observations[1].date: '2026-02-30' is not a valid date (day is out of range for month)",
            id="no-such-day",
        ),
        pytest.param(
            "date: 2026-04-02",
            "date: avril 2026",
            "10: observations[1].date: 'avril 2026' is not a date (write AAAA-MM-JJ, e.g. 2025-03-14)",
            id="bad-date",
        ),
        pytest.param(
            "    summary: Les emplois créés semblent hors de portée des habitantes.\n",
            "",
            "10: observations[1].summary: missing: with use: résumé only the summary is shown, so write one "
            "(or use: citation if the text may be quoted)",
            id="resume-without-summary",
        ),
        pytest.param(
            "use: citation\n",
            "use: citation\n    summary: Un résumé en plus.\n",
            "9: observations[0].summary: a citation shows the text itself: remove the summary, "
            "or write use: résumé to show only the summary",
            id="citation-with-summary",
        ),
        pytest.param(
            "use: citation",
            "use: verbatim",
            "8: observations[0].use: 'verbatim' is not one of citation, résumé",
            id="unknown-use",
        ),
        pytest.param(
            "    use: citation\n",
            "",
            "3: observations[0].use: missing (required)",
            id="consent-not-given",
        ),
        pytest.param(
            "source: habitant",
            "source: habitante",
            "11: observations[1].source: 'habitante' is not one of professionnel du Département, ville / CCAS, "
            "centre social, association, habitant",
            id="unknown-source-kind",
        ),
        pytest.param(
            "    use: citation\n",
            "    use: citation\n    contact: 06 01 02 03 04\n",
            "9: observations[0].contact: unknown key (expected one of date, source, theme, place, text, use, summary, indicator)",
            id="unknown-key",
        ),
        pytest.param(
            "    use: citation\n",
            "    use: citation\n    sumary: x\n",
            "9: observations[0].sumary: unknown key (did you mean 'summary'?)",
            id="misspelt-key",
        ),
        pytest.param(
            "indicator: part_familles_monoparentales",
            "indicator: part_familles_mono",
            "9: observations[0].indicator: unknown indicator 'part_familles_mono' (did you mean 'part_familles_monoparentales'?)",
            id="unknown-indicator",
        ),
        pytest.param(
            'commune: "93066"',
            'commune: "93001"',
            "1: commune: '93001' does not match the file name 93066.yaml",
            id="wrong-commune",
        ),
        pytest.param(
            "observations:\n",
            "observation:\n",
            "2: observation: unknown key (did you mean 'observations'?)",
            id="misspelt-list",
        ),
        pytest.param(
            "    theme: menages\n",
            "    theme: menages\n    theme: logement\n",
            "6: duplicate key 'theme' (already on line 5)",
            id="duplicate-key",
        ),
    ],
)
def test_each_error_is_one_line_with_its_yaml_line(tmp_path, old, new, expected):
    assert errors_of(tmp_path, old, new, known_iris=KNOWN_IRIS) == [
        f"{tmp_path / 'observations' / '93066.yaml'}:{expected}"
    ]


def test_places_without_known_iris_follow_the_commune_code_and_mergers(tmp_path):
    assert (
        errors_of(tmp_path, 'place: "930660701"', 'place: "930669999"') == []
    )  # no contours given: the prefix is checked
    assert (
        errors_of(tmp_path, 'place: "930660701"', 'place: "930590105"') == []
    )  # Pierrefitte-sur-Seine is in Saint-Denis
    assert (
        errors_of(tmp_path, 'place: "930660701"', "place: 93066") == []
    )  # an unquoted code is the commune
    assert (
        errors_of(tmp_path, "    place: Franc-Moisin\n", "") == []
    )  # no place: the commune as a whole
    errors = errors_of(tmp_path, 'place: "930660701"', 'place: "93001"')
    assert errors[0].endswith(
        "6: observations[0].place: '93001' is another commune: write 93066, one of its IRIS codes or a quartier name"
    )


def test_resume_without_accent_is_the_same_choice(tmp_path):
    path = write(tmp_path, BASE.replace("use: résumé", "use: resume"))
    assert load_file(path).observations[1].use == "résumé"


def test_pst_check_reports_observation_errors_too(tmp_path, capsys):
    shutil.copytree(EXAMPLES, tmp_path / "pst")
    assert check_directory(tmp_path / "pst") == []
    path = write(tmp_path / "pst", BASE.replace("theme: menages", "theme: sante"))
    parser = argparse.ArgumentParser(prog="portrait")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["pst", "check", "--pst", str(tmp_path / "pst")])
    assert args.func(args) == 1
    assert capsys.readouterr().err == (
        f"error: {path}:5: observations[0].theme: 'sante' is not one of demographie, menages, "
        "logement, formation, emploi, revenus\n"
    )
    with pytest.raises(PSTError, match=r"93066\.yaml:5: observations\[0\]\.theme"):
        load_observations(tmp_path / "pst")
    (tmp_path / "pst" / "observations" / "93001.yml").write_text(
        "commune: '93001'\n", encoding="utf-8"
    )
    assert (
        f"{tmp_path / 'pst' / 'observations' / '93001.yml'}: an observations file is named <commune code>.yaml, e.g. 93066.yaml"
        in check_directory(tmp_path / "pst")
    )


def test_examples_are_marked_and_varied(territory):
    known = iris_communes(territory.iris_shapes())
    assert check_directory(EXAMPLES, set(territory.communes["code"]), known) == []
    files = load_observations(EXAMPLES, known_iris=known)
    assert set(files) == {"93001", "93048", "93066"}
    for code, observed in files.items():
        text = (EXAMPLES / "observations" / f"{code}.yaml").read_text(encoding="utf-8")
        assert observed.example and text.startswith("# EXEMPLE FICTIF")
        items = observed.observations
        assert 6 <= len(items) <= 10
        assert len({o.theme for o in items}) >= 4 and len({o.source for o in items}) >= 4
        assert {o.use for o in items} == {"citation", "résumé"}
        assert (
            sum(1 for o in items if o.place and o.place.startswith(code) and len(o.place) == 9) >= 3
        )


def test_view_groups_by_source_and_shows_only_what_may_be_shown(territory):
    observations = commune_observations(EXAMPLES, "93066", iris_communes(territory.iris_shapes()))
    view = observations_by_theme(observations, territory, "93066")
    assert list(view) == list(territory.catalogue.themes)
    menages = view["menages"]
    assert (
        menages["count"] == 2
        and menages["first"] == "7 octobre 2025"
        and menages["last"] == "20 novembre 2025"
    )
    assert [g["kind"] for g in menages["groups"]] == [
        "professionnel du Département",
        "centre social",
    ]
    quoted, summarised = menages["groups"][0]["items"][0], menages["groups"][1]["items"][0]
    assert (
        quoted["quoted"]
        and quoted["text"].startswith("Au Franc-Moisin, les mères seules")
        and "\n" not in quoted["text"]
    )
    assert quoted["place"] == "IRIS Franc-Moisin Bel-Air 01" and quoted["date"] == "7 octobre 2025"
    assert not summarised["quoted"] and summarised["text"].startswith("Des mères seules renoncent")
    assert "atelier couture" not in str(
        view
    )  # the words of a résumé-only observation are never shown
    assert menages["figures"][0] == {
        "id": "part_familles_monoparentales",
        "label": "Part des familles monoparentales",
        "value": "29,1\u00a0% (2022)",
    }
    assert 2 <= len(view["revenus"]["figures"]) <= 3
    assert observations_by_theme(None, territory, "93066") == {}
    assert not menages["example"]
    invented = observations_by_theme(observations, territory, "93066", example=True)["menages"]
    assert "Exemple fictif : propos inventés." in render(
        invented
    ) and "Exemple fictif" not in render(menages)


def render(obs, **context):
    return environment().get_template("_observations.html").render(obs=obs, **context)


def test_block_escapes_hostile_text_and_says_when_there_is_nothing(tmp_path, territory):
    hostile = '<script>alert("x")</script> <img src=x onerror=alert(1)>'
    text = BASE.replace(
        "text: Les mères seules découvrent leurs droits des mois après la séparation.",
        f"text: '{hostile}'",
    )
    text = text.replace("place: Franc-Moisin", "place: '<b>Franc</b>'")
    observations = load_file(write(tmp_path, text), KNOWN_IRIS).observations
    view = observations_by_theme(observations, territory, "93066")
    html = render(view["menages"]) + render(view["emploi"])
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html and "<script" not in html
    assert "<img" not in html and "&lt;b&gt;Franc&lt;/b&gt;" in html
    assert "Ce qu&#39;en disent les acteurs" in html and "«&nbsp;&lt;script&gt;" in html
    assert (
        "<em>En résumé :</em> Les emplois créés" in html and "Les chantiers embauchent" not in html
    )
    assert "Part des familles monoparentales" in html
    for empty in (None, view["logement"]):
        assert "Aucune observation recueillie sur ce thème." in render(empty)


def test_iris_markers_sit_inside_their_iris(territory):
    shapes = territory.iris_shapes()
    observations = commune_observations(EXAMPLES, "93066", iris_communes(shapes))
    markers = iris_markers(observations, shapes, territory.catalogue.themes)
    expected = {o.place for o in observations if o.place and o.place in set(shapes["code"])}
    assert {m["properties"]["iris"] for m in markers} == expected and len(expected) >= 5
    polygons = shapes.set_index("code").geometry
    for marker in markers:
        lon, lat = marker["geometry"]["coordinates"]
        assert marker["type"] == "Feature" and marker["geometry"]["type"] == "Point"
        assert 2.2 < lon < 2.6 and 48.8 < lat < 49.0
        assert polygons[marker["properties"]["iris"]].buffer(1e-9).contains(Point(lon, lat))
    pierrefitte = next(m for m in markers if m["properties"]["iris"] == "930590105")
    assert pierrefitte["properties"]["text"].startswith(
        "Logement — habitant, 14 octobre 2026 : Résumé : Logements dégradés"
    )
    assert "humidité" not in str(markers)
    assert iris_markers(None, shapes) == [] and iris_markers(observations, None) == []


def test_questionnaire_skeleton_loads_and_its_rows_pass_once_filled(tmp_path, territory):
    import datetime as dt

    text = skeleton("93066", "Saint-Denis", territory.catalogue.themes, dt.date(2026, 10, 6))
    path = write(tmp_path, text)
    assert load_file(path).observations == []
    filled = re.sub(r"^(\s*)# (- |  )", r"\1\2", text, flags=re.M)
    path.write_text(filled, encoding="utf-8")
    observations = load_file(path).observations
    assert [o.theme for o in observations] == list(territory.catalogue.themes)
    assert all(
        o.use == "résumé" and o.summary and o.date == dt.date(2026, 10, 6) for o in observations
    )
