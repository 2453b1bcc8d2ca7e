"""Interactive maps in headless Chromium with every network request blocked."""

import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory, data_dir):
    from portrait.pipeline import build

    out = tmp_path_factory.mktemp("website")
    build(
        "93",
        out=out,
        communes=["93001", "93066", "93048"],
        formats={"html"},
        data_dir=data_dir,
        jobs=1,
        log=lambda *_: None,
    )
    return out


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed (make test installs it)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    blocked = []

    def block(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", block)
    page = context.new_page()
    page.errors = []
    page.on(
        "console",
        lambda message: page.errors.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.blocked = blocked
    yield page
    context.close()


def fills(page):
    return [p.get_attribute("fill") for p in page.locator("path.leaflet-interactive").all()]


def test_departement_map_offline(site, page):
    page.goto((site / "carte.html").as_uri())
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator("path.leaflet-interactive").count() == 39
    before, legend_before = fills(page), page.locator(".portrait-legend").inner_text()
    assert "Taux de pauvreté (2021)" in legend_before
    page.select_option("select", "part_locataires_hlm")
    after, legend_after = fills(page), page.locator(".portrait-legend").inner_text()
    assert (
        before != after
        and "Part des locataires HLM (2018)" in legend_after
        and legend_before != legend_after
    )
    page.select_option("select", "taux_pauvrete")
    page.hover('path[data-code="93001"]')
    tooltip = page.locator(".leaflet-tooltip").inner_text().replace("\u00a0", " ")
    assert (
        "Aubervilliers" in tooltip
        and "42 %" in tooltip
        and "42,0" not in tooltip
        and "1re ex aequo sur 39" in tooltip
    )
    page.click('path[data-code="93001"]')
    page.wait_for_url(re.compile(r".*/93001-aubervilliers/index\.html$"))
    assert "Aubervilliers" in page.title()
    assert page.errors == [] and page.blocked == []


def test_commune_map_highlights_the_commune_and_opens_neighbours(site, page):
    page.goto((site / "93066-saint-denis" / "carte.html").as_uri())
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator("path.leaflet-interactive").count() == 39
    own = page.locator('path[data-code="93066"]')
    assert own.get_attribute("stroke") == "#000000" and float(own.get_attribute("stroke-width")) > 3
    page.hover('path[data-code="93066"]')
    assert "Saint-Denis" in page.locator(".leaflet-tooltip").inner_text()
    page.click('path[data-code="93001"]')
    page.wait_for_url(re.compile(r".*/93001-aubervilliers/index\.html$"))
    assert page.errors == [] and page.blocked == []


def test_iris_map_hatches_withheld_iris(site, page):
    page.goto((site / "93066-saint-denis" / "carte-iris.html").as_uri())
    page.wait_for_selector("path.leaflet-interactive")
    count = page.locator("path.leaflet-interactive").count()
    assert count == 48  # 39 IRIS of Saint-Denis and 9 of the former Pierrefitte-sur-Seine
    assert page.locator('path[fill="url(#portrait-hatch)"]').count() >= 1
    page.select_option("select", "taux_chomage_15_64")
    assert "Taux de chômage des 15-64 ans (2016)" in page.locator(".portrait-legend").inner_text()
    assert page.errors == [] and page.blocked == []


def test_commune_page_embeds_the_maps(site, page):
    page.goto((site / "93066-saint-denis" / "index.html").as_uri())
    frame = page.frame_locator('iframe[src="carte.html"]')
    assert frame.locator("path.leaflet-interactive").count() == 39
    assert page.locator(".neighbours a").count() >= 1
    assert page.errors == [] and page.blocked == []


def test_departement_table_search_and_sort(site, page):
    page.goto((site / "index.html").as_uri())
    page.fill("#commune-search", "saint")
    visible = [
        r.inner_text() for r in page.locator("#communes-table tbody tr:not([hidden]) th").all()
    ]
    assert visible and all("Saint" in name for name in visible)
    page.fill("#commune-search", "")
    header = page.locator("#communes-table thead th").nth(1)
    header.locator("button").click()
    header.locator("button").click()
    first = page.locator("#communes-table tbody tr th").first.inner_text()
    assert first == "Saint-Denis"  # the most populous commune, sorted descending
    assert page.errors == [] and page.blocked == []


def test_no_page_loads_anything_from_the_internet(site):
    pattern = re.compile(r"<(script|link|img|iframe)\b[^>]*\b(src|href)=[\"']\s*(https?:)?//", re.I)
    pages = list(site.rglob("*.html"))
    assert len(pages) >= 8
    for path in pages:
        assert not pattern.search(path.read_text(encoding="utf-8")), path
    for script in site.rglob("*.js"):
        text = script.read_text(encoding="utf-8")
        assert "cdn." not in text and "unpkg" not in text, script
