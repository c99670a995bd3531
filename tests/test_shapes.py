"""kg.build.shapes (SHACL as SPARQL on Oxigraph) reports exactly what pySHACL reports.

pySHACL is the reference implementation; the build uses the SPARQL translation because it is
orders of magnitude faster at scale (benchmarks/RESULTS.md). Each broken graph below violates one
kind of constraint the shapes use; both engines must find the same (focus node, path) pairs.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from pyshacl import validate as pyshacl_validate
from rdflib import RDF, BNode, Dataset, Graph, Namespace

from kg.build.pipeline import prepare
from kg.project import Project
from kg.build.shapes import load_checks, run_checks
from testkit import SEEDS

SH = Namespace("http://www.w3.org/ns/shacl#")
R = "https://w3id.org/kzcn/resource/"
KC = "https://w3id.org/kzcn/ontology#"
S = "https://schema.org/"
X = "http://www.w3.org/2001/XMLSchema#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
T = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
G = f"<{R}source/TEST>"


def q(s, p, o):
    return f"{s} {p} {o} {G} .\n"


def org(node):
    return q(node, f"<{T}>", f"<{KC}Organization>") + q(node, f"<{T}>", f"<{KC}Entity>")


BROKEN = {
    "no English label": org(f"<{R}x>") + q(f"<{R}x>", f"<{RDFS}label>", '"Икс"@ru'),
    "label language": q(f"<{R}cnpc>", f"<{RDFS}label>", '"CNPC"@fr'),
    "datatype": q(f"<{R}cnpc>", f"<{KC}foundingYear>", f'"1988"^^<{X}integer>'),
    "class of object": q(f"<{R}cnpc>", f"<{KC}ownedBy>", f"<{R}astana>"),
    "quantity counts": q(f"<{R}q1>", f"<{T}>", f"<{S}QuantitativeValue>") + q(f"<{R}q1>", f"<{S}value>", f'"1"^^<{X}decimal>')
                       + q(f"<{R}q1>", f"<{S}value>", f'"2"^^<{X}decimal>'),
    "unit not allowed": q(f"<{R}q2>", f"<{T}>", f"<{S}QuantitativeValue>") + q(f"<{R}q2>", f"<{S}value>", f'"1"^^<{X}decimal>')
                        + q(f"<{R}q2>", f"<{S}unitText>", '"miles"'),
    "currency pattern": q(f"<{R}m1>", f"<{T}>", f"<{S}MonetaryAmount>") + q(f"<{R}m1>", f"<{S}value>", f'"1"^^<{X}decimal>')
                        + q(f"<{R}m1>", f"<{S}currency>", '"usd"'),
    "range": q(f"<{R}astana>", f"<{S}latitude>", f'"95.0"^^<{X}decimal>'),
    "or of datatypes": q(f"<{R}kenkiyak-atyrau>", f"<{KC}commissioned>", '"long ago"'),
    "route gap": q(f"<{R}kenkiyak-atyrau>", f"<{KC}routeStop>", f"<{R}kenkiyak-atyrau/route/4>")
                 + q(f"<{R}kenkiyak-atyrau/route/4>", f"<{T}>", f"<{KC}RouteStop>")
                 + q(f"<{R}kenkiyak-atyrau/route/4>", f"<{KC}stopIndex>", f'"4"^^<{X}integer>')
                 + q(f"<{R}kenkiyak-atyrau/route/4>", f"<{KC}stopPlace>", f"<{R}atyrau>"),
    "event ends before it starts": q(f"<{R}xi-state-visit-2024>", f"<{KC}endDate>", f'"2024-07-01"^^<{X}date>'),
    "more than the whole": q(f"<{R}q3>", f"<{T}>", f"<{S}QuantitativeValue>") + q(f"<{R}q3>", f"<{S}value>", f'"9"^^<{X}decimal>')
                           + q(f"<{R}q3>", f"<{S}unitText>", '"km"') + q(f"<{R}q3>", f"<{KC}outOf>", f'"5"^^<{X}decimal>'),
    "article statement without quote": q(f"<{R}st1>", f"<{T}>", f"<{RDF.Statement}>")
                                       + q(f"<{R}st1>", f"<{RDF.subject}>", f"<{R}cnpc>")
                                       + q(f"<{R}st1>", f"<{RDF.predicate}>", f"<{KC}sector>")
                                       + q(f"<{R}st1>", f"<{RDF.object}>", '"oil"')
                                       + q(f"<{R}st1>", "<http://www.w3.org/ns/prov#wasDerivedFrom>",
                                           f"<{R}article/000_617ef15b8252d5c0>"),
    "article statement without its span": q(f"<{R}st2>", f"<{T}>", f"<{RDF.Statement}>")
                                          + q(f"<{R}st2>", f"<{RDF.subject}>", f"<{R}cnpc>")
                                          + q(f"<{R}st2>", f"<{RDF.predicate}>", f"<{KC}sector>")
                                          + q(f"<{R}st2>", f"<{RDF.object}>", '"oil"')
                                          + q(f"<{R}st2>", f"<{KC}quote>", '"oil"')
                                          + q(f"<{R}st2>", f"<{KC}charStart>", f'"1"^^<{X}integer>')
                                          + q(f"<{R}st2>", "<http://www.w3.org/ns/prov#wasDerivedFrom>",
                                              f"<{R}article/000_617ef15b8252d5c0>"),
    "statement with two subjects": q(f"<{R}st3>", f"<{T}>", f"<{RDF.Statement}>")
                                   + q(f"<{R}st3>", f"<{RDF.subject}>", f"<{R}cnpc>")
                                   + q(f"<{R}st3>", f"<{RDF.subject}>", f"<{R}astana>")
                                   + q(f"<{R}st3>", f"<{RDF.predicate}>", f"<{KC}sector>")
                                   + q(f"<{R}st3>", f"<{RDF.object}>", '"oil"')
                                   + q(f"<{R}st3>", "<http://www.w3.org/ns/prov#wasDerivedFrom>", f"<{R}source/TEST>"),
    "meeting with one participant": q(f"<{R}mt1>", f"<{T}>", f"<{KC}Meeting>") + q(f"<{R}mt1>", f"<{T}>", f"<{KC}Event>")
                                    + q(f"<{R}mt1>", f"<{T}>", f"<{KC}Entity>") + q(f"<{R}mt1>", f"<{RDFS}label>", '"M"@en')
                                    + q(f"<{R}mt1>", f"<{KC}participant>", f"<{R}cnpc>"),
    "post held by nobody": q(f"<{R}p1>", f"<{T}>", f"<{KC}Post>") + q(f"<{R}p1>", f"<{T}>", f"<{KC}Entity>")
                           + q(f"<{R}p1>", f"<{RDFS}label>", '"P"@en') + q(f"<{R}p1>", f"<{KC}postIn>", f"<{R}cnpc>"),
    "entity must be an IRI": q("_:b1", f"<{T}>", f"<{KC}Entity>") + q("_:b1", f"<{RDFS}label>", '"blank"@en'),
    "alias must be a literal": q(f"<{R}cnpc>", "<http://www.w3.org/2004/02/skos/core#altLabel>", f"<{R}astana>"),
}


@pytest.fixture(scope="module")
def seed_nquads(repo) -> str:
    return "".join(entry.nquads() for entry in prepare(Project(root=repo, seeds=SEEDS)).graphs.values())


def findings_of_pyshacl(nquads: str, shapes: Graph) -> set:
    ds = Dataset()
    ds.parse(data=nquads, format="nquads")
    union = Graph()
    for g in ds.graphs():
        if str(g.identifier) != "https://w3id.org/kzcn/ontology":
            for triple in g:
                union.add(triple)
    conforms, report, _ = pyshacl_validate(union, shacl_graph=shapes, inference="none", advanced=True)
    found = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        found.add(("_:blank" if isinstance(focus, BNode) else str(focus), str(path) if path is not None else None))
    return found


def findings_of_kg(nquads: str, checks, focus: set[str] | None = None) -> set:
    store = ox.Store()
    store.bulk_load(nquads.encode(), format=ox.RdfFormat.N_QUADS)
    ontology = ox.NamedNode("https://w3id.org/kzcn/ontology")
    store.remove_graph(ontology)
    return {("_:blank" if v.focus.startswith("_:") or "://" not in v.focus else v.focus, v.path)
            for v in run_checks(store, checks, focus)}


def touched(nquads: str) -> set[str]:
    """The IRIs in subject or object position of some quads, as an incremental build picks its focus."""
    store = ox.Store()
    store.bulk_load(nquads.encode(), format=ox.RdfFormat.N_QUADS)
    return {term.value for quad in store for term in (quad.subject, quad.object) if isinstance(term, ox.NamedNode)}


@pytest.fixture(scope="module")
def engines(repo):
    return Graph().parse(repo / "ontology" / "shapes.ttl"), load_checks(repo / "ontology" / "shapes.ttl")


def test_seed_graph_conforms_on_both_engines(seed_nquads, engines):
    shapes, checks = engines
    assert findings_of_pyshacl(seed_nquads, shapes) == set()
    assert findings_of_kg(seed_nquads, checks) == set()


@pytest.fixture(scope="module")
def reference(seed_nquads, engines):
    """pySHACL's findings per broken graph, computed once (seconds each) for both tests below."""
    found: dict[str, set] = {}

    def of(case: str) -> set:
        if case not in found:
            found[case] = findings_of_pyshacl(seed_nquads + BROKEN[case], engines[0])
        return found[case]
    return of


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_both_engines_report_the_same_violations(case, seed_nquads, engines, reference):
    shapes, checks = engines
    data = seed_nquads + BROKEN[case]
    reference = reference(case)
    assert reference, f"the broken graph '{case}' must violate a shape"
    assert findings_of_kg(data, checks) == reference  # the whole-store form of every check


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_focus_checks_find_the_same_violations(case, seed_nquads, engines, reference):
    """The focus form (incremental builds: only the nodes the changed quads touch) agrees too."""
    shapes, checks = engines
    data = seed_nquads + BROKEN[case]
    reference = {(focus, path) for focus, path in reference(case) if focus != "_:blank"}
    if not reference:
        pytest.skip("a blank focus node: incremental builds never produce one (the compiler names every node)")
    assert findings_of_kg(data, checks, touched(BROKEN[case])) == reference
