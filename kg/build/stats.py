"""Counting what a store holds: quads, graphs, entities per class, articles and sources."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from kg.project import DUMP, STORE, VIEW
from kg.view import VIEW_LIMIT

import pyoxigraph as ox

from kg.vocab import KC

# The classes an entity is declared as, in the order summaries list them; each entity is counted
# once, under its most specific class (a meeting is not counted again as an event).
_CLASSES = ("Organization", "Person", "Post", "Project", "Pipeline", "Road", "Railway", "Facility", "Deposit",
            "Agreement", "Financing", "Event", "Meeting", "Acquisition", "Place", "BorderCrossing")


@dataclass
class Summary:
    quads: int
    graphs: int
    articles: int
    sources: int
    statements: int
    entities: dict[str, int]
    outputs: dict[str, str]
    files_read: int | None = None  # by a build: files parsed (the rest came from its cache)
    files_total: int | None = None  # by a build: input files in all
    timings: dict[str, float] | None = None  # by a build: seconds per phase
    cache_damage: str | None = None  # by a build that found its cache damaged and rebuilt it
    mode: str | None = None  # by a build: "incremental" (changed graphs replaced) or "clean"
    changes: str | None = None  # by a build: what changed since the previous build, in one line

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def entity_count(self) -> int:
        return sum(self.entities.values())

    def counts(self) -> str:
        """What the graph holds, in one line: the same words for `kg build`, `kg validate`, `kg stats`."""
        return (f"{self.quads:,} quads in {plural(self.graphs, 'graph')}: {plural(self.articles, 'article')}, "
                f"{plural(self.sources, 'reference source')}")

    def lines(self) -> list[str]:
        per_class = ", ".join(f"{n} {c}" for c, n in self.entities.items() if n)
        out = [
            self.counts(),
            f"{plural(self.entity_count, 'entity', 'entities')}: {per_class}",
            f"{plural(self.statements, 'statement')} with provenance",
        ]
        if self.files_read is not None:
            out.append(self._files_line())
        if self.changes is not None:
            out.append(f"since the previous build: {self.changes}")
        if self.cache_damage:
            out.append(f"the build cache was damaged ({self.cache_damage}): it was dropped and everything compiled again")
        out += [f"{name}: {path}" for name, path in self.outputs.items() if path]
        if not self.outputs.get("view") and self.entity_count > VIEW_LIMIT:
            out.append(f"view: not written for {self.entity_count:,} entities (over {VIEW_LIMIT:,}): "
                       "use `kg view --focus ENTITY` or `kg view --query FILE.rq`")
        return out

    def _files_line(self) -> str:
        read, total = self.files_read, self.files_total
        if total is None or read == total:
            return f"{plural(read, 'input file')} read and compiled"
        if read == 0:
            return f"all {plural(total, 'input file')} came from the build cache"
        return f"{read:,} of {plural(total, 'input file')} read and compiled; the others came from the build cache"


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 graph`, `10 graphs`, `1 entity`, `53 entities` (with thousands separators)."""
    return f"{count:,} {word if count == 1 else many or word + 's'}"


def _count(store: ox.Store, where: str) -> int:
    rows = list(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}", use_default_graph_as_union=True))
    return int(rows[0]["n"].value)


_STATEMENTS = "SELECT DISTINCT ?s WHERE { ?s a <http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement> }"


@dataclass(frozen=True)
class Totals:
    """The two counts that cost most to take on a large store (0.5 s and 0.2 s at 10,000 articles),
    and that a build can carry over: every quad, and every statement, belongs to one graph (a
    statement's IRI is made from its graph's), so each total is the sum of its graphs' counts."""

    quads: int
    statements: int

    def __add__(self, other: Totals) -> Totals:
        return Totals(self.quads + other.quads, self.statements + other.statements)

    def __sub__(self, other: Totals) -> Totals:
        return Totals(self.quads - other.quads, self.statements - other.statements)


def graph_totals(store: ox.Store, graphs) -> Totals:
    """The totals of some graphs of the store (an incremental build's changed ones)."""
    total = Totals(0, 0)
    for graph in graphs:
        g = f"GRAPH <{graph}>"
        total += Totals(_count(store, f"{g} {{ ?s ?p ?o }}"), _count(store, f"{g} {{ {_STATEMENTS} }}"))
    return total


def summarize(store: ox.Store, build_dir: Path, totals: Totals | None = None) -> Summary:
    """Counts of the store, with the stable output paths of the build directory.

    `totals`, when known (carried over from the previous build), are not counted again. The
    counts run in threads (Oxigraph releases the GIL in queries): ~2x on two cores."""
    kc = str(KC)
    most_specific = ("FILTER NOT EXISTS {{ ?e a ?sub . ?sub <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{c}> "
                     "FILTER (?sub != <{c}>) }}")
    wheres = {c: f"SELECT DISTINCT ?e WHERE {{ ?e a <{kc}{c}> {most_specific.format(c=kc + c)} }}" for c in _CLASSES}
    wheres.update({c: f"SELECT DISTINCT ?e WHERE {{ ?e a <{kc}{c}> }}" for c in ("Article", "Source")})
    if totals is None:
        wheres["Statement"] = _STATEMENTS
    with ThreadPoolExecutor(min(os.cpu_count() or 1, 4)) as pool:
        counts = dict(zip(wheres, pool.map(lambda where: _count(store, where), wheres.values())))
    if totals is None:
        totals = Totals(len(store), counts["Statement"])
    return Summary(
        quads=totals.quads,
        graphs=sum(1 for _ in store.named_graphs()),
        articles=counts["Article"],
        sources=counts["Source"],
        statements=totals.statements,
        entities={c: counts[c] for c in _CLASSES},
        outputs={"store": str(build_dir / STORE), "dump": str(build_dir / DUMP), "view": str(build_dir / VIEW)},
    )
