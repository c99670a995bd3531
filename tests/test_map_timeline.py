"""The map and timeline tabs of the view (issue 16), in a real browser (Debian's Chromium driven by
Playwright), against what the store holds: markers are the entities with coordinates, lines the
routed assets through their stops in order, timeline items the dated facts at their precision.
Every page is watched for requests leaving the file and for console errors; screenshots of each
view go to tests/artifacts/ (gitignored).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.view.network import entity_network
from kg.view.page import write_view
from testkit.synthetic_graph import synthetic_store
from testkit.browser import Opened, page_network
from testkit.hostile_source import PAYLOAD

KC = "https://w3id.org/kzcn/ontology#"
DATED = ["startDate", "endDate", "signedDate", "entryIntoForce", "completedDate", "constructionStart", "commissioned"]


def rows(store: ox.Store, sparql: str):
    return list(store.query("PREFIX kc: <%s>\nPREFIX schema: <https://schema.org/>\n%s" % (KC, sparql),
                            use_default_graph_as_union=True))


def local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


@pytest.fixture(scope="module")
def seed_page(seed_store, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("explorer") / "graph.html"
    write_view(seed_store, path)
    return path


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A small synthetic graph with coordinates, routes and dates, one entity of which (a meeting,
    dated, with coordinates) is named with markup meant to run."""
    store = synthetic_store(120, space_time=True)
    hostile = ox.NamedNode("https://w3id.org/kzcn/resource/syn-7")  # class index 7: a Meeting
    store.add(ox.Quad(hostile, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                      ox.Literal(PAYLOAD, language="en"), ox.NamedNode("https://w3id.org/kzcn/resource/source/SYN-2")))
    path = tmp_path_factory.mktemp("synthetic-explorer") / "graph.html"
    write_view(store, path)
    return store, path


@pytest.fixture()
def opened(browser):
    pages = []

    def open_view(path: Path, name: str, hash: str = "") -> Opened:
        pages.append(Opened(browser, path, name, hash))
        return pages[-1]

    yield open_view
    for view in pages:
        view.page.close()
        assert not view.foreign_requests(), f"requests left the file: {view.foreign_requests()}"
        assert view.errors == [], f"console errors: {view.errors}"


def ready(view: Opened, name: str) -> None:
    view.page.wait_for_function("v => kgView.views[v].ready", arg=name)


# Markers are shapes on the map's canvas: a test finds one where a user would, on screen, after
# centring the map on it close enough that its neighbours stand apart.
ON_SCREEN = """id => {
  const map = kgView.map.leaflet, marker = kgView.map.markers[id];
  map.setView(marker.getLatLng(), 10, { animate: false });
  const p = map.latLngToContainerPoint(marker.getLatLng()), box = document.getElementById("map").getBoundingClientRect();
  return [box.left + p.x, box.top + p.y];
}"""
# the colour painted on the markers' canvas at a point of the screen, as #rrggbb
PAINTED = """([x, y]) => {
  const canvas = document.querySelector(".leaflet-kgShapes-pane canvas"), box = canvas.getBoundingClientRect();
  const scale = canvas.width / box.width;
  const [r, g, b, a] = canvas.getContext("2d").getImageData((x - box.left) * scale, (y - box.top) * scale, 1, 1).data;
  return a === 255 ? "#" + [r, g, b].map((c) => c.toString(16).padStart(2, "0")).join("") : null;
}"""
# the middle of a line's first stretch on screen, between two stops (where no marker stands)
ON_LINE = """id => {
  const map = kgView.map.leaflet, line = kgView.map.lines[id], [a, b] = line.getLatLngs();
  map.fitBounds(line.getBounds(), { animate: false, padding: [60, 60] });
  const p = map.latLngToContainerPoint(a).add(map.latLngToContainerPoint(b)).divideBy(2);
  const box = document.getElementById("map").getBoundingClientRect();
  return [box.left + p.x, box.top + p.y];
}"""
DRAWN_MARKERS = "Object.keys(kgView.map.markers).filter(id => kgView.map.leaflet.hasLayer(kgView.map.markers[id]))"


def marker_on_screen(view: Opened, entity: str) -> tuple[float, float]:
    """Where the marker of `entity` is on screen, checked to be painted there in its class colour."""
    x, y = view.js(ON_SCREEN, entity)
    colour = view.js("id => kgView.CLASSES[kgView.classOf[id]].color", entity)
    assert view.js(PAINTED, [x, y]) == colour, f"{entity} is not painted at its place"
    return x, y


