"""Projets sociaux de territoire (PST): the schema of the one hand-edited YAML file per commune, and
the loading and checking of a file or of a PST directory (its files and its observations/).

Here in the reports layer, so that the renderers take the real PST and the commands
(portrait.pst) only parse arguments and print.
"""

import datetime as dt
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Annotated, ClassVar

from pydantic import BeforeValidator, StringConstraints, field_validator

from geodata.errors import InputError
from reports.pstfiles.commune_files import CommuneFile, PSTError, check_files, commune_context
from reports.pstfiles.fields import (
    Day,
    Duration,
    IndicatorId,
    Item,
    Label,
    Link,
    Slug,
    StrictModel,
    Text,
    Theme,
    bounded_list,
    one_of,
)
from reports.pstfiles.observations import check_observations
from reports.pstfiles.yamlreader import Issue, check_yaml

__all__ = [
    "ACTION_STATUSES",
    "MAX_ACTIONS",
    "MAX_CONFERENCES",
    "MAX_MEETINGS",
    "MAX_PROJECTS",
    "PROJECT_STATUSES",
    "PST",
    "PST_SHAPE",
    "Action",
    "Agreement",
    "Conference",
    "Governance",
    "Meeting",
    "Project",
    "check_directory",
    "load_directory",
    "load_pst",
]

# Limits that `pst check` enforces, with those of the fields (reports.pstfiles.fields) and of the file
# (reports.pstfiles.yamlreader): each item is printed in the portrait, so they bound the build.
MAX_PROJECTS = 20
MAX_ACTIONS = 100
MAX_MEETINGS = 50
MAX_CONFERENCES = 10
PROJECT_STATUSES = ("idée", "en préparation", "en cours", "terminé", "suspendu")
ACTION_STATUSES = ("à faire", "en cours", "fait", "abandonné")
PST_SHAPE = "a PST file is a mapping of keys (commune, agreement, projects, governance, follow_up)"


class Agreement(StrictModel):
    """The convention: left without a date until it is signed."""

    date: Day | None = None
    signatories: bounded_list(Label) = []
    duration: Duration | None = None


class Project(StrictModel):
    id: Slug
    title: Label
    theme: Theme
    status: Annotated[str, one_of(PROJECT_STATUSES)]
    description: Text = ""
    lead: Label | None = None
    partners: bounded_list(Label) = []
    referent: Label | None = None
    start: Day | None = None
    end: Day | None = None
    objectives: bounded_list(Item) = []
    indicators: bounded_list(IndicatorId) = []
    links: bounded_list(Link) = []

    @field_validator("end")
    @classmethod
    def _not_before_start(cls, end, info):
        start = info.data.get("start")
        if end and start and end < start:
            raise ValueError(f"end {end} is before start {start}")
        return end


class Meeting(StrictModel):
    kind: Annotated[str, one_of(("conference", "concertation"))] = "concertation"
    date: Day
    place: Label | None = None
    participants: bounded_list(Label) = []
    agenda: bounded_list(Item) = []
    decisions: bounded_list(Item) = []
    minutes: Link | None = None


class Conference(Meeting):
    kind: Annotated[str, one_of(("conference",))] = "conference"


class Governance(StrictModel):
    conference: bounded_list(Conference, MAX_CONFERENCES) = []
    meetings: bounded_list(Meeting, MAX_MEETINGS) = []


class Action(StrictModel):
    id: Slug
    action: Annotated[Text, StringConstraints(min_length=1)]
    owner: Label
    due: Day | None = None
    status: Annotated[str, one_of(ACTION_STATUSES)]
    comment: Text = ""

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return (
            self.due is not None
            and self.due < (today or dt.date.today())
            and self.status not in ("fait", "abandonné")
        )


class PST(CommuneFile):
    """One commune's projet social de territoire; `example` marks the invented ones."""

    SHAPE: ClassVar[str] = PST_SHAPE  # what check_yaml says of a file that is not a mapping

    name: Label | None = None
    example: bool = False
    agreement: Agreement
    projects: bounded_list(Project, MAX_PROJECTS) = []
    governance: Annotated[Governance, BeforeValidator(lambda v: {} if v is None else v)] = (
        Governance()
    )
    follow_up: bounded_list(Action, MAX_ACTIONS) = []


# ---------------------------------------------------------------- files


def _duplicate_ids(data: dict) -> Iterator[Issue]:
    """(loc, message) for ids used twice in projects or follow_up: the schema checks entries one by one."""
    for section in ("projects", "follow_up"):
        entries = data.get(section)
        seen = {}
        for n, entry in enumerate(entries if isinstance(entries, list) else []):
            ident = entry.get("id") if isinstance(entry, dict) else None
            if isinstance(ident, str) and ident in seen:
                yield (
                    (section, n, "id"),
                    f"duplicate id '{ident}' (already {section}[{seen[ident]}])",
                )
            elif isinstance(ident, str):
                seen[ident] = n


def _check(path, known_communes=None):
    """(model or None, one-line errors) for one PST file."""
    return check_yaml(path, PST, commune_context(path, known_communes), checks=(_duplicate_ids,))


def load_pst(path: str | Path, known_communes: Collection[str] | None = None) -> PST:
    """The validated PST of one file; PSTError (an InputError) listing every error otherwise."""
    model, errors = _check(path, known_communes)
    if errors:
        raise PSTError(path, errors)
    return model


def _check_all(directory, known_communes):
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(directory, "PST directory does not exist (pass --pst DIR)")
    return check_files(directory, lambda path: _check(path, known_communes))


def check_directory(
    directory: str | Path,
    known_communes: Collection[str] | None = None,
    known_iris: Mapping[str, str] | None = None,
) -> list[str]:
    """Every error of every PST file of `directory` and of its observations/ files, one line each,
    in file then line order. `known_iris` ({IRIS code: commune code}) also checks the observations' places."""
    errors = _check_all(directory, known_communes)[1]
    return errors + check_observations(directory, known_communes, known_iris)


def load_directory(
    directory: str | Path, known_communes: Collection[str] | None = None
) -> dict[str, PST]:
    """Every PST of `directory` by commune code, for the renderers; PSTError if any file has an error."""
    models, errors = _check_all(directory, known_communes)
    if errors:
        raise PSTError(directory, errors)
    return models
