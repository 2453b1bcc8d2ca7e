"""The observations skeleton the `portrait questionnaire` command writes next to its PDF.

The observations files themselves, their schema and their checks are reports.pstfiles.observations
(`portrait pst check` checks them with the PST files); this module only writes the commented file to
fill in from the questionnaire's pages.
"""

import datetime as dt
import json
from collections.abc import Mapping

from reports.french import at
from reports.pstfiles.fields import COMMUNE_CODE
from reports.pstfiles.observations import SOURCE_KINDS
from reports.pstfiles.yamlreader import show_value

__all__ = ["skeleton"]


def skeleton(
    code: str, name: str, themes: Mapping[str, str], on: dt.date, example: bool = False
) -> str:
    """An observations file to fill in from the questionnaire's pages: it loads as it is (no
    observation yet), and each commented row, once uncommented and filled in, passes the check."""
    if not COMMUNE_CODE.fullmatch(code):
        raise ValueError(f"{show_value(code)} is not a commune code")
    quoted = json.dumps  # a JSON string is a YAML double-quoted scalar: names come from the data
    lines = [
        f"# Observations recueillies {at(name)} ({code}) — questionnaire du {on.strftime('%d/%m/%Y')}.",
        "# Une entrée par réponse : enlevez le « # » des lignes d'une entrée, complétez-la, puis vérifiez",
        "# avec `portrait pst check`. Copiez les entrées dans <dossier PST>/observations/"
        + code
        + ".yaml.",
        f"# source : {' | '.join(SOURCE_KINDS)}",
        "# use : citation (case « peut être cité » cochée) | résumé (sinon : écrivez alors un summary)",
        "# place : le code de la commune, un code IRIS de la commune ('930660101') ou le nom d'un quartier",
        f"commune: {quoted(code)}",
    ]
    if example:
        lines.append("example: true")
    lines.append("observations:")
    for page, (theme, label) in enumerate(themes.items(), start=1):
        lines += [
            f"  # page {page} : {label}",
            f"  # - date: {on.isoformat()}",
            "  #   source: habitant",
            f"  #   theme: {theme}",
            f"  #   place: {quoted(code)}",
            "  #   text: Texte recopié du questionnaire",
            "  #   use: résumé",
            "  #   summary: Résumé en une ou deux phrases",
        ]
    return "\n".join(lines) + "\n"