# --- views and hash navigation -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["network", "map", "timeline"])
def test_the_hash_opens_its_view(opened, seed_page, name):
    view = opened(seed_page, "explorer", f"#{name}")
    ready(view, name)
    view.screenshot(f"-{name}")
    assert view.js("document.body.dataset.view") == name
    assert view.js("[...document.querySelectorAll('.view.active')].map(e => e.id)") == [name]
    assert view.page.get_attribute(f"#tab-{name}", "aria-selected") == "true"


def test_tabs_and_hash_changes_switch_views(opened, seed_page):
    view = opened(seed_page, "explorer")
    view.page.click("#tab-timeline")
    view.page.wait_for_function("document.body.dataset.view === 'timeline'")
    view.js("location.hash = '#map'")
    view.page.wait_for_function("document.body.dataset.view === 'map'")
    assert view.page.locator("#map").is_visible() and view.page.locator("#map .leaflet-kgShapes-pane canvas").is_visible()
    assert not view.page.locator("#timeline .vis-item").first.is_visible()


def test_the_page_opens_on_the_view_kg_view_asks_for(opened, seed_page, seed_build, repo, tmp_path):
    out = tmp_path / "timeline.html"
    result = CliRunner().invoke(main, ["view", "--project", str(repo), "--build-dir", str(seed_build),
                                       "--view", "timeline", "-o", str(out)])
    assert result.exit_code == 0, result.output
    view = opened(out, "cli-timeline")
    assert view.js("document.body.dataset.view") == "timeline"


# --- the map ---------------------------------------------------------------------------------------


def test_markers_are_the_entities_with_coordinates(opened, seed_page, seed_store):
    expected = {local(r["e"].value) for r in rows(seed_store, "SELECT DISTINCT ?e WHERE { ?e a kc:Entity ; schema:latitude ?lat }")}
    view = opened(seed_page, "explorer", "#map")
    ready(view, "map")
    drawn = view.js(DRAWN_MARKERS)
    assert len(drawn) == len(set(drawn)) and set(drawn) == expected and expected
    shared = set(view.js("ids => ids.filter(a => ids.some(b => b !== a && "
                         "kgView.map.markers[a].getLatLng().equals(kgView.map.markers[b].getLatLng())))", drawn))
    for entity in set(drawn) - shared:  # each is painted where it stands (unless another stands on that spot)
        marker_on_screen(view, entity)


def test_one_line_per_routed_asset_through_its_stops_in_order(opened, synthetic):
    store, path = synthetic
    stops = {}
    for r in rows(store, "SELECT ?e ?i ?lat ?lon WHERE { ?e kc:routeStop ?s . ?s kc:stopIndex ?i ; kc:stopPlace ?p . "
                         "?p schema:latitude ?lat ; schema:longitude ?lon }"):
        stops.setdefault(local(r["e"].value), []).append((int(r["i"].value), [float(r["lat"].value), float(r["lon"].value)]))
    expected = {e: [point for _, point in sorted(s)] for e, s in stops.items()}
    view = opened(path, "synthetic", "#map")
    ready(view, "map")
    drawn = view.js("Object.fromEntries(Object.entries(kgView.map.lines).map(([id, l]) => [id, l.getLatLngs().map(p => [p.lat, p.lng])]))")
    assert drawn == expected and len(expected) > 10
    shown = view.js("Object.keys(kgView.map.lines).filter(id => kgView.map.leaflet.hasLayer(kgView.map.lines[id]))")
    assert sorted(shown) == sorted(expected)


def test_seed_routes_are_drawn_where_their_stops_have_coordinates(opened, seed_page, seed_store):
    wkt = {local(r["e"].value) for r in rows(seed_store, "PREFIX geo: <http://www.opengis.net/ont/geosparql#>\n"
                                              "SELECT ?e WHERE { ?e kc:routeStop ?s ; geo:hasGeometry/geo:asWKT ?w "
                                              "FILTER STRSTARTS(STR(?w), 'LINESTRING') }")}
    view = opened(seed_page, "explorer", "#map")
    ready(view, "map")
    assert set(view.js("Object.keys(kgView.map.lines)")) == wkt and wkt


