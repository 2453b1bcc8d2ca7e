"""HTML and PDF from the same portrait model and the same Jinja2 templates.

Renderer.html(page) and Renderer.pdf(page, images) take one of the page dataclasses of
reports.pages, which says which template to fill and documents every variable it reads.
Besides those fields, a template may use Jinja's own globals and filters (range, join, ...)
and the project's below, nothing else (tests/reports/test_template_context.py checks these
tables against environment()):

==============  ==========================================================================
global          what it gives the template
==============  ==========================================================================
cell            a reports.model.Cell as HTML: its text and, when it has one, the call of its
                note ("n.d.¹" linking to #note-1 in the annex)
licence         the licence of the data (reports.model.LICENCE), cited on cover and annex
in_departement  "en Seine-Saint-Denis", "dans le Val-de-Marne" from a département's code and name
                (reports.french)
of              "d'Aubervilliers", "du Blanc-Mesnil": "of" a place, elided (reports.french)
of_departement  "de la Seine-Saint-Denis", "du Val-de-Marne" from a département's code and name
publisher       the service and institution publishing a département's documents, from its code
                and name (reports/data/publisher.yaml)
format_row      a value of Territory.values (a tidy-table row) as text in the row's own
                unit, with its published decimals and the estimate mark: "42 %", "36 % (e)"
==============  ==========================================================================

==============  ==========================================================================
filter          what it does
==============  ==========================================================================
html_escape     escapes as Python's html.escape (quotes as &quot; and &#x27;, where Jinja
                writes &#34; and &#39;): the dictionary page keeps the entities it always had
==============  ==========================================================================

The PDF renderer reads only the project's own assets: the stylesheets of
reports/static and the images the build just drew, served from memory by a
url_fetcher that refuses every other file or URL.
"""

from __future__ import annotations

import html as html_module
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from weasyprint.urls import URLFetcher, URLFetcherResponse

from reports.formatting import format_row
from reports.french import in_departement, of, of_departement
from reports.model import LICENCE, Cell, publisher
from reports.pages import Page, page_context, template_of

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd
    from weasyprint import CSS

__all__ = [
    "PDF_BASE",
    "STATIC",
    "TEMPLATES",
    "AssetFetcher",
    "Renderer",
    "RefusedURL",
    "environment",
]

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
PDF_BASE = "file:///portrait-assets/"


def cell(value: Cell) -> Markup:
    """A formatted value with its note call, e.g. 'n.d.¹' linking to the note."""
    text = escape(value.text)
    if value.note:
        text += Markup(f'<a class="note-ref" href="#note-{value.note}">{value.note}</a>')
    return Markup(text)


def format_row_in_its_unit(row: pd.Series | Mapping[str, Any]) -> str:
    """format_row with the unit the row carries (the département table mixes units)."""
    return format_row(row, row["unit"])


def html_escape(value: object) -> Markup:
    """html.escape's entities, marked safe so that autoescape does not escape them again."""
    return Markup(html_module.escape(str(value)))


def environment() -> Environment:
    """The templates' environment, with the globals and filters of the module's table."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=False,
    )
    env.globals.update(
        cell=cell,
        licence=LICENCE,
        format_row=format_row_in_its_unit,
        in_departement=in_departement,
        of=of,
        of_departement=of_departement,
        publisher=publisher,
    )
    env.filters["html_escape"] = html_escape
    return env


class RefusedURL(ValueError):
    pass


class AssetFetcher(URLFetcher):
    """url_fetcher for weasyprint: in-memory images and the project's static files, nothing else."""

    def __init__(self, images):
        super().__init__(allowed_protocols=("file",))
        self.images = images
        self.refused = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        name = url[len(PDF_BASE) :] if url.startswith(PDF_BASE) else None
        if name in self.images:
            return URLFetcherResponse(url, self.images[name], {"Content-Type": _mime(name)})
        path = (STATIC / name).resolve() if name else None
        if path is not None and path.is_file() and STATIC.resolve() in path.parents:
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": _mime(name)})
        self.refused.append(url)
        raise RefusedURL(f"refused to fetch {url!r}: the PDF only reads the project's own assets")


def _mime(name):
    return {"png": "image/png", "svg": "image/svg+xml", "css": "text/css", "jpg": "image/jpeg"}.get(
        name.rsplit(".", 1)[-1], "application/octet-stream"
    )


class Renderer:
    """Holds the template environment and the print stylesheets, built once per process."""

    def __init__(self):
        self.env = environment()
        self._css = None

    def __getstate__(self):
        return {}  # a distributed worker builds its own environment and stylesheets

    def __setstate__(self, state):
        self.__init__()

    def html(self, page: Page) -> str:
        """The page's template filled with the page's fields (mode "html" unless the page says otherwise)."""
        return self.env.get_template(template_of(page)).render(page_context(page))

    def stylesheets(self) -> list[CSS]:
        if self._css is None:
            from weasyprint import CSS

            fetcher = AssetFetcher({})
            self._css = [
                CSS(filename=str(STATIC / name), url_fetcher=fetcher)
                for name in ("portrait.css", "print.css")
            ]
        return self._css

    def pdf(self, page: Page, images: dict[str, bytes]) -> bytes:
        """The page printed: its template in mode "pdf", with `images` (file name → bytes) the only files it may read."""
        from weasyprint import HTML

        source = self.html(replace(page, mode="pdf"))
        document = HTML(string=source, base_url=PDF_BASE, url_fetcher=AssetFetcher(images))
        return document.write_pdf(stylesheets=self.stylesheets())
