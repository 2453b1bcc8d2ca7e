"""The département's pages, written after its communes: shared assets and map data, the département page
and its map, the synthesis, the comparison, the dictionary, and the list of shared projects with the
follow-up tables (CSV, XLSX)."""

import io

import geopandas as gpd
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from geodata.files import write_atomic
from portrait.dictionary import entries, to_html, to_pdf
from portrait.files import prepare_directory
from portrait.pipeline import records
from portrait.pipeline.commune import Stopwatch, draw_images
from portrait.pipeline.inputs import Context
from reports import webmap
from reports.figures import draw as draw_figure
from reports.model import Chart, map_chart
from reports.pages import ComparerPage, DepartementPage, ProjectsPage, SynthesisPage
from reports.pst_view import pst_view
from reports.render import STATIC

__all__ = [
    "write_departement_page",
    "write_methods",
    "write_projects_page",
    "write_shared_assets",
    "write_synthesis",
]


def write_shared_assets(context: Context, shapes: gpd.GeoDataFrame) -> int:
    """Leaflet, our scripts and the département's map data, shared by every page; kept when unchanged.

    Returns the size of the map data."""
    key = records.assets_key(context.territory.fingerprint, context.folders)
    recorded = records.still_current(context.out, records.ASSETS_RECORD, key)
    if recorded and not context.force:
        return recorded["files"][context.data_script]
    records.forget(context.out, records.ASSETS_RECORD)
    assets = prepare_directory(context.out / "assets")
    written = {
        "assets/portrait.css": write_atomic(
            assets / "portrait.css", (STATIC / "portrait.css").read_bytes()
        )
    }
    for name, data in webmap.leaflet_assets().items():
        prepare_directory((assets / name).parent)
        written[f"assets/{name}"] = write_atomic(assets / name, data)
    data = webmap.departement_data(context.territory, shapes, context.folders)
    written[context.data_script] = write_atomic(
        context.out / context.data_script, webmap.js_data("PORTRAIT_COMMUNES", data)
    )
    records.remember(context.out, records.ASSETS_RECORD, key, written)
    return written[context.data_script]


def write_synthesis(context: Context) -> None:
    """The "Synthèse départementale" page and PDF: typology map, fragility ranking, quadrants.

    It depends on the data and the code only: kept as it is when neither changed since the last build."""
    if context.crossed is None:
        return
    territory = context.territory
    key = records.synthesis_key(territory.fingerprint, context.formats)
    if not context.force and records.still_current(context.out, records.SYNTHESIS_RECORD, key):
        return
    records.forget(context.out, records.SYNTHESIS_RECORD)
    synthesis = context.crossed.synthesis()
    figures = [synthesis["types_map"], synthesis["ranking"], *synthesis["quadrants"]]
    images = draw_images(figures, context.painter, Stopwatch())
    synthesis_page = SynthesisPage(asset_prefix="", territory=territory, synthesis=synthesis)
    page = context.renderer.html(synthesis_page)
    written = {name: write_atomic(context.out / name, data) for name, data in images.items()}
    written["synthese.html"] = write_atomic(context.out / "synthese.html", page)
    if "pdf" in context.formats:
        pdf = context.renderer.pdf(synthesis_page, images)
        written[f"synthese-{territory.dept}.pdf"] = write_atomic(
            context.out / f"synthese-{territory.dept}.pdf", pdf
        )
    records.remember(context.out, records.SYNTHESIS_RECORD, key, written)


def write_departement_page(
    context: Context, folders: dict[str, str], group_links: list[tuple[str, str]] = ()
) -> None:
    """The département's page (table of key figures, map), its map page, the comparison and the dictionary."""
    territory = context.territory
    tiles, attribution = context.tiles
    page = webmap.map_page(
        f"Carte — {territory.name}",
        [context.data_script],
        "PORTRAIT_COMMUNES",
        {"linkPrefix": ""},
        "",
        tiles,
        attribution,
    )
    write_atomic(context.out / "carte.html", page)
    chart = map_chart(territory, None, "taux_pauvrete")
    if chart:
        chart.image = "carte-departement.png"
        _departement_map(context, chart)
    key_ids = [i.id for i in territory.catalogue if i.key]
    rows = []
    for code, name in zip(territory.communes["code"], territory.communes["name"]):
        values = territory.values(code)
        rows.append(
            {
                "code": code,
                "name": name,
                "folder": folders.get(code),
                "values": [values.loc[i] if i in values.index else None for i in key_ids],
            }
        )
    html = context.renderer.html(
        DepartementPage(
            asset_prefix="",
            territory=territory,
            commune_rows=rows,
            key_indicators=[territory.catalogue[i] for i in key_ids],
            printable_map=chart,
            group_links=group_links,
            has_projects=bool(context.pst),
            has_synthesis=context.crossed is not None,
            has_synthesis_pdf="pdf" in context.formats,
        )
    )
    write_atomic(
        context.out / "comparer.html",
        context.renderer.html(ComparerPage(asset_prefix="", territory=territory)),
    )
    write_atomic(
        context.out / "dictionnaire.html", to_html(entries(territory.catalogue), context.renderer)
    )
    write_atomic(context.out / "index.html", html)


