"""The "Projet social de territoire" block of a portrait, from a checked PST file and the figures.

Takes the PST of reports.pstfiles.pst, the schema the files are checked against.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from reports.formatting import MISSING, format_date, format_row, format_value, shown_decimals
from reports.french import of, plural
from reports.model import Chart
from reports.pstfiles.pst import PST, Meeting

if TYPE_CHECKING:
    from indicators.territory import Territory

__all__ = ["STATUS_CLASS", "day", "indicator_trend", "pst_view"]

STATUS_CLASS = {
    "idée": "idea",
    "en préparation": "preparing",
    "en cours": "running",
    "terminé": "done",
    "suspendu": "paused",
    "à faire": "todo",
    "fait": "done",
    "abandonné": "paused",
}


def day(value: dt.date | None) -> str:
    return format_date(value) if value else "non précisée"


def _period(start, end):
    if start and end:
        return f"du {day(start)} au {day(end)}"
    if start:
        return f"depuis le {day(start)}"
    if end:
        return f"jusqu'au {day(end)}"
    return "calendrier à préciser"


def indicator_trend(territory: Territory, code: str, indicator_id: str) -> dict:
    """Baseline (first vintage) and latest value of an indicator the project aims to move."""
    indicator = territory.catalogue[indicator_id]
    rows = territory.table[
        (territory.table["code"] == code) & (territory.table["indicator"] == indicator_id)
    ]
    known = rows.dropna(subset=["value"]).sort_values("vintage")
    if known.empty:
        reason = rows["missing_reason"].iloc[0] if len(rows) else "pas de donnée"
        return {
            "label": indicator.label,
            "baseline": MISSING,
            "latest": MISSING,
            "change": "",
            "reason": reason,
        }
    first, last = known.iloc[0], known.iloc[-1]
    change = ""
    if len(known) > 1 and bool(first["estimate"]) == bool(
        last["estimate"]
    ):  # never a published value against an estimate
        delta = last["value"] - first["value"]
        places = min(
            shown_decimals(indicator.unit, first["decimals"]),
            shown_decimals(indicator.unit, last["decimals"]),
        )
        change = (
            format_value(delta, "points", places)
            if indicator.is_rate
            else format_value((last["value"] / first["value"] - 1) * 100, "%")
        )
    return {
        "label": indicator.label,
        "baseline": f"{format_row(first, indicator.unit)} ({int(first['vintage'])})",
        "latest": f"{format_row(last, indicator.unit)} ({int(last['vintage'])})",
        "change": change,
        "reason": "",
    }


def _meeting(meeting: Meeting, kind_label: str) -> dict:
    return {
        "date": day(meeting.date),
        "iso": meeting.date.isoformat(),
        "kind": kind_label,
        "place": meeting.place or "",
        "participants": list(meeting.participants),
        "agenda": list(meeting.agenda),
        "decisions": list(meeting.decisions),
        "minutes": meeting.minutes,
    }


def pst_view(
    pst: PST | None, territory: Territory, code: str, today: dt.date | None = None
) -> dict | None:
    """What the PST section shows; None when the commune has no PST file."""
    if pst is None:
        return None
    today = today or dt.date.today()
    themes = territory.catalogue.themes
    projects = [
        {
            "id": p.id,
            "title": p.title,
            "theme": themes.get(p.theme, p.theme),
            "status": p.status,
            "status_class": STATUS_CLASS.get(p.status, ""),
            "description": p.description,
            "lead": p.lead or "",
            "partners": list(p.partners),
            "referent": p.referent or "",
            "period": _period(p.start, p.end),
            "objectives": list(p.objectives),
            "links": list(p.links),
            "indicators": [indicator_trend(territory, code, i) for i in p.indicators],
        }
        for p in pst.projects
    ]
    meetings = [
        (m.date, _meeting(m, "Conférence sociale locale")) for m in pst.governance.conference
    ]
    meetings += [(m.date, _meeting(m, "Concertation locale")) for m in pst.governance.meetings]
    meetings.sort(key=lambda pair: pair[0])
    past = [m for d, m in meetings if d <= today]
    future = [m for d, m in meetings if d > today]
    actions = sorted(
        (
            {
                "id": a.id,
                "action": a.action,
                "owner": a.owner,
                "due": day(a.due) if a.due else "—",
                "status": a.status,
                "status_class": STATUS_CLASS.get(a.status, ""),
                "comment": a.comment,
                "overdue": a.is_overdue(today),
                "sort": a.due or dt.date.max,
            }
            for a in pst.follow_up
        ),
        key=lambda a: (not a["overdue"], a["sort"]),
    )
    agreement = pst.agreement
    duration = agreement.duration
    return {
        "example": pst.example,
        "agreement": {
            "date": day(agreement.date) if agreement.date else "non signée",
            "signatories": list(agreement.signatories),
            "duration": duration
            if isinstance(duration, str)
            else (f"{duration} ans" if duration else "non précisée"),
        },
        "projects": projects,
        "meetings": [m for _, m in meetings],
        "next": future[0] if future else None,
        "last": past[-1] if past else None,
        "actions": actions,
        "overdue": sum(a["overdue"] for a in actions),
        "timeline": _timeline(pst, today, territory.name_of(code)),
    }


def _timeline(pst: PST, today: dt.date, name: str) -> Chart | None:
    projects = [
        {"title": p.title, "start": p.start, "end": p.end, "status": p.status}
        for p in pst.projects
        if p.start or p.end
    ]
    meetings = [{"date": m.date, "kind": "conference"} for m in pst.governance.conference]
    meetings += [{"date": m.date, "kind": "concertation"} for m in pst.governance.meetings]
    if not projects and not meetings:
        return None
    rows = [
        [
            p["title"],
            day(p["start"]) if p["start"] else "—",
            day(p["end"]) if p["end"] else "—",
            p["status"],
        ]
        for p in projects
    ]
    alt = (
        f"Frise chronologique du projet social de territoire {of(name)} : {len(projects)} "
        f"{plural(len(projects), 'projet')} en barres et {len(meetings)} "
        f"{plural(len(meetings), 'réunion')} en repères ; la ligne verticale marque la date du jour."
    )
    return Chart(
        "pst-frise",
        "timeline",
        "Calendrier des projets et des réunions",
        alt,
        f"fichier PST {of(name)}",
        ["Projet", "Début", "Fin", "Statut"],
        rows,
        {"projects": projects, "meetings": meetings, "today": today},
    )