def test_clicking_a_marker_shows_its_facts_and_selects_it_everywhere(opened, seed_page):
    view = opened(seed_page, "explorer", "#map")
    ready(view, "map")
    view.page.mouse.click(*marker_on_screen(view, "dostyk"))
    text = view.details()
    view.screenshot("-map-dostyk")
    assert view.page.inner_text("#details h2") == "Dostyk"
    assert "Coordinates: 45.252, 82.484" in text and "Source:" in text
    assert view.js("kgView.network.getSelectedNodes()") == ["dostyk"]


def test_clicking_a_line_shows_the_route_and_its_sources(opened, seed_page):
    view = opened(seed_page, "explorer", "#map")
    ready(view, "map")
    view.page.mouse.click(*view.js(ON_LINE, "karagandy-balkhash"))
    text = view.details()
    assert view.page.inner_text("#details h2") == "Karagandy-Balkhash highway"
    assert "passes through" in text and "“" in text  # its relations, with their quotes


def test_hovering_shows_the_name_in_the_chosen_language(opened, seed_page):
    view = opened(seed_page, "explorer", "#map")
    ready(view, "map")
    view.page.select_option("#lang", "ru")
    view.page.mouse.move(*marker_on_screen(view, "shymkent"))
    assert view.page.inner_text(".leaflet-tooltip") == "Шымкент"


def test_the_map_opens_on_the_data_with_kazakhstan_and_western_china_in_view(opened, seed_page):
    view = opened(seed_page, "explorer", "#map")
    ready(view, "map")
    bounds = view.js("(b => [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()])(kgView.map.leaflet.getBounds())")
    south, west, north, east = bounds
    assert south <= 40.5 and north >= 55.4 and west <= 46.5 and east >= 96  # Kazakhstan and Xinjiang
    assert east - west < 120  # not the whole world


# --- the timeline ------------------------------------------------------------------------------------


def dated_facts(store: ox.Store) -> set[tuple[str, str, str]]:
    values = " ".join(f"kc:{p}" for p in DATED)
    return {(local(r["e"].value), local(r["p"].value.replace("#", "/")), r["v"].value)
            for r in rows(store, f"SELECT DISTINCT ?e ?p ?v WHERE {{ VALUES ?p {{ {values} }} ?e a kc:Entity ; ?p ?v }}")}


def test_timeline_items_are_the_dated_facts(opened, seed_page, seed_store):
    facts = dated_facts(seed_store)
    view = opened(seed_page, "explorer", "#timeline")
    ready(view, "timeline")
    items = view.js("kgView.timeline.events.map(e => [e.entity, e.p, e.value])")
    shown = view.js("document.querySelectorAll('#timeline .vis-item.kg-event .vis-item-content').length")
    # an entity's one start and one end date are one item, "start – end"
    covered = set()
    for entity, p, value in items:
        for part, prop in zip(value.split(" – "), [p, "endDate"]):
            covered.add((entity, prop, part))
    assert covered == facts and shown == len(items) == len(facts) - sum(" – " in v for _, _, v in items)


def test_a_year_only_date_spans_its_year(opened, seed_page):
    view = opened(seed_page, "explorer", "#timeline")
    ready(view, "timeline")
    item = view.js("(i => [i.start, i.end, i.type])(kgView.timeline.vis.itemsData.get("
                   "kgView.timeline.events.find(e => e.entity === 'kenkiyak-atyrau' && e.p === 'commissioned').id))")
    start, end, kind = item
    assert kind == "range" and dt.date.fromisoformat(str(start)[:10]) == dt.date(2003, 1, 1) and str(end)[:10] == "2004-01-01"
    text = view.page.locator("#timeline .vis-item.precision-year .vis-item-content", has_text="Kenkiyak-Atyrau").inner_text()
    assert "commissioned 2003 (year)" in text and "2003-01-01" not in text


def test_clicking_a_timeline_item_shows_the_fact_with_its_source(opened, seed_page):
    view = opened(seed_page, "explorer", "#timeline")
    ready(view, "timeline")
    view.page.locator("#timeline .kg-event .vis-item-content", has_text="CNPC acquisition of PetroKazakhstan").click()
    text = view.details()
    view.screenshot("-timeline-acquisition")
    assert "CNPC acquisition of PetroKazakhstan" in view.page.inner_text("#details h2")
    assert "signed: 2005-08-22" in text and "Source:" in text
    assert view.js("kgView.network.getSelectedNodes()") == ["acq-cnpc-petrokazakhstan-2005"]


