"""Field observations ("ressenti des acteurs"): what professionals, partners and inhabitants say
about their commune, one hand-edited YAML file per commune in the PST directory's observations/.

The figures say how much; the observations say how it is lived. They are written by the same
field officers as the PST files, so they go through the same safe loader and the same one-line
errors (reports.pstfiles.yamlreader), and whether a text may be quoted is an explicit, required
choice. Here in the reports layer, so that the renderers take the real Observation.
"""

import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ClassVar

from pydantic import BeforeValidator, Field, StringConstraints, field_validator

from reports.pstfiles.commune_files import CommuneFile, PSTError, check_files, commune_context
from reports.pstfiles.fields import (
    COMMUNE_CODE,
    MAX_LABEL,
    Day,
    IndicatorId,
    StrictModel,
    Text,
    Theme,
    bounded_list,
    one_of,
)
from reports.pstfiles.yamlreader import check_yaml, show_value

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "FOLDER",
    "IRIS_CODE",
    "MAX_OBSERVATION",
    "MAX_SUMMARY",
    "SHAPE",
    "SOURCE_KINDS",
    "USES",
    "Observation",
    "ObservationFile",
    "Summary",
    "Words",
    "check_file",
    "check_observations",
    "commune_observations",
    "folder",
    "iris_communes",
    "known_iris",
    "load_file",
    "load_observations",
]

FOLDER = "observations"
SOURCE_KINDS = (
    "professionnel du Département",
    "ville / CCAS",
    "centre social",
    "association",
    "habitant",
)
USES = (
    "citation",
    "résumé",
)  # citation: may be quoted verbatim; résumé: only the summary is ever shown
MAX_OBSERVATION = 2_000
MAX_SUMMARY = 600
IRIS_CODE = re.compile(r"(?:\d{5}|2[AB]\d{3})\d{4}")
SHAPE = "an observations file is a mapping of keys (commune, example, observations)"


def _accented(value):
    """`resume` typed without its accent is the same choice as `résumé`."""
    return (
        "résumé"
        if isinstance(value, str) and value.strip().lower() in ("resume", "résumé")
        else value
    )


def _code_text(value):
    """An unquoted code is read as a number by YAML: give it back as text (93066, 930660101)."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _commune_of_iris(code, known_iris):
    """The commune an IRIS is in today, following mergers (Pierrefitte-sur-Seine's IRIS are Saint-Denis's)."""
    if known_iris is not None:
        return known_iris.get(code)
    from geodata.cog import code_mapping, events_until

    return code_mapping(events_until()).get(code[:5], code[:5])


def _place(value, info):
    """The commune itself, one of its IRIS (9 characters) or a quartier named in words."""
    context = info.context or {}
    commune, known_iris = context.get("stem"), context.get("known_iris")
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {show_value(value)}")
    value = " ".join(value.split())
    if IRIS_CODE.fullmatch(value):
        owner = _commune_of_iris(value, known_iris)
        if owner is None:
            raise ValueError(f"unknown IRIS code '{value}' (not in the IRIS contours of the data)")
        if commune and owner != commune:
            raise ValueError(f"IRIS '{value}' is in commune {owner}, not {commune}")
        return value
    if COMMUNE_CODE.fullmatch(value):
        if commune and value != commune:
            raise ValueError(
                f"'{value}' is another commune: write {commune}, one of its IRIS codes or a quartier name"
            )
        return value
    if value.isdigit():
        raise ValueError(
            f"'{value}' is neither a commune code (5 digits) nor an IRIS code (9 digits): quote the code, e.g. '930660101'"
        )
    if not value or len(value) > MAX_LABEL or re.search(r"[\x00-\x1f\x7f]", value):
        raise ValueError(
            f"{show_value(value)} is not a place: the commune code, an IRIS code or a quartier name (at most {MAX_LABEL} characters)"
        )
    return value


Words = Annotated[Text, StringConstraints(min_length=1, max_length=MAX_OBSERVATION)]
Summary = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_SUMMARY)
]


class Observation(StrictModel):
    """One observation; `use: résumé` keeps the actor's words in the file and shows only `summary`."""

    date: Day
    source: Annotated[str, one_of(SOURCE_KINDS)]
    theme: Theme
    place: Annotated[str | None, BeforeValidator(_code_text)] = None  # None: the commune as a whole
    text: Words
    use: Annotated[str, BeforeValidator(_accented), one_of(USES)]
    summary: Summary | None = Field(default=None, validate_default=True)
    indicator: IndicatorId | None = None

    @field_validator("place")
    @classmethod
    def _in_the_commune(cls, value, info):
        return None if value is None else _place(value, info)

    @field_validator("summary")
    @classmethod
    def _summary_matches_use(cls, summary, info):
        use = info.data.get("use")
        if use == "résumé" and summary is None:
            raise ValueError(
                "missing: with use: résumé only the summary is shown, so write one (or use: citation if the text may be quoted)"
            )
        if use == "citation" and summary is not None:
            raise ValueError(
                "a citation shows the text itself: remove the summary, or write use: résumé to show only the summary"
            )
        return summary

    @property
    def shown(self) -> str:
        """What any document may print: the words themselves when quoting is allowed, else the summary."""
        return self.text if self.use == "citation" else self.summary

    @property
    def quoted(self) -> bool:
        return self.use == "citation"


