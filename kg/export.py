"""Exporting the built graph: RDF serialisations of the store, or GraphML of the entity network."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.atomicfile import open_atomic
from kg.vocab import PREFIXES

if TYPE_CHECKING:
    import networkx as nx  # imported when GraphML is written: 0.1 s that every `kg` command paid

# Formats that keep the named graphs (and so the provenance of every fact).
DATASET_FORMATS = {"trig": ox.RdfFormat.TRIG, "nq": ox.RdfFormat.N_QUADS, "jsonld": ox.RdfFormat.JSON_LD}
# Formats of one graph: the union of all graphs, each triple once.
GRAPH_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES}
FORMATS = sorted({*DATASET_FORMATS, *GRAPH_FORMATS, "graphml"})


def export(store: ox.Store, fmt: str, out: io.BufferedIOBase) -> None:
    """Write the store in `fmt` (one of FORMATS) to a binary stream."""
    if fmt in DATASET_FORMATS:
        prefixes = PREFIXES if fmt == "trig" else None
        out.write(store.dump(format=DATASET_FORMATS[fmt], prefixes=prefixes) if prefixes else store.dump(format=DATASET_FORMATS[fmt]))
    elif fmt in GRAPH_FORMATS:
        triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
        kwargs = {"prefixes": PREFIXES} if fmt == "ttl" else {}
        out.write(ox.serialize(triples, format=GRAPH_FORMATS[fmt], **kwargs))
    elif fmt == "graphml":
        import networkx as nx

        from kg.view.network import entity_network
        nx.write_graphml(_graphml_ready(entity_network(store)), out, encoding="utf-8")
    else:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")


# characters XML 1.0 cannot hold, even escaped: an article's text may carry them
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _graphml_ready(net: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The network with scalar attributes only (GraphML holds no other), as text XML can hold."""
    import networkx as nx

    def scalars(data: dict) -> dict:
        return {k: _NOT_XML.sub("\ufffd", v) if isinstance(v, str) else v
                for k, v in data.items() if isinstance(v, (str, int, float, bool))}

    clean = nx.MultiDiGraph()
    for node, data in net.nodes(data=True):
        clean.add_node(_NOT_XML.sub("\ufffd", node), **scalars(data))
    for s, o, key, data in net.edges(keys=True, data=True):
        clean.add_edge(_NOT_XML.sub("\ufffd", s), _NOT_XML.sub("\ufffd", o), key=key, **scalars(data))
    return clean


def export_to_path(store: ox.Store, fmt: str, path: Path) -> None:
    """Write the export to a file, replacing it only once complete."""
    with open_atomic(path) as out:
        export(store, fmt, out)
