"""Applying a `kg diff --format nq` patch to a SPARQL server by SPARQL 1.1 Update.

The patch is RDF Patch (https://afs.github.io/rdf-patch/) restricted to what a diff needs: `TX .`,
then `D` rows (quads to delete) and `A` rows (quads to add) in N-Quads syntax, then `TC .`;
`H` header rows and `#` comments are ignored. Deletions go first, as `DELETE DATA`, then additions
as `INSERT {...} WHERE {}` (Virtuoso refuses blank nodes in INSERT DATA), one graph and at most
`push.CHUNK_TRIPLES["update"]` triples per request, like `kg push --protocol update`.

The patch is read whole and checked before the first request: a bad row never leaves the server
half patched by this file.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.query.endpoint import Credentials, form, opener, send
from kg.problems import UsageError
from kg.serve.push import CHUNK_TRIPLES, RETRIES, UPDATE


@dataclass(frozen=True)
class Patched:
    deleted: int
    added: int


def read_patch(path: Path) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """The quads a patch deletes and adds; UsageError naming the file and line of a bad row."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not an RDF Patch (not UTF-8 text)") from None
    rows: dict[str, list[tuple[int, str]]] = {"D": [], "A": []}
    for number, row in enumerate(text.splitlines(), start=1):
        op, _, rest = row.strip().partition(" ")
        if op in rows:
            rows[op].append((number, rest))
        elif op not in ("", "TX", "TC", "H") and not op.startswith("#"):
            raise UsageError(f"{path}:{number}: not an RDF Patch row (A, D, TX, TC or H): {row[:80]!r}")
    deletes, adds = (_quads(path, rows[op]) for op in ("D", "A"))
    if any(isinstance(t, ox.BlankNode) for q in deletes for t in (q.subject, q.object)):
        raise UsageError(f"{path}: the patch deletes triples with blank nodes, which SPARQL Update cannot name: "
                         "push the whole build instead")
    return deletes, adds


def _quads(path: Path, rows: list[tuple[int, str]]) -> list[ox.Quad]:
    try:
        return list(ox.parse(input="\n".join(rest for _, rest in rows), format=ox.RdfFormat.N_QUADS))
    except SyntaxError:
        for number, rest in rows:  # find the row to name: parsed one by one only when one is bad
            try:
                list(ox.parse(input=rest, format=ox.RdfFormat.N_QUADS))
            except SyntaxError as exc:
                raise UsageError(f"{path}:{number}: not an N-Quads row: {exc}") from None
        raise


def apply_patch(path: Path, url: str, auth: Credentials | None = None) -> Patched:
    """Apply the patch at `path` to the SPARQL Update endpoint `url`."""
    deletes, adds = read_patch(path)
    http = opener(url, auth)
    for quads, request in ((deletes, _delete), (adds, _insert)):
        for graph, triples in _by_graph(quads).items():
            for start in range(0, len(triples), CHUNK_TRIPLES[UPDATE]):
                chunk = ox.serialize(triples[start:start + CHUNK_TRIPLES[UPDATE]], format=ox.RdfFormat.N_TRIPLES)
                body, headers = form(update=request(graph, chunk.decode("utf-8")))
                send(http, "POST", url, body=body, headers=headers, retries=RETRIES)
    return Patched(len(deletes), len(adds))


def _by_graph(quads: list[ox.Quad]) -> dict[ox.NamedNode | None, list[ox.Triple]]:
    out = defaultdict(list)
    for quad in quads:
        graph = quad.graph_name if isinstance(quad.graph_name, ox.NamedNode) else None
        out[graph].append(quad.triple)
    return out


def _delete(graph: ox.NamedNode | None, triples: str) -> str:
    return f"DELETE DATA {{ GRAPH {graph} {{\n{triples}}} }}" if graph else f"DELETE DATA {{\n{triples}}}"


def _insert(graph: ox.NamedNode | None, triples: str) -> str:
    return f"INSERT {{ GRAPH {graph} {{\n{triples}}} }} WHERE {{}}" if graph else f"INSERT {{\n{triples}}} WHERE {{}}"
