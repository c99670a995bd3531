"""A reference source whose labels, alias, title, role and value are markup meant to run, for the
tests that show untrusted text (the view, briefings, the query page), and the one thing the seeds
refuse that a graph from elsewhere may hold: a `javascript:` address."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

PAYLOAD = '<img src=x onerror="window.__xss=1">'


def add_hostile_source(seeds: Path) -> None:
    """Write `reference/hostile.yaml` into a seeds folder: the entity `hostile`, partner of and
    financed by CNPC (two relations between one pair of nodes), every text of it markup."""
    (seeds / "reference" / "hostile.yaml").write_text(f"""\
source:
  id: HOSTILE
  title: "</script><script>window.__xss=2</script>"
  url: "https://example.org/hostile"
entities:
  - id: hostile
    type: Project
    labels: {{en: '{PAYLOAD}', zh: '</script><b>bold</b>'}}
    aliases: ['<svg onload="window.__xss=4">']
statements:
  - {{subject: hostile, property: partner, object: cnpc, role: '<script>window.__xss=6</script>'}}
  - {{subject: hostile, property: financedBy, object: cnpc}}
  - {{subject: hostile, property: sector, value: '<img src=x onerror="window.__xss=5">'}}
""", encoding="utf-8")


def with_javascript_url(trig: Path) -> ox.Store:
    """The graph of a build's TriG dump in memory, the hostile source's address made `javascript:`.

    `kg validate` refuses such an address in the seeds; a graph from elsewhere (a CONSTRUCT, a push
    from another tool) may still hold one, and no page may make it a live link."""
    store = ox.Store()
    store.load(path=str(trig), format=ox.RdfFormat.TRIG)
    store.update('DELETE { GRAPH ?g { ?s <https://schema.org/url> ?u } } INSERT { GRAPH ?g { ?s <https://schema.org/url> '
                 '"javascript:window.__xss=3"^^<http://www.w3.org/2001/XMLSchema#anyURI> } } WHERE { GRAPH ?g { '
                 '?s <https://schema.org/url> ?u FILTER (STR(?u) = "https://example.org/hostile") } }')
    return store
