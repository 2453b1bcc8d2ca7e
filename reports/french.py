"""French typography of place names and counts, in one small tested place.

A report writes "d'Aubervilliers", "du Blanc-Mesnil", "en Seine-Saint-Denis", "dans le Val-de-Marne",
"à Paris", "1er décembre", "3 actions", never "de Aubervilliers", "dans Seine-Saint-Denis" or
"action(s)". Communes carry their article in their name (Le Blanc-Mesnil, Les Lilas, La Courneuve);
a département's article is the COG's "type de nom en clair", kept with its phrase in
geodata/data/departements.csv.
"""

import unicodedata

__all__ = ["at", "in_departement", "of", "of_departement", "ordinal_day", "plural"]

VOWELS = set("aeiouyh")  # most French place names beginning with h have a mute h ("d'Hérouville")
ASPIRATED = "haut"  # but "haut" is aspirated: "de Hautmont", "de Haute-Goulaine"
DEPARTEMENT_OF = {0: "de ", 1: "d'", 2: "du ", 3: "de la ", 4: "des ", 5: "de l'"}
REGIONS_AND_COUNTRIES = {
    "Île-de-France": ("d'Île-de-France", "en Île-de-France"),
    "France": ("de la France", "en France"),
    "France métropolitaine": ("de la France métropolitaine", "en France métropolitaine"),
    "France entière": ("de la France entière", "en France entière"),
}


def _starts_with_vowel(name: str) -> bool:
    first = unicodedata.normalize("NFD", name[:1].lower())[:1]
    return first in VOWELS and not name.lower().startswith(ASPIRATED)


ARTICLES = (("Le ", "du ", "au "), ("Les ", "des ", "aux "))  # contracted with "de" and "à"


def of(name: str) -> str:
    """'of' a place: "d'Aubervilliers", "du Blanc-Mesnil", "des Lilas", "de La Courneuve",
    "d'Île-de-France"; a département's name takes its own article (see of_departement)."""
    return _with_preposition(name, 0)


def at(name: str) -> str:
    """'in' a commune, a region or a country: "à Aubervilliers", "au Blanc-Mesnil", "aux Lilas",
    "à La Courneuve", "en Île-de-France", "en France"."""
    return _with_preposition(name, 1)


def _with_preposition(name: str, which: int) -> str:
    if name in REGIONS_AND_COUNTRIES:
        return REGIONS_AND_COUNTRIES[name][which]
    for article, *contracted in ARTICLES:
        if name.startswith(article):
            return contracted[which] + name[len(article) :]
    if which == 1:
        return "à " + name
    return ("d'" if _starts_with_vowel(name) else "de ") + name


def _departement(code: str):
    from geodata.cog import (
        departements,  # it loads pandas: command modules import this one at start-up
    )

    table = departements()
    return table.loc[code] if code in table.index else None


def in_departement(code: str, name: str | None = None) -> str:
    """'in' a département: "en Seine-Saint-Denis", "dans le Val-de-Marne", "dans les Hauts-de-Seine",
    "à Paris"; for a code the COG does not know, "dans le département <name>"."""
    row = _departement(code)
    return row["in"] if row is not None else f"dans le département {name or code}"


def of_departement(code: str, name: str | None = None) -> str:
    """'of' a département: "de la Seine-Saint-Denis", "du Val-de-Marne", "des Hauts-de-Seine",
    "de l'Essonne", "de Paris"."""
    row = _departement(code)
    if row is None:
        return f"du département {name or code}"
    tncc = int(row["tncc"])
    if tncc == 0 and _starts_with_vowel(row["name"]):
        return "d'" + row["name"]
    return DEPARTEMENT_OF[tncc] + row["name"]


def ordinal_day(day: int) -> str:
    """The day of a date as French writes it: "1er", then "2", "3"..."""
    return "1er" if day == 1 else str(day)


def plural(n: int | float, singular: str, plural_form: str | None = None) -> str:
    """The word agreeing with n: French takes the singular below 2 ("1 action", "0 action",
    "1,5 an"), the plural from 2 on."""
    return singular if abs(n) < 2 else (plural_form or singular + "s")
