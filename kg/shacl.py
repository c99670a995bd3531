"""SHACL validation of the compiled graph with pySHACL (shapes in ``ontology/shapes.ttl``).

pySHACL gets a plain rdflib Graph holding the union of all named graphs: an entity declared in a
reference graph and described in an article graph is one node to the shapes, and pySHACL is far
slower on other inputs (DESIGN.md). The RDFS closure is already in the data, so no inference runs.
"""

from __future__ import annotations

from pathlib import Path

from pyshacl import validate as _pyshacl_validate
from rdflib import RDF, Dataset, Graph, Namespace

from .vocab import ONTOLOGY_IRI, entity_id_of

SH = Namespace("http://www.w3.org/ns/shacl#")


def union_graph(ds: Dataset, include_ontology: bool = False) -> Graph:
    """All triples of all named graphs in one rdflib Graph."""
    union = Graph()
    for g in ds.graphs():
        if g.identifier == ONTOLOGY_IRI and not include_ontology:
            continue
        for triple in g:
            union.add(triple)
    return union


def validate(ds: Dataset, shapes_path: Path) -> tuple[bool, Graph, str]:
    """Validate the dataset; return (conforms, report graph, report text) as pySHACL does."""
    shapes = Graph().parse(shapes_path, format="turtle")
    conforms, report, text = _pyshacl_validate(union_graph(ds), shacl_graph=shapes, inference="none",
                                                advanced=True, allow_warnings=True)
    return conforms, report, text


def violations(report: Graph) -> list[tuple[str | None, str]]:
    """(entity id or None, one-line message) for each violation in a pySHACL report graph."""
    out = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage) or "violates a shape"
        value = report.value(result, SH.value)
        where = f" ({_short(path)}" + (f" = {value}" if value is not None else "") + ")" if path is not None else ""
        out.append((entity_id_of(str(focus)) if focus is not None else None, f"SHACL: <{focus}>{where}: {message}"))
    return sorted(out, key=lambda item: item[1])


def _short(term) -> str:
    text = str(term)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
