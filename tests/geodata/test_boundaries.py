"""Boundaries: recognised by content, CRS handled explicitly, merged onto the target commune map."""

import json

import pytest

from geodata import boundaries
from geodata.errors import InputError
from tests.conftest import square


def test_communes_of_93_on_the_2025_map(data_dir):
    communes = boundaries.load_communes(data_dir, "93")
    assert len(communes) == 39 and communes.crs.to_epsg() == 4326
    assert "93059" not in set(communes.code)
    assert communes.set_index("code").loc["93066", "name"] == "Saint-Denis"
    area = boundaries.to_lambert(communes).area.sum() / 1e6
    assert area == pytest.approx(236.8, abs=1.5)


def test_communes_on_the_old_map_when_no_event_is_applied(data_dir):
    assert len(boundaries.load_communes(data_dir, "93", events=[])) == 40


def test_iris_shapefile_with_an_esri_lambert_prj(data_dir):
    iris = boundaries.load_iris(data_dir, "93")
    assert len(iris) == 614 and iris.crs.to_epsg() == 4326
    assert iris.attrs["path"].endswith("map_iris_93.shp")
    area = boundaries.to_lambert(iris).area.sum() / 1e6
    assert area == pytest.approx(236.9, abs=1.0)


def test_duplicate_codes_are_an_error(tmp_path):
    feature = {
        "type": "Feature",
        "properties": {"code": "93001", "nom": "A"},
        "geometry": {"type": "Polygon", "coordinates": square(2.3, 48.9)},
    }
    path = tmp_path / "c.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature, feature]}))
    boundaries.scan.cache_clear()
    with pytest.raises(InputError) as error:
        boundaries.load_communes(tmp_path, "93")
    assert str(path) in str(error.value) and "duplicate commune code 93001" in str(error.value)
