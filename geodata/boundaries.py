"""Commune, département and IRIS boundaries, recognised by their content.

Any GeoJSON, GeoPackage or Shapefile in the data directory whose features carry
a commune, département or IRIS code is picked up, so another département's
files work by being dropped in. Web maps use WGS84, areas and printed maps
Lambert-93 (EPSG:2154).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import CRS

from geodata.cog import code_mapping, dept_of, events_until
from geodata.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from geodata.cog import Merger

__all__ = [
    "CODE_COLUMNS",
    "GEO_SUFFIXES",
    "LAMBERT93",
    "NAME_COLUMNS",
    "POLYGONS",
    "WEB_CRS",
    "GeoFile",
    "iris_files",
    "load_communes",
    "load_departements",
    "load_iris",
    "neighbours",
    "repaired",
    "scan",
    "to_lambert",
    "to_web",
]

WEB_CRS = 4326
LAMBERT93 = 2154
GEO_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp"}
CODE_COLUMNS = (
    "code_iris",
    "iris",
    "code",
    "insee_com",
    "code_insee",
    "codgeo",
    "insee",
    "code_com",
    "code_dep",
    "insee_dep",
)
NAME_COLUMNS = ("nom_iris", "nom", "name", "libelle", "nom_com", "nom_commune", "libgeo")
POLYGONS = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class GeoFile:
    path: Path
    kind: str  # "commune", "departement" or "iris"
    code_column: str
    name_column: str | None
    depts: tuple
    vertices: int
    invalid: tuple = ()  # (code, why) of the outlines that loading repairs


def _read(path):
    if path.suffix.lower() in (".geojson", ".json"):
        _check_geojson(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio/GDAL raise many types for unreadable files
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(path, f"cannot read as a boundary file ({first})") from None


def _check_geojson(path):
    """GDAL reads a bare geometry as a layer without codes (then skipped) and a cut file with a vague
    message: say what is wrong and what to do."""
    try:
        raw = path.read_bytes()
        if not raw.strip():
            raise InputError(
                path, "empty file: download it again, or remove it from the data directory"
            )
        data = json.loads(raw)
    except OSError as exc:
        raise InputError(path, f"cannot read file ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise InputError(
            path,
            f"invalid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}): the file is cut or is not GeoJSON, download it again",
        ) from None
    except (UnicodeDecodeError, RecursionError):
        raise InputError(path, "not GeoJSON text (UTF-8 JSON): download it again") from None
    kind = data.get("type") if isinstance(data, dict) else None
    if kind not in ("FeatureCollection", "Feature"):
        found = (
            f"a {kind}"
            if isinstance(kind, str) and kind.isidentifier()
            else f"a JSON {type(data).__name__}"
        )
        raise InputError(
            path,
            f"a boundary GeoJSON is a FeatureCollection (or one Feature) whose features carry a code, this file is {found}: "
            "export the layer as a FeatureCollection",
        )


def _kind_of(codes):
    lengths = codes.str.len()
    if (lengths == 9).all():
        return "iris"
    if (lengths == 5).all():
        return "commune"
    if lengths.between(2, 3).all():
        return "departement"
    return None


def _classify(path, gdf):
    lower = {c.lower(): c for c in gdf.columns if c != "geometry"}
    for candidate in CODE_COLUMNS:
        if candidate not in lower:
            continue
        column = lower[candidate]
        codes = gdf[column].astype(str).str.strip()
        kind = _kind_of(codes)
        if kind is None or not len(codes):
            continue
        name = next(
            (
                lower[n]
                for n in NAME_COLUMNS
                if n in lower and (kind == "iris") == n.endswith("iris")
            ),
            None,
        )
        vertices = int(gdf.geometry.count_coordinates().sum()) if len(gdf) else 0
        return GeoFile(
            path,
            kind,
            column,
            name,
            tuple(sorted({dept_of(c) for c in codes})),
            vertices,
            _invalid(codes, gdf.geometry),
        )
    return None


@cache
def scan(data_dir: str | Path) -> tuple[GeoFile, ...]:
    """Every boundary file of the data directory, with what it holds."""
    found = []
    for path in sorted(Path(data_dir).rglob("*")):
        if path.suffix.lower() not in GEO_SUFFIXES or not path.is_file():
            continue
        if path.suffix.lower() == ".json" and path.stat().st_size > 0 and not _looks_geojson(path):
            continue
        info = _classify(path, _read(path))
        if info is not None:
            found.append(info)
    return tuple(found)


def _invalid(codes, geometries):
    """(code, why) of each invalid outline, e.g. ("93057", "Self-intersection"), for the load warnings."""
    present = geometries.notna().to_numpy()
    bad = present & ~geometries.is_valid.to_numpy()
    reasons = shapely.is_valid_reason(geometries.to_numpy()[bad])
    return tuple(
        (code, str(why).split("[")[0]) for code, why in zip(codes.to_numpy()[bad], reasons)
    )


def repaired(data_dir: str | Path, dept: str) -> list[tuple[Path, str, str]]:
    """(file, code, why) of the invalid outlines the département's maps use, repaired on load."""
    used = _files(data_dir, "commune", dept)
    iris = iris_files(data_dir, dept)
    if iris:
        used.append(max(iris, key=lambda f: f.vertices))
    return [(f.path, code, why) for f in used for code, why in f.invalid if dept_of(code) == dept]


