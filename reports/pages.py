"""What each page template reads: one frozen dataclass per page, and the template it fills.

A template sees exactly the fields of its page (and the globals of reports.render), each
under its full name: `{{ portrait.name }}`, `{{ territory.dept }}`. The Renderer takes a
page, never loose keyword arguments, so a caller cannot pass a variable the template does
not read, nor forget one it does; tests/reports/test_template_context.py renders every page
and checks that its template reads exactly the fields declared here.

The values are the models the builders already make (reports.model.Portrait, the dicts of
reports.pst_view, ...): a page only names and documents them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from indicators.territory import Territory
    from reports.compare import Comparison
    from reports.model import Chart, Portrait

__all__ = [
    "PAGE_TEMPLATES",
    "ComparerPage",
    "ComparisonPage",
    "DepartementPage",
    "DictionaryPage",
    "Page",
    "PackPage",
    "PortraitPage",
    "ProjectsPage",
    "QuestionnairePage",
    "SitePage",
    "SynthesisPage",
    "page_context",
    "template_of",
]


@dataclass(frozen=True, kw_only=True)
class Page:
    """The field every page has.

    `mode` is "html" for the page a browser opens and "pdf" for the source weasyprint prints
    (Renderer.pdf sets it): templates hide links, iframes and data tables from the PDF.
    """

    mode: str = "html"


@dataclass(frozen=True, kw_only=True)
class SitePage(Page):
    """A page that links the site's shared stylesheet (every page but the standalone dictionary).

    `asset_prefix` is the path from the page to the folder holding `assets/`: "../" from a
    portrait's folder, "" from the top of the site.
    """

    asset_prefix: str = "../"


@dataclass(frozen=True, kw_only=True)
class PortraitPage(SitePage):
    """A commune's or a group's portrait (portrait.html): the page and the PDF."""

    portrait: Portrait  # the model of reports.model.build_portrait: sections, maps, annex
    pst: dict | None = None  # reports.pst_view.pst_view of the commune's PST; None without one
    crossed: dict | None = None  # CrossedAnalysis.commune_view: fragility, type, similar communes
    crossed_rows: list = field(default_factory=list)  # the portrait's rows of crossed indicators
    observations: dict | None = None  # observations_view.observations_by_theme: theme → view
    web_maps: dict | None = None  # the interactive maps written next to the page (HTML only)
    portrait_folders: dict[str, str] | None = None  # code → folder of every portrait, for links


@dataclass(frozen=True, kw_only=True)
class DepartementPage(SitePage):
    """The département's home page (departement.html, the site's index.html)."""

    territory: Territory
    commune_rows: list[dict]  # per commune: code, name, folder (None if not built), key values
    key_indicators: list  # the catalogue's key indicators, the table's columns
    printable_map: Chart | None = None  # the drawn map of the poverty rate, or None
    group_links: tuple = ()  # (name, folder) of every group portrait built
    has_projects: bool = False  # projets.html was written (some PST files)
    has_synthesis: bool = False  # synthese.html was written (crossed indicators computed)
    has_synthesis_pdf: bool = False  # synthese-<dept>.pdf was written too


@dataclass(frozen=True, kw_only=True)
class SynthesisPage(SitePage):
    """The département's synthesis (synthese.html): typology, fragility ranking, quadrants."""

    territory: Territory
    synthesis: dict  # CrossedAnalysis.synthesis: types_map, profiles, ranking, quadrants, ...


@dataclass(frozen=True, kw_only=True)
class ComparerPage(SitePage):
    """The in-browser comparison of two communes (comparer.html); the data comes from the map's script."""

    territory: Territory


@dataclass(frozen=True, kw_only=True)
class ProjectsPage(SitePage):
    """Every shared project of the département's PSTs (projets.html)."""

    territory: Territory
    projects: list[dict]  # pst_view projects, each with its commune, folder and example flag


@dataclass(frozen=True, kw_only=True)
class ComparisonPage(SitePage):
    """Two territories side by side (compare.html), from `portrait compare`: page and PDF."""

    comparison: Comparison  # reports.compare.compare: the two territories and their rows


@dataclass(frozen=True, kw_only=True)
class PackPage(SitePage):
    """The meeting pack of a PST meeting (pack.html), printed as a PDF."""

    pack: dict  # portrait.pack.pack_content: meeting, agenda, key figures, PST, observations


@dataclass(frozen=True, kw_only=True)
class QuestionnairePage(SitePage):
    """The questionnaire of the annual conference (questionnaire.html, extends pack.html), a PDF."""

    questionnaire: dict  # portrait.pack.questionnaire_content: themes, questions, kinds


@dataclass(frozen=True, kw_only=True)
class DictionaryPage(Page):
    """The indicator dictionary (dictionnaire.html): standalone, its style inline, linking nothing."""

    indicator_count: int
    themes: (
        tuple  # (theme label, its entries) in catalogue order; entries: portrait.dictionary.Entry
    )


PAGE_TEMPLATES: dict[type[Page], str] = {
    PortraitPage: "portrait.html",
    DepartementPage: "departement.html",
    SynthesisPage: "synthese.html",
    ComparerPage: "comparer.html",
    ProjectsPage: "projets.html",
    ComparisonPage: "compare.html",
    PackPage: "pack.html",
    QuestionnairePage: "questionnaire.html",
    DictionaryPage: "dictionnaire.html",
}


def template_of(page: Page) -> str:
    """The template file that renders `page`."""
    return PAGE_TEMPLATES[type(page)]


def page_context(page: Page) -> dict[str, Any]:
    """The template's variables: the page's fields, shallow (dataclasses.asdict would copy the models)."""
    return {f.name: getattr(page, f.name) for f in fields(page)}
