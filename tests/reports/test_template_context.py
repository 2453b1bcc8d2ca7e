"""Each page template reads exactly the fields of its page dataclass, and every template global is documented.

After datasette's tests/test_template_context.py. Two checks per page (reports.pages):
- read: the variables the template reads, with what it extends and includes put in place, are the
  page's fields, no more and no fewer (jinja2.meta over the assembled tree, so that every branch counts);
- rendered: the page renders from real data, in both modes, and no name the templates look up while
  rendering is missing (a recording Context sees every lookup, partials included).
"""

import dataclasses
import datetime as dt

import jinja2
import pytest
from jinja2 import meta, nodes
from jinja2.runtime import Context, missing

import reports.render
from reports.pages import (
    PAGE_TEMPLATES,
    ComparerPage,
    ComparisonPage,
    DepartementPage,
    DictionaryPage,
    PackPage,
    Page,
    PortraitPage,
    ProjectsPage,
    QuestionnairePage,
    SynthesisPage,
)
from reports.render import Renderer, environment
from tests.conftest import ROOT

CODE = "93066"  # Saint-Denis: a PST, observations, IRIS and crossed indicators in examples/pst
GROUP = "200057867"  # Plaine Commune (T6), whose members table links the communes' portraits
PST_DIR = ROOT / "examples" / "pst"
ON = dt.date(2025, 1, 15)


# ---------------------------------------------------------------- what a template reads


def _calls_super(block: nodes.Block) -> bool:
    return any(
        isinstance(call.node, nodes.Name) and call.node.name == "super"
        for call in block.find_all(nodes.Call)
    )


def _replace(node: nodes.Node, replace) -> None:
    """Replace, in every body of the tree, each node by the list `replace(node)` returns (or keep it)."""
    for name in node.fields:
        value = getattr(node, name)
        if isinstance(value, list):
            new = []
            for child in value:
                found = replace(child) if isinstance(child, nodes.Node) else None
                if found is None:
                    if isinstance(child, nodes.Node):
                        _replace(child, replace)
                    new.append(child)
                else:
                    new.extend(found)
            setattr(node, name, new)
        elif isinstance(value, nodes.Node):
            _replace(value, replace)


def assembled(env: jinja2.Environment, name: str) -> nodes.Template:
    """The template's tree as it renders: in its parent's tree, the blocks it overrides replaced by its
    own (the parent's kept after a block calling super()), and every include replaced by its tree."""
    tree = env.parse(env.loader.get_source(env, name)[0])
    extends = next(tree.find_all(nodes.Extends), None)
    if extends is not None:
        own = {block.name: block for block in tree.find_all(nodes.Block)}
        tree = assembled(env, extends.template.value)

        def override(node):
            if isinstance(node, nodes.Block) and node.name in own:
                block = own[node.name]
                if _calls_super(block):
                    block.body = block.body + node.body
                return [block]
            return None

        _replace(tree, override)

    def include(node):
        if isinstance(node, nodes.Include):
            assert isinstance(node.template, nodes.Const), f"{name}: include of a computed name"
            return assembled(env, node.template.value).body
        return None

    _replace(tree, include)
    return tree


def read_variables(env: jinja2.Environment, name: str) -> set[str]:
    """The names the template reads from its context, globals aside."""
    return meta.find_undeclared_variables(assembled(env, name))


def field_names(page_class: type[Page]) -> set[str]:
    return {f.name for f in dataclasses.fields(page_class)}


@pytest.mark.parametrize("page_class", list(PAGE_TEMPLATES), ids=lambda c: c.__name__)
def test_template_reads_exactly_the_page_fields(page_class):
    env = environment()
    read = read_variables(env, PAGE_TEMPLATES[page_class])
    assert not read - field_names(page_class), (
        f"{PAGE_TEMPLATES[page_class]} reads variables {page_class.__name__} does not declare"
    )
    assert not field_names(page_class) - read, (
        f"{page_class.__name__} declares fields {PAGE_TEMPLATES[page_class]} never reads"
    )


