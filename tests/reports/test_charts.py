"""Charts drawn over a kept base image are the same as charts drawn from scratch."""

import io

import numpy as np
import pytest
from PIL import Image

from reports import charts
from reports.crossed_view import CrossedAnalysis
from reports.model import build_portrait


def _charts(territory, code, kind):
    portrait = build_portrait(territory, code)
    found = [c for s in portrait.sections for c in s.charts if c.kind == kind]
    if kind == "quadrant":
        found = CrossedAnalysis(territory).commune_view(code)["charts"]
        found = [c for c in found if c.kind == kind]
    assert found, f"no {kind} chart for {code}"
    return found


@pytest.mark.parametrize("kind", ["position", "quadrant"])
@pytest.mark.parametrize("first, then", [("93066", "93008"), ("93048", "93061")])
def test_restyled_chart_equals_a_fresh_one(territory, kind, first, then):
    """A commune's chart drawn after another's (base kept, the other's layer removed) equals the chart drawn alone,
    whichever name is longer (Montreuil then Le Pré-Saint-Gervais: the legend must not be cut)."""
    charts.close()
    fresh = [charts.draw(c) for c in _charts(territory, then, kind)]
    charts.close()
    for chart in _charts(territory, first, kind):
        charts.draw(chart)
    restyled = [charts.draw(c) for c in _charts(territory, then, kind)]
    charts.close()
    assert restyled == fresh
    assert all(Image.open(io.BytesIO(png)).format == "PNG" for png in fresh)


def test_the_commune_layer_is_drawn_in_the_commune_colour(territory):
    """The highlighted dot is blue (COMMUNE) in Bobigny's position chart, and absent from the kept base."""
    chart = _charts(territory, "93008", "position")[0]
    blue = [int(charts.COMMUNE[i : i + 2], 16) for i in (1, 3, 5)]

    def blue_pixels(png):
        return int(
            (np.asarray(Image.open(io.BytesIO(png)).convert("RGB")) == blue).all(axis=2).sum()
        )

    assert blue_pixels(charts.draw(chart)) > 50
    base = next(iter(charts.position.overlays.values())).base
    buffer = io.BytesIO()
    base.save(buffer, format="PNG")
    assert blue_pixels(buffer.getvalue()) == 0
    charts.close()


def test_choropleth_outline_is_drawn_over_the_shared_map_and_removed(territory):
    from geodata import boundaries
    from reports.maps import MapPainter

    shapes = boundaries.load_communes(territory.data_dir, territory.dept, territory.events)

    def maps(painter, code):
        return [painter.draw(m) for m in build_portrait(territory, code).maps]

    def black(image):
        return int((np.asarray(image.convert("RGB")) < 30).all(axis=2).sum())

    first = MapPainter(shapes, None)
    fresh = maps(first, "93008")
    painter = MapPainter(shapes, None)
    maps(painter, "93066")
    assert maps(painter, "93008") == fresh
    bases = [overlay.base for overlay in first._bases.values()]
    outlined = [black(Image.open(io.BytesIO(png))) - black(base) for png, base in zip(fresh, bases)]
    assert min(outlined) > 100  # Bobigny's outline is drawn over each shared map


def test_strip_ticks_keep_the_decimals_they_need():
    assert [charts._tick(x) for x in (62.5, 65.0, -1.0, 0.25, 12.0)] == [
        "62,5",
        "65",
        "−1",
        "0,25",
        "12",
    ]