def test_items_are_grouped_by_sector(opened, synthetic):
    store, path = synthetic
    view = opened(path, "synthetic", "#timeline")
    ready(view, "timeline")
    groups = view.js("Object.fromEntries(kgView.timeline.events.map(e => [e.entity, e.sector]))")
    sectors = {local(r["e"].value): r["s"].value for r in rows(store, "SELECT ?e ?s WHERE { ?e kc:sector ?s }")}
    assert groups and all(groups[e] == sectors[e] for e in groups)
    assert sorted(view.js("kgView.timeline.vis.groupsData.getIds()")) == sorted(set(groups.values()))


def test_many_events_are_clustered_and_a_cluster_opens_on_its_events(opened, tmp_path):
    path = tmp_path / "many.html"
    write_view(synthetic_store(1000, space_time=True), path)
    view = opened(path, "clusters", "#timeline")
    # vis-timeline draws the items first and folds them into clusters on a later frame (seen on a
    # loaded machine): wait until each event is drawn once, alone or in a cluster
    view.page.wait_for_function("""() => {
      const clustered = [...document.querySelectorAll('#timeline .cluster')].reduce((n, c) => n + parseInt(c.textContent, 10), 0);
      const single = document.querySelectorAll('#timeline .kg-event .event').length;
      return clustered > 0 && clustered + single === kgView.timeline.events.length;
    }""", timeout=20_000)
    events = view.js("kgView.timeline.events.length")
    counts = view.js("[...document.querySelectorAll('#timeline .cluster')].map(c => parseInt(c.textContent, 10))")
    single = view.js("document.querySelectorAll('#timeline .kg-event .event').length")
    assert events > 300 and counts and sum(counts) + single == events
    before = view.js("(w => w.end - w.start)(kgView.timeline.window())")
    view.page.locator("#timeline .vis-item", has=view.page.locator(".cluster")).first.click()
    view.screenshot("-cluster-opened")
    assert view.js("(w => w.end - w.start)(kgView.timeline.window())") < before / 2
    assert view.js("document.querySelectorAll('#timeline .kg-event .event').length") > 0


# --- the date range ------------------------------------------------------------------------------------


def test_a_date_range_hides_entities_outside_it_in_all_three_views(opened, seed_page, seed_store):
    net = entity_network(seed_store)
    dated = {e for e, _, v in dated_facts(seed_store) if "2005" <= v[:4] <= "2006"}
    active = dated | {n for e in dated for n in nx_neighbours(net, e)}
    view = opened(seed_page, "explorer", "#timeline")
    ready(view, "timeline")
    ready(view, "map")
    view.page.fill("#from", "2005")
    view.page.fill("#to", "2006")
    view.page.click("#period button[type=submit]")
    view.screenshot("-range-2005-2006")
    visible_nodes = set(view.js("kgView.nodes.get({filter: n => !n.hidden}).map(n => n.id)"))
    markers = set(view.js(DRAWN_MARKERS))
    with_coords = set(view.js("Object.keys(kgView.map.markers)"))
    items = view.js("kgView.timeline.vis.itemsData.get().map(i => kgView.timeline.events.find(e => e.id === i.id))")
    assert visible_nodes == active and dated
    assert markers == active & with_coords
    assert items and all(i["start"] < "2007-01-01" and i["end"] > "2005-01-01" for i in items)
    assert {i["entity"] for i in items} == dated
    view.page.click("#period-clear")
    assert view.js("kgView.nodes.get({filter: n => n.hidden}).length") == 0


def nx_neighbours(net, node):
    return set(net.successors(node)) | set(net.predecessors(node))


def test_kg_view_opens_with_the_date_range(seed_build, repo, tmp_path):
    out = tmp_path / "range.html"
    ok = CliRunner().invoke(main, ["view", "--project", str(repo), "--build-dir", str(seed_build),
                                   "--from", "2005-08", "--to", "2006", "-o", str(out)])
    assert ok.exit_code == 0, ok.output
    assert '"period":{"from":"2005-08","to":"2006"}' in out.read_text(encoding="utf-8")
    bad = CliRunner().invoke(main, ["view", "--project", str(repo), "--build-dir", str(seed_build),
                                    "--from", "2005-13", "-o", str(out)])
    assert bad.exit_code == 2 and bad.output.count("\n") == 1 and "'2005-13' is not a date" in bad.output


