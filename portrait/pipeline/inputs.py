"""What a build reads, checked before anything is written, and the Context every worker receives."""

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from geodata import boundaries
from geodata.datadir import find_data_dir
from geodata.errors import InputError
from geodata.files import digest
from indicators import cache, load_territory
from indicators.territory import Territory
from portrait.files import default_pst_directory
from portrait.pipeline import records
from reports.crossed_view import CrossedAnalysis
from reports.maps import MapPainter
from reports.pstfiles import observations
from reports.pstfiles.commune_files import pst_files
from reports.pstfiles.pst import load_directory
from reports.render import Renderer

__all__ = [
    "Context",
    "crossed_analysis",
    "load_inputs",
    "load_observation_files",
    "load_pst_files",
]


@dataclass(kw_only=True)
class Context:
    """What every worker needs, built once in the parent process (and sent once to Dask workers)."""

    territory: Territory  # the communes', or a group's (GroupTerritory) for the groups' portraits
    out: Path  # the output directory, resolved
    formats: frozenset[str]  # a subset of html, pdf, csv
    painter: MapPainter
    folders: dict[str, str] = field(default_factory=dict)  # code -> folder of every portrait built
    neighbours: dict[str, list[str]] = field(
        default_factory=dict
    )  # code -> codes of its neighbours
    tiles: tuple[str | None, str | None] = (None, None)  # web map tile URL and its attribution
    pst: dict = field(default_factory=dict)  # code -> checked PST
    pst_paths: dict[str, Path] = field(default_factory=dict)  # code -> its PST file
    observations: dict = field(default_factory=dict)  # code -> checked observations file
    observation_paths: dict[str, Path] = field(default_factory=dict)
    crossed: CrossedAnalysis | None = None  # None for groups, or when the data is too thin
    force: bool = False  # rebuild even what is up to date
    renderer: Renderer = field(default_factory=Renderer)

    @property
    def data_script(self) -> str:
        return f"assets/carte-{self.territory.dept}.js"


def load_inputs(
    dept: str, data_dir: str | Path | None = None
) -> tuple[Territory, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The département trimmed to its communes, with its IRIS, and the outlines of its communes and of the
    départements.

    Kept in the cache while the data files, the code and the libraries do not change: after a PST
    change, the build then reads one file (0.1 s) instead of parsing tables and outlines (2 s)."""
    data = find_data_dir(data_dir)

    def produce():
        territory = load_territory(dept, data).trimmed()
        territory.iris_shapes()  # loaded now, to be kept with the rest
        shapes = boundaries.load_communes(territory.data_dir, territory.dept, territory.events)
        return territory, shapes, boundaries.load_departements(territory.data_dir)

    return cache.cached_object(
        digest("inputs", str(dept).strip().upper(), records.data_key(data)), produce
    )


def load_pst_files(
    pst_dir: str | Path | None, territory: Territory
) -> tuple[dict, dict[str, Path], Path | None]:
    """Every PST file, checked before anything is written; {} when there is no PST directory."""
    directory = (
        Path(pst_dir) if pst_dir else default_pst_directory(territory.data_dir)
    ).absolute()  # workers elsewhere read the same paths
    if pst_dir and not directory.is_dir():
        raise InputError(directory, "PST directory does not exist")
    if not directory.is_dir():
        return {}, {}, None
    known = set(territory.communes["code"])
    files = {p.stem: p for p in pst_files(directory)}
    ours = {code: path for code, path in files.items() if code in known}
    checked = load_directory(directory, None)
    return {code: checked[code] for code in ours if code in checked}, ours, directory


def load_observation_files(
    pst_dir: Path | None, territory: Territory
) -> tuple[dict, dict[str, Path]]:
    """The actors' observations of the PST directory ({} without one), checked before anything is written."""
    if pst_dir is None:
        return {}, {}
    files = observations.load_observations(
        pst_dir, known_iris=observations.iris_communes(territory.iris_shapes())
    )
    paths = {code: observations.folder(pst_dir) / f"{code}.yaml" for code in files}
    return files, paths


def crossed_analysis(territory: Territory) -> CrossedAnalysis | None:
    """Fragility, typology and quadrants of the département, or None (with a warning) when the data is too thin."""
    try:
        return CrossedAnalysis(territory)
    except ValueError as exc:
        territory.warnings.append(f"indicateurs croisés non calculés : {str(exc).splitlines()[0]}")
        return None