def _looks_geojson(path):
    with open(path, "rb") as handle:
        return b"FeatureCollection" in handle.read(4096)


def _ensure_crs(gdf, path):
    """Lon/lat when the file says nothing (GDAL also reports a GeoJSON without `crs` as WGS84), checked."""
    if gdf.crs is None or CRS(gdf.crs).is_geographic:
        _require_lonlat(gdf, path)
        return gdf.set_crs(WEB_CRS, allow_override=True) if gdf.crs is None else gdf
    crs = CRS(gdf.crs)
    if crs.to_epsg() is None and _is_lambert93(crs):
        gdf = gdf.set_crs(LAMBERT93, allow_override=True)
    return gdf


def _require_lonlat(gdf, path):
    minx, miny, maxx, maxy = gdf.total_bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InputError(
            path,
            f"coordinates are not longitude/latitude (x {minx:.0f} to {maxx:.0f}, y {miny:.0f} to {maxy:.0f}) and the file "
            "declares no projected CRS: add a .prj or a crs member (e.g. EPSG:2154 for Lambert-93), or convert it to WGS84",
        )


def _is_lambert93(crs):
    """ESRI-style .prj files carry the Lambert-93 parameters without the EPSG code."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        params = crs.to_dict()
    return (
        params.get("proj") == "lcc"
        and params.get("lat_1") in (49, 44)
        and params.get("lat_2") in (44, 49)
        and params.get("lon_0") == 3
        and params.get("x_0") == 700000
        and params.get("y_0") == 6600000
    )


def _standardise(info, kind_label):
    gdf = _read(info.path)
    out = gpd.GeoDataFrame(
        {
            "code": gdf[info.code_column].astype(str).str.strip(),
            "name": gdf[info.name_column].astype(str) if info.name_column else None,
        },
        geometry=gdf.geometry.values,
        crs=gdf.crs,
    )
    empty = out.geometry.isna() | out.geometry.is_empty
    if empty.any():
        raise InputError(
            info.path,
            f"{kind_label} {out.loc[empty, 'code'].iloc[0]} has no geometry: give it its outline, or remove the feature",
        )
    flat = ~out.geometry.geom_type.isin(POLYGONS)
    if flat.any():
        first = flat.to_numpy().nonzero()[0][0]
        raise InputError(
            info.path,
            f"{kind_label} {out['code'].iloc[first]} is a {out.geometry.iloc[first].geom_type}, not a polygon: "
            "a boundary file holds the outline of each territory",
        )
    duplicated = out["code"][out["code"].duplicated()]
    if len(duplicated):
        raise InputError(
            info.path,
            f"duplicate {kind_label} code {duplicated.iloc[0]} ({len(duplicated)} duplicates): each code must appear once",
        )
    invalid = ~out.geometry.is_valid
    if invalid.any():
        out.loc[invalid, "geometry"] = [_repair(g) for g in out.geometry[invalid]]
        lost = out.geometry.isna()
        if lost.any():
            raise InputError(
                info.path,
                f"{kind_label} {out.loc[lost, 'code'].iloc[0]} has a flat outline (no area once repaired): fix its geometry",
            )
    out = _ensure_crs(out, info.path)
    return out.to_crs(WEB_CRS)


def _repair(geometry):
    """make_valid keeps every piece of a broken outline; a boundary keeps its polygons only (a bow-tie's two
    triangles, not the point where it crosses); None when nothing with an area is left."""
    fixed = shapely.make_valid(geometry)
    parts = (
        [fixed]
        if fixed.geom_type in POLYGONS
        else [g for g in getattr(fixed, "geoms", ()) if g.geom_type in POLYGONS]
    )
    return shapely.union_all(parts) if parts else None


def _files(data_dir, kind, dept=None):
    return [f for f in scan(Path(data_dir)) if f.kind == kind and (dept is None or dept in f.depts)]


def load_communes(
    data_dir: str | Path, dept: str, events: Sequence[Merger] | None = None
) -> gpd.GeoDataFrame:
    """Commune polygons of a département in WGS84, dissolved onto the target commune map.

    `events` are the mergers to apply (default: every declared one).
    """
    files = _files(data_dir, "commune", dept)
    if not files:
        raise InputError(data_dir, f"no commune boundary file for département {dept}")
    gdf = pd.concat([_standardise(f, "commune") for f in files], ignore_index=True)
    gdf = gdf[gdf["code"].map(dept_of) == dept].drop_duplicates("code")
    events = events_until() if events is None else events
    mapping = code_mapping(events)
    gdf["code"] = gdf["code"].map(lambda c: mapping.get(c, c))
    for event in events:
        gdf.loc[gdf["code"] == event.into, "name"] = event.into_name
    merged = gdf.dissolve(by="code", aggfunc="first", as_index=False)
    return gpd.GeoDataFrame(merged[["code", "name", "geometry"]], crs=WEB_CRS)


def load_departements(data_dir: str | Path) -> gpd.GeoDataFrame:
    """Outlines of every département found, for locator maps and context."""
    files = _files(data_dir, "departement")
    if not files:
        return gpd.GeoDataFrame({"code": [], "name": []}, geometry=[], crs=WEB_CRS)
    gdf = pd.concat([_standardise(f, "département") for f in files], ignore_index=True)
    return gpd.GeoDataFrame(gdf.drop_duplicates("code"), crs=WEB_CRS).reset_index(drop=True)


def iris_files(data_dir: str | Path, dept: str) -> list[GeoFile]:
    return _files(data_dir, "iris", dept)


def load_iris(
    data_dir: str | Path, dept: str, path: str | Path | None = None
) -> gpd.GeoDataFrame | None:
    """IRIS polygons of a département in WGS84, from the most detailed IRIS layer found.

    Columns: code (9 characters), name, commune (the commune code as published).
    """
    files = iris_files(data_dir, dept)
    if path is not None:
        files = [f for f in files if Path(f.path) == Path(path)]
    if not files:
        return None
    info = max(files, key=lambda f: f.vertices)
    gdf = _standardise(info, "IRIS")
    gdf = gdf[gdf["code"].map(dept_of) == dept].reset_index(drop=True)
    gdf["commune"] = gdf["code"].str[:5]
    gdf.attrs["path"] = str(info.path)
    return gdf


def to_lambert(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.to_crs(LAMBERT93)


def to_web(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.to_crs(WEB_CRS)


def neighbours(communes: gpd.GeoDataFrame, tolerance_m: float = 5) -> dict[str, list[str]]:
    """Codes of the communes that share a border with each commune (Lambert-93, small tolerance)."""
    lambert = to_lambert(communes).reset_index(drop=True)
    grown = lambert.geometry.buffer(tolerance_m)
    index = lambert.sindex
    out = {}
    for n, shape in enumerate(grown):
        hits = index.query(shape, predicate="intersects")
        out[lambert.loc[n, "code"]] = sorted(lambert.loc[h, "code"] for h in hits if h != n)
    return out
