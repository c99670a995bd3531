"""The view: one self-contained, offline HTML page of the entity network, map and timeline.

Takes a store (optionally a focus entity and depth, or a CONSTRUCT query); gives
`graph.html` with its data, scripts and styles inlined.

- `page`       styles the network and renders `templates/view.html`;
- `network`    the networkx projection of the RDF graph (also for GraphML export);
- `details`    what the details panel shows per entity, read with SPARQL;
- `spacetime`  the routes the map draws and the dated facts the timeline shows, read with SPARQL;
- `positions`  precomputed node positions for large views;
- `templates/vendor/`  Leaflet, topojson-client, vis-timeline, world-atlas (scripts/vendor_view.py).
"""

# Above this many entities `kg build` writes no full graph view: the page is ~1 MB per 1,000
# entities, takes ~8 s per 1,000 to generate, and a network that size is unreadable anyway.
# (Here, not in `page`, so that the build reads it without importing pyvis.)
VIEW_LIMIT = 5000

# the page's tabs, in order; the URL hash (#map) or `kg view --view` names the one it opens on
VIEWS = ("network", "map", "timeline")
