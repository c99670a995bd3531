"""The interactive graph view: one self-contained, offline HTML page of the entity network.

`write_view` takes the entity network (`kg.view.network`), optionally cut to the neighbourhood of one
entity or to a CONSTRUCT query's result, styles it with pyvis (colour and shape per class, size
by degree, one curved edge per relation), adds the details of every entity (`kg.view.details`) and
renders `templates/view.html`. The page inlines vis-network and its own script, embeds all data
as JSON, and forbids every request with a Content-Security-Policy: it works from a file, offline,
and untrusted text in labels and quotes stays text (see docs/view.md).

>>> from pathlib import Path; from kg.build.rundir import open_store      # doctest: +SKIP
>>> write_view(open_store(Path("build")), Path("cnpc.html"), focus="CNPC", depth=2)  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pyvis
from markupsafe import Markup
from pyvis.edge import Edge
from pyvis.network import Network

from kg.atomicfile import write_text_atomic
from kg.problems import UsageError
from kg.view.positions import spread
from kg.view.network import construct_network, ego_network, entity_network
from kg.view.details import find_entity, view_data
from kg.view import VIEWS
from kg.view.spacetime import events, iso_bounds, routes
from kg.query.library import Query
from kg.query.run import prepare, store_runner, unmatched_labels
from kg.vocab import DEFAULT_LANGUAGE, LANGUAGES

PHYSICS_MAX = 300  # above this many nodes the browser gets precomputed positions, physics off
TEMPLATES = Path(__file__).with_name("templates")
VENDOR = TEMPLATES / "vendor"  # npm libraries with their licences (scripts/vendor_view.py)
VIS = Path(pyvis.__file__).with_name("templates") / "lib" / "vis-9.1.2"
# inlined in this order: vis-timeline before vis-network, which both extend the global `vis` and
# whose DataSet the network's script must get; the page's own scripts last
SCRIPTS = (VENDOR / "vis-timeline" / "vis-timeline-graph2d.min.js", VIS / "vis-network.min.js",
           VENDOR / "leaflet" / "leaflet.js", VENDOR / "topojson-client" / "topojson-client.min.js",
           TEMPLATES / "view.js", TEMPLATES / "map.js", TEMPLATES / "timeline.js", TEMPLATES / "explorer.js")
STYLES = (VIS / "vis-network.css", VENDOR / "leaflet" / "leaflet.css",
          VENDOR / "vis-timeline" / "vis-timeline-graph2d.min.css", TEMPLATES / "view.css")
ATLAS = VENDOR / "world-atlas" / "countries-50m-region.json"

# colour (the main cue) and shape (for colour-blind readers and print) of each class
CLASS_STYLES = {
    "Organization": ("#1f77b4", "dot"),
    "Place": ("#17becf", "dot"),
    "Person": ("#ff7f0e", "triangle"),
    "Post": ("#bcbd22", "triangleDown"),
    "Project": ("#d62728", "star"),
    "Event": ("#e377c2", "hexagon"),
    "Meeting": ("#9467bd", "hexagon"),
    "Pipeline": ("#2ca02c", "diamond"),
    "Road": ("#8c564b", "square"),
    "Facility": ("#7f7f7f", "square"),
    "Railway": ("#393b79", "diamond"),
    "Deposit": ("#637939", "triangle"),
    "Agreement": ("#8c6d31", "square"),
    "Financing": ("#e7ba52", "star"),
    "Acquisition": ("#ad494a", "hexagon"),
    "BorderCrossing": ("#d6616b", "triangleDown"),
}
OTHER_STYLE = ("#c7c7c7", "dot")
# how the map draws a route: the class gives the dash (mode), the commodity the colour
ROUTE_DASHES = {"Pipeline": None, "Railway": "10 6", "Road": "2 6"}
COMMODITY_COLOURS = (("gas", "#1f77b4"), ("oil", "#333333"), ("water", "#17becf"), ("power", "#ff7f0e"))


class ViewError(UsageError, ValueError):
    """A view that cannot be drawn as asked (exit 2)."""


def write_view(store: ox.Store, path: Path, *, lang: str = DEFAULT_LANGUAGE, focus: str | None = None,
               depth: int = 1, query: Query | str | None = None, params: dict[str, str] | None = None,
               title: str | None = None, view: str = VIEWS[0],
               period: tuple[str | None, str | None] = (None, None)) -> nx.MultiDiGraph:
    """Write the view of `store` to `path` and return the network it shows.

    `focus` (an entity id, label or alias) keeps the entities within `depth` relations of it;
    `query` (SPARQL CONSTRUCT text, or a library `Query` whose `params` are bound as `kg query`
    binds them) keeps the entities and relations of its result; when that is empty because a
    label parameter names no entity, `net.graph["hints"]` says so. `view` is the tab the page
    opens on; `period` (from, to: a year, YYYY-MM or a date, either may be None)
    the date range it opens with. Raises `ViewError` (a usage error) for an unknown language or
    view, an unknown or ambiguous focus, a query that does not parse or is not a CONSTRUCT, and a
    bad or empty date range (and, from the query library, a missing or unknown parameter).
    """
    if lang not in LANGUAGES:
        raise ViewError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
    if view not in VIEWS:
        raise ViewError(f"unknown view {view!r}: use one of {', '.join(VIEWS)}")
    for date in period:
        if date is not None and iso_bounds(date) is None:
            raise ViewError(f"{date!r} is not a date: write a year (2005), a month (2005-11) or a day (2005-11-02)")
    if None not in period and iso_bounds(period[0])[0] >= iso_bounds(period[1])[1]:
        raise ViewError(f"the date range {period[0]} to {period[1]} is empty: give --from before --to")
    if params and not isinstance(query, Query):
        raise ViewError("--param binds a parameter of --query FILE.rq: give the query too")
    # the same preparation as `kg query`: parameters bound as RDF terms, defaults, syntax checked
    sparql = prepare(query, params or {}, lang) if isinstance(query, Query) else query
    net = entity_network(store)
    if sparql is not None:
        try:
            result = store.query(sparql, use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise ViewError(f"the query does not parse: {exc}") from None
        if not isinstance(result, ox.QueryTriples):
            raise ViewError("--query needs a CONSTRUCT (or DESCRIBE) query: the view draws triples")
        net = construct_network(net, result)
    if focus is not None:
        net = ego_network(net, find_entity(store, focus, within=set(net)), depth)
    if isinstance(query, Query) and not net.number_of_nodes():
        net.graph["hints"] = unmatched_labels(query, store_runner(store), params or {})
    data = view_data(store, set(net))
    data["routes"] = routes(store, set(net))
    data["events"] = events(store, set(net), data["terms"])
    html = render(net, data, lang=lang, title=title or _title(focus, depth, query), view=view, period=period)
    write_text_atomic(path, html)  # a reader never sees half a page
    return net


def _title(focus: str | None, depth: int, query: str | None) -> str:
    title = "Kazakh–Chinese cooperation graph"
    if focus is not None:
        title += f": {focus} and {depth} step(s) around"
    if query is not None:
        title += " (query result)"
    return title


def render(net: nx.MultiDiGraph, data: dict, *, lang: str, title: str, view: str = "network",
           period: tuple[str | None, str | None] = (None, None)) -> str:
    """The page for `net` with the details in `data` (from `kg.view.details.view_data`, plus the
    `routes` and `events` of `kg.view.spacetime`)."""
    entities = data["entities"]
    large = net.number_of_nodes() > PHYSICS_MAX
    positions = spread(net) if large else {}
    vis = Network(directed=True, cdn_resources="in_line")
    for node, attrs in net.nodes(data=True):
        extra = {"x": positions[node][0], "y": positions[node][1]} if large else {}
        # style by `group` (one options object per class, not per node: 2x faster to load);
        # no `title`: vis-network writes string titles into the page with innerHTML
        vis.add_node(node, label=_name(entities[node], lang, node), group=attrs["cls"],
                     value=net.degree(node), **extra)
        del vis.nodes[-1]["shape"]  # pyvis sets "dot" on every node, hiding the class's shape
    for i, (s, o, prop, attrs) in enumerate(net.edges(keys=True, data=True)):
        # Edge() directly: Network.add_edge checks both ends with a list scan, O(N) per edge
        vis.edges.append(Edge(s, o, directed=True, id=f"e{i}", label=attrs["label"], property=prop).options)
    _curve_parallel_edges(vis.edges)
    classes = Counter(attrs["cls"] for _, attrs in net.nodes(data=True))
    page = {
        "title": title,
        "lang": lang,
        "langs": list(LANGUAGES),
        "large": large,
        "classes": [{"cls": cls, "label": data["terms"].get(cls, cls).capitalize(), "count": n, **_style(cls)}
                    for cls, n in sorted(classes.items())],
        "entities": entities,
        "sources": data["sources"],
        "options": _options(large, classes),
        "view": view,
        "period": {"from": period[0], "to": period[1]},
        "routes": {e: {**r, **_route_style(net.nodes[e]["cls"], r["commodities"])}
                   for e, r in data.get("routes", {}).items() if r["line"]},
        "events": data.get("events", []),
    }
    vis.set_template_dir(str(TEMPLATES), "view.html")
    env = vis.templateEnv
    env.autoescape = True
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False, "separators": (",", ":")}
    scripts = [_asset(path) for path in SCRIPTS]
    env.globals.update(page=page, styles=[_asset(path) for path in STYLES], scripts=scripts,
                       atlas=json.loads(ATLAS.read_text(encoding="utf-8")), views=VIEWS,
                       script_hashes=" ".join(_csp_hash(s) for s in scripts))
    return vis.generate_html()


def _route_style(cls: str, commodities: list[str]) -> dict:
    """The colour (by commodity, else the class's) and dash (by mode) the map draws a route with."""
    colour = next((c for word, c in COMMODITY_COLOURS for text in commodities if word in text.lower()), None)
    return {"color": colour or CLASS_STYLES.get(cls, OTHER_STYLE)[0], "dash": ROUTE_DASHES.get(cls)}


def _style(cls: str) -> dict:
    color, shape = CLASS_STYLES.get(cls, OTHER_STYLE)
    return {"color": color, "shape": shape}


def _name(entity: dict, lang: str, fallback: str) -> str:
    labels = entity["labels"]
    for candidate in (lang, DEFAULT_LANGUAGE):
        if labels.get(candidate):
            return labels[candidate][0]
    return fallback


def _curve_parallel_edges(edges: list[dict]) -> None:
    """Curve every edge of a pair of nodes joined more than once, each by a different amount.

    Straight edges of the same pair would lie on top of each other and read as one relation.
    """
    pairs = defaultdict(list)
    for edge in edges:
        pairs[frozenset((edge["from"], edge["to"]))].append(edge)
    for group in pairs.values():
        if len(group) > 1:
            for k, edge in enumerate(group):
                edge["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.15 + 0.2 * k}


def _options(large: bool, classes) -> dict:
    options = {
        "groups": {cls: _style(cls) for cls in classes},
        "nodes": {"scaling": {"min": 8, "max": 36}, "font": {"size": 14, "strokeWidth": 3, "strokeColor": "#ffffff"}},
        "edges": {"smooth": False, "font": {"size": 10, "align": "middle", "strokeWidth": 3, "strokeColor": "#ffffff"},
                  "color": {"color": "#9a9a9a", "highlight": "#333333", "hover": "#333333"},
                  "arrows": {"to": {"enabled": True, "scaleFactor": 0.6}}},
        "interaction": {"hover": True, "navigationButtons": False, "keyboard": False, "multiselect": False},
    }
    if large:
        options["physics"] = {"enabled": False}
        options["layout"] = {"improvedLayout": False}
        options["interaction"].update(hideEdgesOnDrag=True, hideEdgesOnZoom=True)
    else:
        options["physics"] = {"enabled": True, "solver": "forceAtlas2Based",
                              "forceAtlas2Based": {"springLength": 120, "gravitationalConstant": -80},
                              "stabilization": {"iterations": 400}}
    return options


def _asset(path: Path) -> Markup:
    """A file to inline in the page, checked to be inert there."""
    text = path.read_text(encoding="utf-8")
    # the map is a developer aid; dropping the comment keeps devtools from asking for it
    text = re.sub(r"^//# sourceMappingURL=.*$", "", text, flags=re.M)
    if "</script" in text.lower() or "</style" in text.lower():
        raise ValueError(f"{path} would end its inline element early")
    return Markup(text)


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"