def write_methods(context: Context) -> None:
    """The "Méthodes et définitions" PDF of the département (the dictionary of every indicator), built
    once and kept while the data and the code do not change: the portraits' annexes refer to it."""
    if "pdf" not in context.formats:
        return
    name = f"methodes-{context.territory.dept}.pdf"
    key = records.synthesis_key(context.territory.fingerprint, context.formats)
    if not context.force and records.still_current(context.out, records.METHODS_RECORD, key):
        return
    records.forget(context.out, records.METHODS_RECORD)
    pdf = to_pdf(entries(context.territory.catalogue), context.renderer)
    size = write_atomic(context.out / name, pdf)
    records.remember(context.out, records.METHODS_RECORD, key, {name: size})


def _departement_map(context: Context, chart: Chart) -> None:
    """The printable map of the département page, drawn again only when its data or the drawing code changed."""
    key = records.image_key(chart.kind, chart.data, context.territory.fingerprint)
    if context.force or not records.still_current(context.out, records.DEPARTEMENT_MAP_RECORD, key):
        records.forget(context.out, records.DEPARTEMENT_MAP_RECORD)
        size = write_atomic(context.out / chart.image, draw_figure(chart, context.painter))
        records.remember(context.out, records.DEPARTEMENT_MAP_RECORD, key, {chart.image: size})


def write_projects_page(context: Context) -> tuple[int, int]:
    """The list of every shared project of the département, and the follow-up tables as CSV and XLSX."""
    territory = context.territory
    projects, actions = [], []
    for code, pst in sorted(context.pst.items()):
        view = pst_view(pst, territory, code)
        name = territory.name_of(code)
        for project in view["projects"]:
            projects.append(
                {
                    **project,
                    "commune": name,
                    "folder": context.folders.get(code),
                    "example": view["example"],
                }
            )
        for action in view["actions"]:
            actions.append({"commune": name, "code": code, **action})
    html = context.renderer.html(
        ProjectsPage(asset_prefix="", territory=territory, projects=projects)
    )
    write_atomic(context.out / "projets.html", html)
    columns = ["code", "commune", "id", "action", "owner", "due", "status", "overdue", "comment"]
    headers = [
        "code",
        "commune",
        "action_id",
        "action",
        "responsable",
        "echeance",
        "statut",
        "en_retard",
        "commentaire",
    ]
    rows = [
        [str(a[c]) if c != "overdue" else ("oui" if a["overdue"] else "non") for c in columns]
        for a in actions
    ]
    frame = pd.DataFrame(rows, columns=headers)
    csv = frame.map(_inert)  # the workbook types its cells as text instead
    write_atomic(context.out / "suivi-pst.csv", csv.to_csv(index=False, lineterminator="\n"))
    write_atomic(context.out / "suivi-pst.xlsx", _xlsx(frame))
    return len(projects), len(actions)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert(text: str) -> str:
    """A CSV cell a spreadsheet would run as a formula ("=HYPERLINK(...)" typed in a PST file) starts
    with a quote, as OWASP advises: it then opens as text."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _xlsx(frame: pd.DataFrame) -> bytes:
    """The follow-up table as a workbook, late actions shaded, every cell text (never a formula)."""

    book = Workbook()
    sheet = book.active
    sheet.title = "Suivi PST"
    sheet.append(list(frame.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    late = PatternFill("solid", fgColor="FBE0D6")
    for row in frame.itertuples(index=False):
        sheet.append([str(v) for v in row])
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"  # what a PST file says is text, even "=HYPERLINK(...)"
        if row.en_retard == "oui":
            for cell in sheet[sheet.max_row]:
                cell.fill = late
    for column, width in zip("ABCDEFGHI", (8, 22, 24, 60, 30, 18, 12, 10, 40)):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
