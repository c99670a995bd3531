"""The graph view (issue 4): the page in a real browser (Debian's Chromium driven by Playwright)
and the network cuts behind `kg view`. Browser tests wait for the page's own ready flag, never
for a fixed time; every test records each request the page makes and fails on any that leaves
the file. Screenshots go to tests/artifacts/ (gitignored, kept by CI as artifacts).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.build.pipeline import build
from kg.project import Project
from kg.cli import main
from kg.build.rundir import open_store
from kg.view.network import entity_network
from kg.view.page import write_view
from testkit import SEEDS
from testkit.hostile_source import PAYLOAD, add_hostile_source, with_javascript_url
from testkit.synthetic_graph import synthetic_store
from testkit.browser import Opened, page_network


LOCAL_SCHEMES = {"file", "about", "data"}


@pytest.fixture(scope="module")
def seed_view(seed_store, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("view") / "graph.html"
    write_view(seed_store, path)
    return path


@pytest.fixture()
def opened(browser):
    pages = []

    def open_view(path: Path, name: str) -> Opened:
        pages.append(Opened(browser, path, name))
        return pages[-1]

    yield open_view
    for view in pages:
        view.page.close()
        assert not view.foreign_requests(), f"requests left the file: {view.foreign_requests()}"


def test_seed_view_loads_offline_without_errors(opened, seed_view):
    view = opened(seed_view, "seed")
    view.screenshot()
    assert view.errors == []
    assert view.requests == [seed_view.resolve().as_uri()]


def test_one_node_per_entity_of_the_store(opened, seed_view, seed_store):
    entities = next(iter(seed_store.query(
        "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a <https://w3id.org/kzcn/ontology#Entity> }",
        use_default_graph_as_union=True)))["n"].value
    view = opened(seed_view, "seed")
    assert view.js("kgView.nodes.length") == int(entities)


def test_clicking_cnpc_shows_the_investment_with_quote_and_article(opened, seed_view):
    view = opened(seed_view, "seed")
    view.click_node("cnpc")
    text = view.details()
    view.screenshot("-cnpc")
    assert view.js("kgView.network.getSelectedNodes()") == ["cnpc"]
    assert "over 45,000,000,000 USD (45 billion)" in text
    assert "“has invested over $45 billion in Kazakhstan’s oil and gas industry”" in text
    assert "Kazakhstan, China Deepen Cooperation in Energy and Road Infrastructure, 2024-07-02" in text
    assert "中国石油天然气集团有限公司" in text and "CNPC" in text  # every label and the aliases
    link = view.page.locator("#details a", has_text="Kazakhstan, China Deepen Cooperation").first
    assert link.get_attribute("href").startswith("https://astanatimes.com/")


@pytest.mark.parametrize("text, entity", [("中石油", "cnpc"), ("CNPC", "cnpc"), ("Шымкент", "shymkent"),
                                          ("Kenkiyak", "kenkiyak")])
def test_search_by_any_label_or_alias_focuses_the_entity(opened, seed_view, text, entity):
    view = opened(seed_view, "seed")
    view.page.fill("#search", text)
    view.page.press("#search", "Enter")
    assert view.js("kgView.network.getSelectedNodes()") == [entity]
    assert view.page.inner_text("#details h2") == view.js("id => kgView.nodes.get(id).label", entity)


def test_search_lists_matches_in_other_languages(opened, seed_view):
    view = opened(seed_view, "seed")
    view.page.fill("#search", "Шымкент")
    listed = view.page.inner_text("#results")
    assert "Shymkent" in listed and "Shymkent oil refinery" in listed


def test_class_toggle_hides_and_shows_its_nodes(opened, seed_view):
    view = opened(seed_view, "seed")
    places = view.page.locator("#classes label", has_text="Place")
    places.locator("input").uncheck()
    assert view.js("kgView.nodes.get({filter: n => n.group === 'Place' && !n.hidden}).length") == 0
    places.locator("input").check()
    assert view.js("kgView.nodes.get({filter: n => n.group === 'Place' && n.hidden}).length") == 0


def test_selecting_a_node_dims_all_but_its_neighbourhood(opened, seed_view):
    view = opened(seed_view, "seed")
    view.click_node("cnpc")
    view.details()
    bright = set(view.js("kgView.nodes.get({filter: n => n.opacity === 1}).map(n => n.id)"))
    assert bright == set(view.js("kgView.network.getConnectedNodes('cnpc')")) | {"cnpc"}


def test_relations_between_the_same_nodes_stay_apart(opened, hostile_view):
    view = opened(hostile_view, "hostile")
    edges = view.js("kgView.edges.get().map(e => [e.from, e.to, e.property, e.label, e.arrows])")
    assert len({tuple(e[:3]) for e in edges}) == len(edges)
    assert all(e[4] == "to" and e[3] for e in edges)
    pairs = {}
    for s, o, prop, *_ in edges:
        pairs.setdefault(frozenset((s, o)), []).append(prop)
    multi = [props for props in pairs.values() if len(props) > 1]
    assert ["financedBy", "partner"] in [sorted(props) for props in multi]
    curved = view.js("kgView.edges.get({filter: e => e.smooth && e.smooth.enabled}).length")
    assert curved == sum(len(props) for props in multi)


def test_clicking_an_edge_shows_its_sources(opened, seed_view):
    view = opened(seed_view, "seed")
    edge = view.js("kgView.edges.get({filter: e => e.from === 'cnpc' && e.property === 'country'})[0].id")
    view.js("id => kgView.network.selectEdges([id])", edge)
    view.js("id => kgView.network.body.emitter.emit('click', {nodes: [], edges: [id]})", edge)
    assert "Wikipedia" in view.details()


@pytest.fixture(scope="module")
def hostile_view(tmp_path_factory, repo) -> Path:
    """A build whose labels, alias and source title are markup meant to run."""
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(SEEDS, root / "seeds")
    add_hostile_source(root / "seeds")
    out = root / "build"
    build(Project(root=repo, seeds=root / "seeds", build_dir=out))
    store = with_javascript_url(out / "kg.trig")
    path = root / "hostile.html"
    write_view(store, path)
    return path


def test_untrusted_text_is_shown_as_text_and_runs_nothing(opened, hostile_view):
    view = opened(hostile_view, "hostile")
    view.page.fill("#search", "onerror")
    assert PAYLOAD in view.page.inner_text("#results")
    view.page.press("#search", "Enter")
    text = view.details()
    view.screenshot()
    assert PAYLOAD in text and "</script><b>bold</b>" in text and "<svg onload" in text
    assert '<img src=x onerror="window.__xss=5">' in text
    assert "</script><script>window.__xss=2</script>" in text
    assert view.js("typeof window.__xss") == "undefined"
    assert view.js("document.querySelectorAll('img, svg[onload], b, #details script').length") == 0
    assert view.page.locator("#details a[href^='javascript:']").count() == 0
    assert view.errors == []


@pytest.fixture(scope="module")
def large_view(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("large") / "large.html"
    net = write_view(synthetic_store(5000), path)
    assert net.number_of_nodes() == 5000
    return path


def test_a_5000_node_graph_renders_and_responds(opened, large_view):
    view = opened(large_view, "5000")
    view.screenshot()
    assert view.errors == []
    assert view.js("kgView.nodes.length") == 5000
    assert view.js("kgView.network.physics.physicsEnabled") is False
    view.page.fill("#search", "SYN4321")
    view.page.press("#search", "Enter")
    assert view.js("kgView.network.getSelectedNodes()") == ["syn-4321"]
    view.click_node("syn-0")  # the first hub
    assert view.details().count("Synthetic source") > 10
    view.screenshot("-hub")


def test_kg_view_draws_the_neighbourhood_of_an_entity(seed_build, tmp_path):
    out = tmp_path / "cnpc.html"
    result = CliRunner().invoke(main, ["view", "--build-dir", str(seed_build), "--focus", "中石油",
                                       "--depth", "1", "--lang", "zh", "-o", str(out)])
    assert result.exit_code == 0, result.output
    nodes = {n["id"]: n["label"] for n in page_network(out)["nodes"]}
    net = entity_network(open_store(seed_build))
    assert set(nodes) == {"cnpc", *net.successors("cnpc"), *net.predecessors("cnpc")}
    store = open_store(seed_build)

    def labels(entity: str, lang: str) -> set[str]:
        return {r["l"].value for r in store.query(f'SELECT ?l WHERE {{ <https://w3id.org/kzcn/resource/{entity}> '
                                                  f'<http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER (LANG(?l) = "{lang}") }}',
                                                  use_default_graph_as_union=True)}
    assert nodes["cnpc"] in labels("cnpc", "zh")
    # an entity with no Chinese label is shown by its English one
    plain = next(n for n in nodes if n != "cnpc" and not labels(n, "zh") and labels(n, "en"))
    assert nodes[plain] in labels(plain, "en")
    assert str(out) in result.output


def test_kg_view_reports_an_unknown_focus(seed_build, tmp_path):
    result = CliRunner().invoke(main, ["view", "--build-dir", str(seed_build), "--focus", "Atlantis",
                                       "-o", str(tmp_path / "x.html")])
    assert result.exit_code == 2 and "Atlantis" in result.output


def test_kg_view_draws_a_construct_query(seed_build, tmp_path):
    rq = tmp_path / "pipelines.rq"
    rq.write_text("PREFIX kc: <https://w3id.org/kzcn/ontology#>\n"
                  "CONSTRUCT { ?p kc:passesThrough ?place } WHERE { ?p a kc:Pipeline ; kc:passesThrough ?place }\n")
    out = tmp_path / "pipelines.html"
    result = CliRunner().invoke(main, ["view", "--build-dir", str(seed_build), "--query", str(rq), "-o", str(out)])
    assert result.exit_code == 0, result.output
    network = page_network(out)
    assert {e["property"] for e in network["edges"]} == {"passesThrough"}
    assert "kenkiyak" in {n["id"] for n in network["nodes"]}


def test_kg_view_into_a_missing_folder_names_the_folder(seed_build, tmp_path):
    result = CliRunner().invoke(main, ["view", "--build-dir", str(seed_build), "-o", str(tmp_path / "missing-dir" / "v.html")])
    assert result.exit_code == 2
    assert result.output.strip() == (f"error: cannot write {tmp_path}/missing-dir/v.html: the folder "
                                      f"{tmp_path}/missing-dir does not exist (create it or choose another path)")
    assert ".tmp" not in result.output
