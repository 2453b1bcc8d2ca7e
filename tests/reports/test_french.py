"""French typography of place names: elision, articles, prepositions; 1er and plurals."""

import pytest

from reports.french import at, in_departement, of, of_departement, ordinal_day, plural


@pytest.mark.parametrize(
    ("name", "of_it", "at_it"),
    [
        ("Aubervilliers", "d'Aubervilliers", "à Aubervilliers"),
        ("Épinay-sur-Seine", "d'Épinay-sur-Seine", "à Épinay-sur-Seine"),
        ("Saint-Denis", "de Saint-Denis", "à Saint-Denis"),
        ("Le Blanc-Mesnil", "du Blanc-Mesnil", "au Blanc-Mesnil"),
        ("Les Lilas", "des Lilas", "aux Lilas"),
        ("La Courneuve", "de La Courneuve", "à La Courneuve"),
        ("L'Île-Saint-Denis", "de L'Île-Saint-Denis", "à L'Île-Saint-Denis"),
        ("Hautmont", "de Hautmont", "à Hautmont"),
        ("Île-de-France", "d'Île-de-France", "en Île-de-France"),
        ("France métropolitaine", "de la France métropolitaine", "en France métropolitaine"),
    ],
)
def test_place_names_take_elision_and_contracted_articles(name, of_it, at_it):
    assert (of(name), at(name)) == (of_it, at_it)


@pytest.mark.parametrize(
    ("code", "in_it", "of_it"),
    [
        ("93", "en Seine-Saint-Denis", "de la Seine-Saint-Denis"),
        ("94", "dans le Val-de-Marne", "du Val-de-Marne"),
        ("92", "dans les Hauts-de-Seine", "des Hauts-de-Seine"),
        ("75", "à Paris", "de Paris"),
        ("91", "en Essonne", "de l'Essonne"),
        ("77", "en Seine-et-Marne", "de Seine-et-Marne"),
        ("95", "dans le Val-d'Oise", "du Val-d'Oise"),
        ("01", "dans l'Ain", "de l'Ain"),
        ("35", "en Ille-et-Vilaine", "d'Ille-et-Vilaine"),
    ],
)
def test_departements_take_the_preposition_of_their_article(code, in_it, of_it):
    assert (in_departement(code), of_departement(code)) == (in_it, of_it)


def test_an_unknown_departement_is_still_said_in_correct_french():
    assert in_departement("99", "Nulle part") == "dans le département Nulle part"


@pytest.mark.parametrize(
    ("n", "word"), [(0, "action"), (1, "action"), (1.5, "action"), (2, "actions")]
)
def test_the_noun_agrees_with_its_number(n, word):
    assert plural(n, "action") == word


def test_plurals_and_the_first_day():
    assert plural(1.5, "an") == "an" and plural(3, "travail", "travaux") == "travaux"
    assert [ordinal_day(d) for d in (1, 2, 31)] == ["1er", "2", "31"]
