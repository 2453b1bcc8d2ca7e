"""Hostile text stays text: commune names with markup are escaped in the pages and the map data,
names with "../" and "/" never become paths, and a PDF never fetches what a template lets
through, even with autoescaping switched off."""

import re

import pytest
import reliability_fakes as fakes

SCRIPT = "Ville</script><script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(1)>"
NAMES = [SCRIPT, IMAGE, '../../escape & "Paul"', "/etc/passwd/.."]
FOLDERS = [
    "2A001-ville-script-script-alert-1-script",
    "2A002-img-src-x-onerror-alert-1",
    "2A003-escape-paul",
    "2A004-etc-passwd",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The site built from these names, and the files that were outside it before the build."""
    base = tmp_path_factory.mktemp("hostile")
    data = fakes.write_departement(base / "data", names=NAMES)
    out = base / "deep" / "site"
    before = set(base.rglob("*"))
    result = fakes.run(
        "build", "--dept", "2A", "--data", data, "--out", out, "--jobs", "1", "--format", "html,csv"
    )
    assert result.returncode == 0, result.stderr
    return base, out, before


@pytest.fixture
def site(built):
    return built[1]


def pages(site):
    return {
        p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in site.rglob("*.html")
    }


def test_names_are_escaped_in_every_page(site):
    texts = pages(site)
    assert len(texts) > 8
    for name, text in texts.items():
        assert IMAGE not in text and "<img src=x" not in text, name
        assert "<script>alert(1)" not in text, name
    commune = texts["2A002-img-src-x-onerror-alert-1/index.html"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in commune
    assert "Ville&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in texts["index.html"]


def test_names_never_become_paths(built):
    base, out, before = built
    assert {p for p in base.rglob("*") if out not in p.parents} == before | {base / "deep", out}
    assert sorted(p.name for p in out.iterdir() if p.is_dir() and p.name != "assets") == FOLDERS


def test_names_are_escaped_in_the_map_data(site):
    script = (site / "assets" / "carte-2A.js").read_text(encoding="utf-8")
    assert script.startswith("window.PORTRAIT_COMMUNES = ")
    assert "<" not in script  # no </script>, no <img: every < is written \u003c
    assert "\\u003cimg src=x onerror=alert(1)>" in script and "Ville\\u003c/script>" in script


def test_pdf_refuses_files_and_urls_a_template_lets_through():
    from jinja2 import Environment
    from weasyprint import HTML

    from reports.render import PDF_BASE, AssetFetcher

    env = Environment(autoescape=False)  # as if a template forgot to escape a PST description
    template = env.from_string(
        '<html><head><link rel="stylesheet" href="{{ css }}"></head><body><h1>PST</h1><p>{{ description }}</p></body></html>'
    )
    source = template.render(
        css="https://example.org/x.css", description='<img src="file:///etc/passwd">'
    )
    assert '<img src="file:///etc/passwd">' in source
    fetcher = AssetFetcher({})
    pdf = HTML(string=source, base_url=PDF_BASE, url_fetcher=fetcher).write_pdf()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert set(fetcher.refused) == {"file:///etc/passwd", "https://example.org/x.css"}
    assert b"root:x:0" not in pdf and not re.search(rb"example\.org", pdf)
