"""HTML and PDF from the same portrait model and the same Jinja2 templates.

The PDF renderer reads only the project's own assets: the stylesheets of
reports/static and the images the build just drew, served from memory by a
url_fetcher that refuses every other file or URL.
"""

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from weasyprint.urls import URLFetcher, URLFetcherResponse

from reports.formatting import format_row, format_value
from reports.model import LICENCE

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
PDF_BASE = "file:///portrait-assets/"


def cell(value):
    """A formatted value with its note call, e.g. 'n.d.¹' linking to the note."""
    text = escape(value.text)
    if value.note:
        text += Markup(f'<a class="note-ref" href="#note-{value.note}">{value.note}</a>')
    return Markup(text)


def environment():
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=False,
    )
    env.globals.update(
        cell=cell,
        licence=LICENCE,
        fmt=format_value,
        fmt_row=lambda row: format_row(row, row["unit"]),
    )
    return env


class RefusedURL(ValueError):
    pass


class AssetFetcher(URLFetcher):
    """url_fetcher for weasyprint: in-memory images and the project's static files, nothing else."""

    def __init__(self, images):
        super().__init__(allowed_protocols=("file",))
        self.images = images
        self.refused = []

    def fetch(self, url, headers=None):
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

    def html(self, template, mode="html", asset_prefix="../", **context):
        return self.env.get_template(template).render(
            mode=mode, asset_prefix=asset_prefix, **context
        )

    def stylesheets(self):
        if self._css is None:
            from weasyprint import CSS

            fetcher = AssetFetcher({})
            self._css = [
                CSS(filename=str(STATIC / name), url_fetcher=fetcher)
                for name in ("portrait.css", "print.css")
            ]
        return self._css

    def pdf(self, template, images, **context):
        from weasyprint import HTML

        source = self.html(template, mode="pdf", **context)
        document = HTML(string=source, base_url=PDF_BASE, url_fetcher=AssetFetcher(images))
        return document.write_pdf(stylesheets=self.stylesheets())