def test_a_page_written_with_a_range_opens_filtered(opened, seed_build, repo, tmp_path):
    out = tmp_path / "range.html"
    CliRunner().invoke(main, ["view", "--project", str(repo), "--build-dir", str(seed_build),
                              "--from", "2024", "--to", "2024", "--view", "map", "-o", str(out)])
    view = opened(out, "range")
    assert view.page.input_value("#from") == "2024"
    hidden = view.js("kgView.nodes.get({filter: n => n.hidden}).map(n => n.id)")
    assert "kenkiyak-atyrau" in hidden and "xi-state-visit-2024" not in hidden


# --- kg view --query with parameters ----------------------------------------------------------------


def test_kg_view_binds_the_parameters_of_its_query(seed_build, repo, tmp_path):
    out = tmp_path / "shymkent.html"
    result = CliRunner().invoke(main, ["view", "--project", str(repo), "--build-dir", str(seed_build), "--query",
                                       str(repo / "queries" / "neighbourhood.rq"), "--param", "entity=Шымкент", "-o", str(out)])
    assert result.exit_code == 0, result.output
    nodes = {n["id"] for n in page_network(out)["nodes"]}
    assert "shymkent" in nodes and "cnpc" not in nodes and len(nodes) > 1


def test_kg_view_param_needs_a_query(seed_build, repo, tmp_path):
    result = CliRunner().invoke(main, ["view", "--project", str(repo), "--build-dir", str(seed_build),
                                       "--param", "entity=CNPC", "-o", str(tmp_path / "x.html")])
    assert result.exit_code == 2 and "give the query too" in result.output


# --- untrusted text and the legend -------------------------------------------------------------------


def test_a_hostile_label_is_text_in_the_map_tooltip_and_the_timeline(opened, synthetic):
    _, path = synthetic
    view = opened(path, "synthetic", "#map")
    ready(view, "map")
    view.page.mouse.move(*marker_on_screen(view, "syn-7"))
    assert view.page.inner_text(".leaflet-tooltip") == PAYLOAD
    assert view.js("document.querySelectorAll('#map img, .leaflet-tooltip img').length") == 0
    view.page.click("#tab-timeline")
    ready(view, "timeline")
    view.js("(e => kgView.timeline.vis.setWindow(e.start, e.end, {animation: false}))(kgView.timeline.events.find(e => e.entity === 'syn-7'))")
    view.page.locator("#timeline .kg-event .vis-item-content", has_text=PAYLOAD).wait_for()
    assert view.js("document.querySelectorAll('#timeline img').length") == 0
    assert view.js("window.__xss") is None


def test_the_legend_shows_the_shapes_drawn(opened, seed_page):
    view = opened(seed_page, "explorer", "#map")
    ready(view, "map")
    legend = view.js("Object.fromEntries([...document.querySelectorAll('#classes li')].map(li => "
                     "[li.querySelector('label').textContent.replace(/\\d+$/, ''), li.querySelector('svg').dataset.shape]))")
    label_of = view.js("Object.fromEntries(kgView.PAGE.classes.map(c => [c.cls, c.label]))")
    drawn = view.js(DRAWN_SHAPES)
    markers = view.js("Object.entries(kgView.map.markers).map(([id, m]) => [kgView.classOf[id], m.options.shape])")
    assert len(set(legend.values())) > 3  # the classes really have different shapes
    for cls, shape in drawn + markers:
        assert legend[label_of[cls]] == shape, cls


# The shape each network node is drawn with: vis-network's options report the group's shape even
# when a node-level "dot" wins, so the renderer object is compared with those of a reference
# network drawing one node of each shape.
DRAWN_SHAPES = """() => {
  const shapes = ["dot", "triangle", "triangleDown", "star", "hexagon", "diamond", "square"];
  const div = document.createElement("div");
  div.style.cssText = "width: 50px; height: 50px";
  document.body.append(div);
  const ref = new vis.Network(div, { nodes: shapes.map((s) => ({ id: s, shape: s })), edges: [] }, { physics: false });
  const named = new Map(shapes.map((s) => [ref.body.nodes[s].shape.constructor, s]));
  const drawn = Object.values(kgView.network.body.nodes).filter((n) => kgView.classOf[n.id])
    .map((n) => [kgView.classOf[n.id], named.get(n.shape.constructor) || "other"]);
  ref.destroy();
  div.remove();
  return drawn;
}"""
