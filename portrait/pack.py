"""Meeting packs ("dossiers de séance") for the PST's conférence and concertations, and the
questionnaire that collects observations at the annual conference.

A pack puts on the table what the meeting needs, pre-filled from the PST file, the observations
and the figures: agenda, key figures, the status of every project, the follow-up with overdue
actions first, what the actors said since the last meeting, and a minutes page whose decisions
go back into the PST file (docs/pst.md). The PDF is for the room, the DOCX for the secretary.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geodata.errors import InputError
from geodata.files import write_atomic
from portrait.files import default_pst_directory, prepare_directory
from reports.french import plural
from reports.pages import PackPage, QuestionnairePage

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

    from indicators.territory import Territory
    from reports.pstfiles.observations import Observation
    from reports.pstfiles.pst import PST, Meeting
    from reports.render import Renderer

__all__ = [
    "DECISION_ROWS",
    "DEFAULT_AGENDA",
    "MEETINGS",
    "MINUTES_LINES",
    "QUESTIONS",
    "cmd_pack",
    "cmd_questionnaire",
    "next_meeting",
    "pack_content",
    "pack_name",
    "previous_meeting",
    "questionnaire_content",
    "register",
    "render_docx",
    "write_pack",
    "write_questionnaire",
]

MEETINGS = {"conference": "Conférence sociale locale", "concertation": "Concertation locale"}
DEFAULT_AGENDA = {
    "conference": [
        "Accueil et tour de table",
        "Le portrait de ville : chiffres clés et constats",
        "Ce qu'en disent les acteurs : observations recueillies",
        "Bilan des projets partagés et tableau de suivi",
        "Choix des priorités et des projets de l'année",
        "Décisions, responsables et calendrier",
    ],
    "concertation": [
        "Tour de table",
        "Point d'étape des projets partagés",
        "Actions en retard et nouvelles actions",
        "Observations recueillies depuis la dernière réunion",
        "Décisions et date de la prochaine réunion",
    ],
}
MINUTES_LINES = 10
DECISION_ROWS = 8
QUESTIONS = (
    "Ces chiffres correspondent-ils à ce que vous observez ? Qu'est-ce qui vous frappe, qui manque ?",
    "Qu'est-ce qui a changé depuis un an ? Pour quels publics, dans quels quartiers ?",
)


# ---------------------------------------------------------------- what a pack says


def _meetings(pst):
    return (
        sorted([*pst.governance.conference, *pst.governance.meetings], key=lambda m: m.date)
        if pst
        else []
    )


def next_meeting(pst: PST | None, kind: str, on: dt.date) -> Meeting | None:
    """The first meeting of that kind on or after `on` in the PST file, or None."""
    return next((m for m in _meetings(pst) if m.kind == kind and m.date >= on), None)


def previous_meeting(pst: PST | None, before: dt.date) -> Meeting | None:
    """The last meeting of any kind strictly before `before`: observations are new since then."""
    earlier = [m for m in _meetings(pst) if m.date < before]
    return earlier[-1] if earlier else None


def _recent(observations, since, until):
    """Observations of the meeting's period; those dated the day of the last meeting (gathered
    there, e.g. with the questionnaire) are new to this one."""
    return [o for o in observations or [] if (since is None or o.date >= since) and o.date <= until]


def _observation_themes(observations, territory, code):
    """[(theme label, view)] of the themes with at least one observation, in catalogue order."""
    from reports.observations_view import observations_by_theme

    by_theme = observations_by_theme(observations, territory, code)
    return [(territory.catalogue.themes[t], view) for t, view in by_theme.items() if view["count"]]


def pack_content(
    territory: Territory,
    code: str,
    meeting: str,
    on: dt.date | None = None,
    pst: PST | None = None,
    observations: Sequence[Observation] | None = None,
    example: bool = False,
) -> dict:
    """Everything a meeting pack shows, as data, for the PDF and the DOCX alike.

    `meeting` is conference or concertation; `on` the edition date (default today): the pack is for
    the next meeting of that kind in the PST file from that date, else for a meeting on `on` with a
    default agenda. `observations` are the commune's
    (reports.pstfiles.observations.Observation); `example` marks invented observations.
    """
    from reports.model import build_portrait
    from reports.pst_view import day, pst_view

    if meeting not in MEETINGS:
        raise InputError(None, f"unknown meeting '{meeting}' (choose among {', '.join(MEETINGS)})")
    on = on or dt.date.today()
    portrait = build_portrait(territory, code, today=on)
    planned = next_meeting(pst, meeting, on)
    date = planned.date if planned else on
    previous = previous_meeting(pst, date)
    since = previous.date if previous else None
    recent = _recent(observations, since, date)
    return {
        "code": code,
        "name": portrait.name,
        "dept_name": portrait.dept_name,
        "region_name": portrait.region_name,
        "example": bool(example or (pst and pst.example)),
        "edition": day(on),
        "edition_iso": on.isoformat(),
        "meeting": {
            "kind": meeting,
            "label": MEETINGS[meeting],
            "date": day(date),
            "iso": date.isoformat(),
            "planned": planned is not None,
            "place": planned.place if planned and planned.place else "",
            "participants": list(planned.participants) if planned else [],
        },
        "agenda": list(planned.agenda) if planned and planned.agenda else DEFAULT_AGENDA[meeting],
        "agenda_from_file": bool(planned and planned.agenda),
        "key_figures": portrait.key_figures,
        "headlines": [
            {"theme": s.label, "text": s.headline.text} for s in portrait.sections if s.headline
        ],
        "pst": pst_view(pst, territory, code, today=on),
        "since": {"date": day(since), "kind": MEETINGS.get(previous.kind, previous.kind)}
        if previous
        else None,
        "observation_count": len(recent),
        "observations": _observation_themes(recent, territory, code),
        "minutes_lines": MINUTES_LINES,
        "decision_rows": DECISION_ROWS,
    }


def pack_name(content: dict, suffix: str) -> str:
    return (
        f"pack-{content['code']}-{content['meeting']['kind']}-{content['meeting']['iso']}.{suffix}"
    )


# ---------------------------------------------------------------- DOCX


def _docx():
    from docx import Document
    from docx.shared import Mm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(18)
    section.top_margin = section.bottom_margin = Mm(18)
    document.styles["Normal"].font.name = "DejaVu Sans"
    document.styles["Normal"].font.size = Pt(10)
    return document


def _table(document, header, rows, widths=None):
    from docx.shared import Mm

    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row):
            cell.text = str(text)
    for n, width in enumerate(widths or []):
        for row in table.rows:
            row.cells[n].width = Mm(width)
    return table


def _observations_count(number):
    return f"{number} observation{'s' if number > 1 else ''} recueillie{'s' if number > 1 else ''}"


def _docx_observations(document, content):
    since = content["since"]
    document.add_heading("Ce qu'en disent les acteurs", level=1)
    document.add_paragraph(
        _observations_count(content["observation_count"])
        + " "
        + (
            f"depuis la dernière réunion ({since['kind'].lower()} du {since['date']})."
            if since
            else "depuis le début du recueil."
        )
    )
    for label, view in content["observations"]:
        document.add_heading(label, level=2)
        period = (
            f"le {view['first']}"
            if view["first"] == view["last"]
            else f"du {view['first']} au {view['last']}"
        )
        document.add_paragraph(f"{_observations_count(view['count'])} {period}.")
        for group in view["groups"]:
            document.add_paragraph(group["label"]).runs[0].bold = True
            for item in group["items"]:
                text = f"« {item['text']} »" if item["quoted"] else f"En résumé : {item['text']}"
                document.add_paragraph(
                    f"{text} ({item['date']}, {item['place']})", style="List Bullet"
                )
        if view["figures"]:
            document.add_paragraph(
                "Les chiffres du thème : "
                + " ; ".join(f"{f['label']} : {f['value']}" for f in view["figures"])
            )


def _docx_minutes(document, content):
    document.add_page_break()
    document.add_heading("Compte rendu de la réunion", level=1)
    meeting = content["meeting"]
    document.add_paragraph(f"{meeting['label']} du {meeting['date']} — {content['name']}")
    for label in ("Présents", "Excusés", "Rédigé par"):
        document.add_paragraph(f"{label} : " + "." * 90)
    document.add_paragraph("Points abordés :")
    for _ in range(content["minutes_lines"] // 2):
        document.add_paragraph("." * 110)
    document.add_heading("Décisions à reporter dans le fichier PST", level=2)
    _table(
        document,
        ["Décision", "Responsable", "Échéance"],
        [["", "", ""]] * content["decision_rows"],
        widths=(105, 45, 25),
    )
    document.add_paragraph(
        "Après la réunion : chaque décision s'ajoute aux « decisions » de cette réunion dans le fichier PST, et "
        "chaque décision qui a un responsable et une échéance devient une action de « follow_up » "
        "(voir docs/pst.md). Le prochain portrait et le prochain dossier de séance les montreront."
    )


def render_docx(content: dict) -> bytes:
    """The pack as a Word document the secretary completes during the meeting."""
    document = _docx()
    meeting = content["meeting"]
    document.add_heading(f"Dossier de séance — {content['name']}", level=0)
    document.add_paragraph(
        f"{meeting['label']} du {meeting['date']}"
        + (f", {meeting['place']}" if meeting["place"] else "")
    )
    document.add_paragraph(f"{content['dept_name']} · édité le {content['edition']}")
    if content["example"]:
        document.add_paragraph(
            "Exemple fictif — les projets, réunions, personnes et observations de ce dossier sont inventés ; seuls les chiffres sont réels."
        )
    document.add_heading("Ordre du jour", level=1)
    for item in content["agenda"]:
        document.add_paragraph(item, style="List Number")
    if meeting["participants"]:
        document.add_paragraph("Participants invités : " + ", ".join(meeting["participants"]))
    document.add_heading("Le territoire en chiffres", level=1)
    _table(
        document,
        ["Chiffre clé", "Année", "Valeur", "Rang dans le département", content["dept_name"]],
        [
            [
                k["label"],
                k["vintage"],
                k["value"],
                k["rank"],
                k["reference"].replace("département : ", ""),
            ]
            for k in content["key_figures"]
        ],
    )
    document.add_heading("Ce que disent les chiffres", level=2)
    for headline in content["headlines"]:
        document.add_paragraph(f"{headline['theme']} : {headline['text']}", style="List Bullet")
    pst = content["pst"]
    document.add_heading("Les projets partagés", level=1)
    if pst is None:
        document.add_paragraph(
            f"Aucun projet social de territoire n'est enregistré pour {content['name']}."
        )
    else:
        _table(
            document,
            ["Projet", "Thème", "Statut", "Période", "Pilote"],
            [
                [p["title"], p["theme"], p["status"], p["period"], p["lead"]]
                for p in pst["projects"]
            ],
        )
        document.add_heading(
            "Tableau de suivi"
            + (
                f" — {pst['overdue']} {plural(pst['overdue'], 'action')} en retard"
                if pst["overdue"]
                else ""
            ),
            level=2,
        )
        _table(
            document,
            ["Action", "Responsable", "Échéance", "Statut", "Commentaire"],
            [
                [
                    a["action"],
                    a["owner"],
                    a["due"] + (" (en retard)" if a["overdue"] else ""),
                    a["status"],
                    a["comment"],
                ]
                for a in pst["actions"]
            ],
        )
    _docx_observations(document, content)
    _docx_minutes(document, content)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- files


def _renderer(renderer):
    from reports.render import Renderer

    return renderer or Renderer()


def write_pack(
    territory: Territory,
    code: str,
    meeting: str,
    out: str | Path = ".",
    on: dt.date | None = None,
    pst: PST | None = None,
    observations: Sequence[Observation] | None = None,
    example: bool = False,
    renderer: Renderer | None = None,
) -> tuple[Path, Path]:
    """Write `<out>/pack-<code>-<meeting>-<date>.pdf` and `.docx` (the date of the meeting); returns both paths."""
    content = pack_content(territory, code, meeting, on, pst, observations, example)
    out = prepare_directory(out)
    pdf = _renderer(renderer).pdf(PackPage(pack=content), {})
    paths = out / pack_name(content, "pdf"), out / pack_name(content, "docx")
    write_atomic(paths[0], pdf)
    write_atomic(paths[1], render_docx(content))
    return paths


def questionnaire_content(
    territory: Territory,
    code: str,
    on: dt.date | None = None,
    pst: PST | None = None,
    example: bool = False,
) -> dict:
    """One page per theme: its 2-3 headline figures for the commune, questions, boxes to write in."""
    from reports.observations_view import KINDS, theme_figures
    from reports.pst_view import day

    on = on or dt.date.today()
    planned = next_meeting(pst, "conference", on)
    date = planned.date if planned else on
    themes = territory.catalogue.themes
    return {
        "code": code,
        "name": territory.name_of(code),
        "dept_name": territory.name,
        "date": day(date),
        "iso": date.isoformat(),
        "place": planned.place if planned and planned.place else "",
        "example": bool(example or (pst and pst.example)),
        "kinds": list(KINDS),
        "questions": QUESTIONS,
        "themes": [
            {"id": t, "label": label, "figures": theme_figures(territory, code, t)}
            for t, label in themes.items()
        ],
    }


def write_questionnaire(
    territory: Territory,
    code: str,
    out: str | Path = ".",
    on: dt.date | None = None,
    pst: PST | None = None,
    renderer: Renderer | None = None,
) -> tuple[Path, Path]:
    """Write `<out>/questionnaire-<code>-<date>.pdf` and the matching observations skeleton
    `<out>/observations-<code>-<date>.yaml`; returns both paths."""
    from portrait.observations import skeleton

    content = questionnaire_content(territory, code, on, pst)
    out = prepare_directory(out)
    pdf = _renderer(renderer).pdf(QuestionnairePage(questionnaire=content), {})
    themes = {t["id"]: t["label"] for t in content["themes"]}
    yaml_text = skeleton(code, content["name"], themes, dt.date.fromisoformat(content["iso"]))
    paths = (
        out / f"questionnaire-{code}-{content['iso']}.pdf",
        out / f"observations-{code}-{content['iso']}.yaml",
    )
    write_atomic(paths[0], pdf)
    write_atomic(paths[1], yaml_text)
    return paths


# ---------------------------------------------------------------- command line


def _date(text):
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise InputError(
            None, f"--date {text!r} is not a date (write AAAA-MM-JJ, e.g. 2026-03-18)"
        ) from None


def _inputs(args):
    """The territory, the commune code, its PST (or None) and its observations file (or None)."""
    from geodata.cog import dept_of
    from indicators import load_territory
    from reports.pstfiles import observations, pst
    from reports.pstfiles.fields import COMMUNE_CODE

    code = str(args.commune).strip().upper()
    if not COMMUNE_CODE.fullmatch(code) and not args.dept:
        raise InputError(
            None,
            f"'{args.commune}' is not a commune code: give the code (e.g. 93066), or --dept with a name",
        )
    territory = load_territory(args.dept or dept_of(code), args.data)
    code = territory.commune(args.commune)
    directory = Path(args.pst) if args.pst else default_pst_directory(args.data)
    if args.pst and not directory.is_dir():
        raise InputError(directory, "PST directory does not exist")
    pst_path = directory / f"{code}.yaml"
    plan = pst.load_pst(pst_path) if pst_path.is_file() else None
    obs_path = observations.folder(directory) / f"{code}.yaml"
    known = observations.iris_communes(territory.iris_shapes())
    gathered = observations.load_file(obs_path, known) if obs_path.is_file() else None
    return territory, code, plan, gathered


def cmd_pack(args: argparse.Namespace) -> int:
    territory, code, plan, gathered = _inputs(args)
    pdf, docx = write_pack(
        territory,
        code,
        args.meeting,
        args.out,
        _date(args.date),
        plan,
        gathered.observations if gathered else None,
        bool(gathered and gathered.example),
    )
    print(f"{territory.name_of(code)}, dossier de séance : {pdf} et {docx}")
    return 0


def cmd_questionnaire(args: argparse.Namespace) -> int:
    territory, code, plan, _ = _inputs(args)
    pdf, skeleton = write_questionnaire(territory, code, args.out, _date(args.date), plan)
    print(
        f"{territory.name_of(code)}, questionnaire : {pdf} ; observations à compléter : {skeleton}"
    )
    return 0


def _common(parser):
    parser.add_argument(
        "commune", metavar="COMMUNE", help="commune code, e.g. 93066 (a name with --dept)"
    )
    parser.add_argument(
        "--date",
        metavar="AAAA-MM-JJ",
        help="edition date (default: today); the meeting is the next one from that date",
    )
    parser.add_argument(
        "--pst",
        metavar="DIR",
        help="PST files directory (default: ./pst, else pst/ in the data directory)",
    )
    parser.add_argument(
        "--data",
        metavar="DIR",
        help="data directory (default: $PORTRAIT_DATA, else ../shared/data)",
    )
    parser.add_argument("--dept", help="département code (default: from the commune code)")
    parser.add_argument(
        "--out",
        metavar="DIR",
        default=".",
        help="output directory (default: the current directory)",
    )


# `subparsers` is Any: add_subparsers() returns argparse._SubParsersAction, a private class.
def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add `pack` (meeting pack, PDF and DOCX) and `questionnaire` (observation questionnaire) to `portrait`."""
    p = subparsers.add_parser(
        "pack", help="meeting pack of a commune's PST: PDF for the room, DOCX for the minutes"
    )
    _common(p)
    p.add_argument("--meeting", required=True, choices=list(MEETINGS), help="the kind of meeting")
    p.set_defaults(func=cmd_pack)
    p = subparsers.add_parser(
        "questionnaire",
        help="printable questionnaire to collect observations, one page per theme, and its YAML rows",
    )
    _common(p)
    p.set_defaults(func=cmd_questionnaire)
    return p