def test_every_page_template_has_a_page():
    """Every template that is not a partial (_*.html) or the base is some page's."""
    pages = set(PAGE_TEMPLATES.values())
    templates = {
        p.name for p in reports.render.TEMPLATES.glob("*.html") if not p.name.startswith("_")
    }
    assert templates - {"base.html"} == pages
    assert len(pages) == len(PAGE_TEMPLATES)


def test_the_check_sees_a_stray_variable():
    """A variable no page declares, read in a partial, is found (the check can fail)."""
    loader = jinja2.DictLoader(
        {
            "base.html": "{% block body %}{% endblock %}{{ mode }}",
            "_part.html": "{{ chart.title }}{{ stray }}",
            "page.html": '{% extends "base.html" %}{% block body %}'
            '{% for chart in charts %}{% include "_part.html" %}{% endfor %}{% endblock %}',
        }
    )
    env = jinja2.Environment(loader=loader)
    assert read_variables(env, "page.html") == {"charts", "mode", "stray"}


# ---------------------------------------------------------------- the globals


def documented(kind: str) -> set[str]:
    """The names of the table of reports.render's docstring whose header starts with `kind`."""
    lines = reports.render.__doc__.splitlines()
    start = next(n for n, line in enumerate(lines) if line.split()[:1] == [kind])
    names = set()
    for line in lines[start + 2 :]:
        if line.startswith("="):
            return names
        if line[:1].strip():
            names.add(line.split()[0])
    raise AssertionError(f"table of {kind}s not closed")


def test_globals_and_filters_are_documented_and_used():
    env = environment()
    project_globals = set(env.globals) - set(jinja2.defaults.DEFAULT_NAMESPACE)
    project_filters = set(env.filters) - set(jinja2.defaults.DEFAULT_FILTERS)
    assert project_globals == documented("global")
    assert project_filters == documented("filter")
    used_names, used_filters = set(), set()
    for path in reports.render.TEMPLATES.glob("*.html"):
        tree = env.parse(path.read_text(encoding="utf-8"))
        used_names |= {n.name for n in tree.find_all(nodes.Name)}
        used_filters |= {f.name for f in tree.find_all(nodes.Filter)}
    assert project_globals <= used_names, "a global no template uses"
    assert project_filters <= used_filters, "a filter no template uses"


# ---------------------------------------------------------------- rendered from real data


class RecordingContext(Context):
    """Records every name a template (partials included) looks up, and whether it was missing."""

    def resolve_or_missing(self, key):
        value = super().resolve_or_missing(key)
        self.environment.lookups.append((self.name, key, value is missing))
        return value


