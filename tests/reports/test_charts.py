"""Charts drawn on a kept base figure are the same as charts drawn from scratch."""

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


@pytest.mark.parametrize("kind", ["position", "refs", "quadrant"])
def test_restyled_chart_equals_a_fresh_one(territory, kind):
    """Bobigny's chart after Saint-Denis' (base kept, Saint-Denis' layer removed) equals Bobigny's alone."""
    charts.close()
    fresh = [charts.draw(c) for c in _charts(territory, "93008", kind)]
    charts.close()
    for chart in _charts(territory, "93066", kind):
        charts.draw(chart)
    restyled = [charts.draw(c) for c in _charts(territory, "93008", kind)]
    charts.close()
    assert restyled == fresh
    assert all(Image.open(io.BytesIO(png)).format == "PNG" for png in fresh)


def test_the_commune_layer_is_drawn_in_the_commune_colour(territory):
    """The highlighted dot is blue (COMMUNE) in Bobigny's position chart, and absent from the kept base."""
    chart = _charts(territory, "93008", "position")[0]
    blue = [int(charts.COMMUNE[i:i + 2], 16) for i in (1, 3, 5)]

    def blue_pixels(png):
        return int((np.asarray(Image.open(io.BytesIO(png)).convert("RGB")) == blue).all(axis=2).sum())

    assert blue_pixels(charts.draw(chart)) > 50
    fig, _ = next(iter(charts.position.figures.values()))
    assert blue_pixels(charts.to_png(fig, close=False, bbox=None)) == 0
    charts.close()
