"""Upload the built graph to any SPARQL 1.1 server, one named graph at a time, idempotently.

Two protocols, both standard:

- ``graph-store`` (default): SPARQL 1.1 Graph Store HTTP Protocol, ``PUT URL?graph=IRI`` with the
  graph as N-Triples. PUT replaces the graph, so pushing twice leaves one copy. A graph larger than
  one chunk is sent as a PUT of the first chunk and a POST (merge) of each following one.
- ``update``: SPARQL 1.1 Update for servers without the Graph Store Protocol:
  ``DROP SILENT GRAPH <IRI> ; INSERT {...} WHERE {}`` for the first chunk, ``INSERT`` for the rest.

The build keeps nothing in the default graph (every fact lives in its source's graph, see
docs/model.md), so the named graphs are the whole dataset.

Replacing graphs does not remove one the build no longer has (an article deleted from the seeds):
`prune` lists the server's graphs through its query endpoint and deletes those in the project's
namespace that the build lacks (DELETE by the Graph Store Protocol, or DROP GRAPH); graphs of
other datasets on the same server are never touched.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from urllib.parse import urlencode

import pyoxigraph as ox

from kg.query.endpoint import Credentials, EndpointError, form, opener, redact, select, send

GRAPH_STORE = "graph-store"
UPDATE = "update"
PROTOCOLS = (GRAPH_STORE, UPDATE)
# triples per request: ~3 MB of N-Triples for the Graph Store Protocol, below common request-size
# limits; SPARQL Update requests are compiled whole: Virtuoso's compiler runs out of memory above
# about 5,000 triples in one update (SP030) and refuses SQL over 10,000 lines (SP031) at 2,000
CHUNK_TRIPLES = {"graph-store": 20_000, "update": 500}
RETRIES = 3  # a chunk is sent again after a reset connection (Virtuoso resets some large digest-auth PUTs)
N_TRIPLES = "application/n-triples"
NAMESPACE = "https://w3id.org/kzcn/"  # every graph a build makes is named under it


@dataclass(frozen=True)
class Pushed:
    """What a push sent."""

    graphs: int
    triples: int


def graph_iris(store: ox.Store) -> list[str]:
    """The named graphs of the store, sorted so that pushes are reproducible."""
    return sorted(g.value for g in store.named_graphs())


def push(store: ox.Store, url: str, *, protocol: str = GRAPH_STORE, auth: Credentials | None = None,
         chunk: int | None = None, progress: Callable[[int], None] | None = None) -> Pushed:
    """Replace each named graph of `store` on the server at `url` with the build's copy.

    `url` is the Graph Store endpoint (Oxigraph ``/store``, Virtuoso ``/sparql-graph-crud-auth``)
    or, with ``protocol=UPDATE``, the SPARQL Update endpoint. `progress` is called with the number
    of triples after each request.
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}: use one of {', '.join(PROTOCOLS)}")
    http = opener(url, auth)
    send_chunk = _graph_store_request if protocol == GRAPH_STORE else _update_request
    chunk = chunk or CHUNK_TRIPLES[protocol]
    graphs = graph_iris(store)
    total = 0
    for iri in graphs:
        for index, triples in enumerate(_chunks(store, iri, chunk)):
            method, target, body, headers = send_chunk(url, iri, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES),
                                                       first=index == 0)
            send(http, method, target, body=body, headers=headers, retries=RETRIES)
            total += len(triples)
            if progress:
                progress(len(triples))
    return Pushed(len(graphs), total)


def stale_graphs(store: ox.Store, query_url: str, auth: Credentials | None = None) -> list[str]:
    """The server's graphs in the project's namespace that the build does not have."""
    answer = select(query_url, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", auth=auth)
    try:
        rows = json.loads(answer)["results"]["bindings"]
    except (ValueError, KeyError, TypeError):
        raise EndpointError(f"{redact(query_url)} did not answer with SPARQL JSON results: is it the query endpoint?") from None
    keep = set(graph_iris(store))
    return sorted({g for g in (_graph_name(row) for row in rows) if g and g.startswith(NAMESPACE) and g not in keep})


def _graph_name(row) -> str | None:
    """The graph IRI of a result row, or None for anything that is not a valid IRI.

    The names come from a server and may be hostile: one holding `>` or a space could end the IRI
    of a `DROP GRAPH <...>` and append updates of its own. pyoxigraph refuses such IRIs."""
    term = row.get("g") if isinstance(row, dict) else None
    if not isinstance(term, dict) or term.get("type") != "uri" or not isinstance(term.get("value"), str):
        return None
    try:
        return ox.NamedNode(term["value"]).value
    except ValueError:
        return None


def prune(store: ox.Store, url: str, query_url: str, *, protocol: str = GRAPH_STORE,
          auth: Credentials | None = None) -> list[str]:
    """Delete from the server at `url` the project's graphs that the build no longer has; return them."""
    http = opener(url, auth)
    stale = stale_graphs(store, query_url, auth)
    for iri in stale:
        if protocol == GRAPH_STORE:
            send(http, "DELETE", _graph_target(url, iri))
        else:
            body, headers = form(update=f"DROP SILENT GRAPH {ox.NamedNode(iri)}")
            send(http, "POST", url, body=body, headers=headers)
    return stale


def _chunks(store: ox.Store, iri: str, size: int) -> Iterator[list[ox.Triple]]:
    """The graph's triples in lists of at most `size` (one empty list for an empty graph).

    Every triple with a blank node goes in the first list: a blank node label is scoped to one
    document or one update request, so splitting them would tear a node in two.
    """
    triples = [q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(iri))]
    blank = [isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples]
    with_blank = [t for t, b in zip(triples, blank) if b]
    rest = iter([t for t, b in zip(triples, blank) if not b])
    yield with_blank + list(islice(rest, max(size - len(with_blank), 0)))
    while batch := list(islice(rest, size)):
        yield batch


def _graph_target(url: str, iri: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'graph': iri})}"


def _graph_store_request(url: str, iri: str, ntriples: bytes, *, first: bool):
    return ("PUT" if first else "POST"), _graph_target(url, iri), ntriples, {"Content-Type": f"{N_TRIPLES}; charset=utf-8"}


def _update_request(url: str, iri: str, ntriples: bytes, *, first: bool):
    # N-Triples is valid SPARQL triple syntax, so the chunk goes in as is; INSERT {...} WHERE {}
    # rather than INSERT DATA because Virtuoso refuses blank nodes in INSERT DATA (standard allows them)
    graph = ox.NamedNode(iri)  # written by pyoxigraph: an IRI that cannot end early
    insert = f"INSERT {{ GRAPH {graph} {{\n{ntriples.decode('utf-8')}}} }} WHERE {{}}"
    body, headers = form(update=f"DROP SILENT GRAPH {graph} ;\n{insert}" if first else insert)
    return "POST", url, body, headers