@pytest.fixture(scope="module")
def pages(territory, tmp_path_factory):
    """One page of each kind from the real Seine-Saint-Denis and the example PST files."""
    from indicators.groups import group_territory, load_groups
    from portrait.dictionary import entries
    from portrait.pack import pack_content, questionnaire_content
    from portrait.pipeline.commune import write_web_maps
    from portrait.pipeline.inputs import (
        Context,
        crossed_analysis,
        load_observation_files,
        load_pst_files,
    )
    from reports.compare import compare
    from reports.model import build_portrait, map_chart
    from reports.observations_view import observations_by_theme
    from reports.pst_view import pst_view

    psts, _, _ = load_pst_files(PST_DIR, territory)
    said, _ = load_observation_files(PST_DIR, territory)
    crossed = crossed_analysis(territory)
    names = dict(zip(territory.communes["code"], territory.communes["name"]))
    folders = {code: f"{code}-x" for code in names}
    portrait = build_portrait(territory, CODE)
    crossed_ids = {i.id for i in territory.catalogue.crossed()}
    out = tmp_path_factory.mktemp("context")
    context = Context(
        territory=territory,
        out=out,
        formats=frozenset({"html"}),
        painter=None,
        folders=folders,
        observations=said,
    )
    commune = PortraitPage(
        portrait=portrait,
        pst=pst_view(psts[CODE], territory, CODE, today=ON),
        crossed=crossed.commune_view(CODE),
        crossed_rows=[r for s in portrait.sections for r in s.rows if r.id in crossed_ids],
        observations=observations_by_theme(
            said[CODE].observations, territory, CODE, example=said[CODE].example
        ),
        web_maps=write_web_maps(context, portrait, out, {}),
        portrait_folders=folders,
    )
    groups = [g for g in load_groups(territory) if g.code == GROUP]
    group = PortraitPage(
        portrait=build_portrait(group_territory(territory, groups), GROUP),
        portrait_folders=folders,
    )
    key = [i for i in territory.catalogue if i.key]
    printable_map = map_chart(territory, None, "taux_pauvrete")
    printable_map.image = "carte-departement.png"
    projects = [
        {**project, "commune": names[code], "folder": folders[code], "example": view["example"]}
        for code, view in ((code, pst_view(pst, territory, code, ON)) for code, pst in psts.items())
        for project in view["projects"]
    ]
    plan = psts[CODE]
    site = {"asset_prefix": ""}
    return [
        commune,
        dataclasses.replace(commune, mode="pdf", web_maps=None, portrait_folders=None),
        group,
        DepartementPage(
            **site,
            territory=territory,
            commune_rows=[
                {
                    "code": code,
                    "name": names[code],
                    "folder": folders[code],
                    "values": [values.loc[i.id] if i.id in values.index else None for i in key],
                }
                for code, values in ((c, territory.values(c)) for c in list(names)[:3])
            ],
            key_indicators=key,
            printable_map=printable_map,
            group_links=(("Plaine Commune (T6)", f"{GROUP}-plaine-commune-t6"),),
            has_projects=True,
            has_synthesis=True,
            has_synthesis_pdf=True,
        ),
        SynthesisPage(**site, territory=territory, synthesis=crossed.synthesis()),
        ComparerPage(**site, territory=territory),
        ProjectsPage(**site, territory=territory, projects=projects),
        ComparisonPage(
            **site,
            comparison=compare(
                territory.table, territory.catalogue, "93001", CODE, names, territory.name, "hier"
            ),
        ),
        PackPage(
            mode="pdf",
            pack=pack_content(
                territory,
                CODE,
                "conference",
                ON,
                plan,
                said[CODE].observations,
                said[CODE].example,
            ),
        ),
        QuestionnairePage(
            mode="pdf", questionnaire=questionnaire_content(territory, CODE, ON, plan)
        ),
        DictionaryPage(
            indicator_count=len(items := entries(territory.catalogue)),
            themes=tuple(
                (theme, tuple(e for e in items if e.theme == theme))
                for theme in dict.fromkeys(e.theme for e in items)
            ),
        ),
    ]


def test_every_page_kind_is_rendered(pages):
    assert {type(page) for page in pages} == set(PAGE_TEMPLATES)


def test_pages_render_and_look_up_no_missing_name(pages):
    renderer = Renderer()
    renderer.env.context_class = RecordingContext
    looked_up = {page_class: set() for page_class in PAGE_TEMPLATES}
    for page in pages:
        renderer.env.lookups = []
        for mode in ("html", "pdf"):
            html = renderer.html(dataclasses.replace(page, mode=mode))
            assert html.startswith("<!"), type(page).__name__
        missed = {(template, key) for template, key, lost in renderer.env.lookups if lost}
        assert not missed, f"{type(page).__name__}: names looked up and missing"
        looked_up[type(page)] |= {key for _, key, _ in renderer.env.lookups}
    for page_class, keys in looked_up.items():
        assert field_names(page_class) <= keys, f"{page_class.__name__}: fields never looked up"