class ObservationFile(CommuneFile):
    """A commune's observations; `example` marks the invented ones."""

    SHAPE: ClassVar[str] = SHAPE  # what check_yaml says of a file that is not a mapping

    example: bool = False
    observations: bounded_list(Observation) = []


# ---------------------------------------------------------------- files


def folder(pst_directory: str | Path) -> Path:
    """The observations/ folder of a PST directory."""
    return Path(pst_directory) / FOLDER


def check_file(
    path: str | Path,
    known_communes: Collection[str] | None = None,
    known_iris: Mapping[str, str] | None = None,
) -> tuple[ObservationFile | None, list[str]]:
    """(ObservationFile or None, one-line errors) of one observations file."""
    context = {**commune_context(path, known_communes), "known_iris": known_iris}
    return check_yaml(path, ObservationFile, context)


def _check_all(pst_directory, known_communes, known_iris):
    """No observations/ folder is no observation, not an error: most communes have none yet."""
    directory = folder(pst_directory)
    if not directory.is_dir():
        return {}, []
    return check_files(
        directory,
        lambda path: check_file(path, known_communes, known_iris),
        kind="an observations file",
    )


def check_observations(
    pst_directory: str | Path,
    known_communes: Collection[str] | None = None,
    known_iris: Mapping[str, str] | None = None,
) -> list[str]:
    """Every error of every observations file of `<pst_directory>/observations/`, one line each."""
    return _check_all(pst_directory, known_communes, known_iris)[1]


def load_observations(
    pst_directory: str | Path,
    known_communes: Collection[str] | None = None,
    known_iris: Mapping[str, str] | None = None,
) -> dict[str, ObservationFile]:
    """{commune code: ObservationFile} of the PST directory; PSTError (an InputError) listing every error."""
    models, errors = _check_all(pst_directory, known_communes, known_iris)
    if errors:
        raise PSTError(folder(pst_directory), errors)
    return models


def load_file(path: str | Path, known_iris: Mapping[str, str] | None = None) -> ObservationFile:
    """One commune's observations file, validated; PSTError otherwise."""
    model, errors = check_file(path, None, known_iris)
    if errors:
        raise PSTError(path, errors)
    return model


def commune_observations(
    pst_directory: str | Path, code: str, known_iris: Mapping[str, str] | None = None
) -> list[Observation] | None:
    """The observations of one commune, oldest first; None when it has no observations file."""
    path = folder(pst_directory) / f"{code}.yaml"
    if not path.is_file():
        return None
    return sorted(load_file(path, known_iris).observations, key=lambda o: o.date)


def iris_communes(shapes: "gpd.GeoDataFrame | None") -> dict[str, str] | None:
    """{IRIS code: commune code today} from IRIS contours (territory.iris_shapes()), for the place check."""
    if shapes is None:
        return None
    return dict(zip(shapes["code"], shapes["commune"]))


def known_iris(data_dir: str | Path | None, dept: str) -> dict[str, str] | None:
    """{IRIS code: commune code today} of a département, from the IRIS contours of the data directory."""
    from geodata import boundaries  # geopandas: loaded only when asked
    from geodata.cog import code_mapping, events_until

    shapes = boundaries.load_iris(data_dir, dept)
    if shapes is None:
        return None
    mapping = code_mapping(events_until())
    return {
        iris: mapping.get(commune, commune)
        for iris, commune in zip(shapes["code"], shapes["commune"])
    }
