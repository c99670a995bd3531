"""One side of a diff: a build, a run folder, or a TriG / N-Quads file, read graph by graph.

A side gives, for each named graph, a token: two graphs with equal tokens are equal, so the diff
never reads them. A run folder's token is its manifest's cache key (a digest of everything the
graph's N-Quads depend on, kg.cache), and its graphs are read from the TriG dump through the
block index the build writes (kg.dump): an unchanged pair of builds is decided from two JSON
files, and a changed graph costs one seek. A file's token is the count and the sum of the hashes
of its quads, taken in one streaming pass (order-free, so a file need not group its graphs).

Triples are handled as text lines ``S P O`` in N-Triples syntax: the dump writes one triple per
line, so comparing graphs is a set difference of strings, with no term objects made for the
millions of triples that did not change.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.build.dump import TRIG_INDEX
from kg.build.pipeline import MANIFEST
from kg.build.rundir import current_run
from kg.problems import UsageError
from kg.project import DUMP, STORE
from kg.vocab import PREFIXES

RDF_TYPE = f"<{PREFIXES['rdf']}type>"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
DEFAULT_GRAPH = ""  # the key of a file's default graph (a build keeps nothing there)
_MASK = (1 << 64) - 1


class BadSide(UsageError):
    """OLD or NEW cannot be read as a build or an RDF file."""


def open_side(path: Path) -> RunSide | FileSide:
    """The build folder (its current run), run folder, or RDF file at `path`."""
    if path.is_dir():
        if (path / "current").exists():
            return run_side(current_run(path))
        return run_side(path)
    if not path.exists():
        raise BadSide(f"{path}: no such build folder or file")
    return FileSide(path)


def run_side(run: Path) -> RunSide | FileSide:
    """A run folder, read through its manifest and dump index (or, lacking them, its dump)."""
    try:
        manifest = json.loads((run / MANIFEST).read_text(encoding="utf-8"))
        index = json.loads((run / TRIG_INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        if (run / DUMP).is_file():
            return FileSide(run / DUMP)  # a run from before the index: read the dump itself
        raise BadSide(f"{run}: not a build folder (no kg.trig, manifest.json or current build in it)") from None
    if not isinstance(manifest, dict) or not isinstance(index, dict) or set(manifest) != set(index):
        raise BadSide(f"{run}: its manifest.json and trig-index.json disagree: build it again")
    return RunSide(run, manifest, index)


@dataclass
class RunSide:
    """A finished build run: manifest (graph -> key), dump index (graph -> byte range), store."""

    run: Path
    tokens: dict[str, str]
    index: dict[str, list[int]]

    seekable = True  # a graph is read alone, through the dump's index

    @property
    def label(self) -> str:
        return str(self.run)

    def block(self, graph: str) -> bytes:
        start, end = self.index[graph]
        with open(self.run / DUMP, "rb") as dump:
            dump.seek(start)
            data = dump.read(end - start)
        if len(data) != end - start:
            raise BadSide(f"{self.run / DUMP}: shorter than its index says: build it again")
        return data

    def lines(self, graphs: list[str]) -> dict[str, list[str]]:
        """Each graph's triple lines, from its block of the dump (`<g> {`, `S P O .` lines, `}`)."""
        out = {}
        for graph in graphs:
            if graph not in self.index:
                out[graph] = []
                continue
            rows = self.block(graph).decode("utf-8").split("\n")
            out[graph] = [row[:-2] for row in rows[1:-2]]
        return out

    def declared(self, entities: set[str]) -> set[str]:
        """Those of `entities` (N-Triples IRIs) typed in some graph of the build, asked of its store."""
        if not entities:
            return set()
        store = ox.Store.read_only(str(self.run / STORE))
        rdf_type = ox.NamedNode(RDF_TYPE[1:-1])
        # one index lookup each (a VALUES query over thousands of them was 3x slower)
        return {e for e in entities if next(store.quads_for_pattern(ox.NamedNode(e[1:-1]), rdf_type, None, None), None)}

    def names(self, entities: set[str]) -> dict[str, str]:
        """An English (else any) label of each entity IRI that has one, from the store."""
        store = ox.Store.read_only(str(self.run / STORE))
        label = ox.NamedNode(RDFS_LABEL)
        out = {}
        for entity in entities:
            labels = {q.object.language: q.object.value for q in store.quads_for_pattern(ox.NamedNode(entity), label, None, None)
                      if isinstance(q.object, ox.Literal)}
            if labels:
                out[entity] = labels.get("en") or labels[sorted(labels, key=str)[0]]
        return out


@dataclass
class FileSide:
    """A TriG, N-Quads or N-Triples file, parsed once.

    The pass that takes the tokens also writes every triple line to a temporary spool file, with
    the byte range of each graph when the file keeps each graph's quads together (a TriG dump,
    `kg export --format nq`): graphs are then read back like a run's, one seek each, and the file
    is never parsed again. Otherwise graphs are read from the spool in batches."""

    path: Path
    _tokens: dict[str, tuple[int, int]] | None = None
    _spool: object = None  # the temporary file of lines, "S P O\n" in UTF-8
    _ranges: dict[str, list[int]] | None = None  # graph -> [start, end) in the spool, if contiguous

    @property
    def label(self) -> str:
        return str(self.path)

    def _format(self) -> ox.RdfFormat:
        fmt = ox.RdfFormat.from_extension(self.path.suffix.lstrip(".")) if self.path.suffix else None
        if fmt is None:
            raise BadSide(f"{self.path}: unknown RDF format: name it .trig, .nq or .nt")
        return fmt

    def _quads(self):
        """(graph, line) for every quad of the file; a syntax error becomes one line naming the file."""
        fmt = self._format()
        try:
            for quad in ox.parse(path=str(self.path), format=fmt):
                graph = quad.graph_name
                yield (graph.value if isinstance(graph, ox.NamedNode) else DEFAULT_GRAPH,
                       f"{quad.subject} {quad.predicate} {quad.object}")
        except SyntaxError as exc:
            raise BadSide(f"{self.path}: not valid {fmt.name}: {exc}") from None
        except UnicodeDecodeError:
            raise BadSide(f"{self.path}: not valid {fmt.name}: not UTF-8 text") from None
        except OSError as exc:
            raise BadSide(f"{self.path}: cannot be read: {exc.strerror or exc}") from None

    @property
    def seekable(self) -> bool:
        """Whether a graph can be read alone (its lines are contiguous in the spool)."""
        self._read()
        return self._ranges is not None

    @property
    def tokens(self) -> dict[str, tuple[int, int]]:
        self._read()
        return self._tokens

    def _read(self) -> None:
        """The one parse: tokens, spool and ranges."""
        if self._tokens is None:
            count: dict[str, int] = {}
            total: dict[str, int] = {}
            ranges: dict[str, list[int]] | None = {}
            spool = tempfile.TemporaryFile()
            position, last = 0, None
            for graph, line in self._quads():
                count[graph] = count.get(graph, 0) + 1
                # hash() is salted per process: fine, tokens are only compared within one run
                total[graph] = (total.get(graph, 0) + hash(line)) & _MASK
                data = (line + "\n").encode("utf-8")
                spool.write(data)
                if ranges is not None and graph != last:
                    if graph in ranges:
                        ranges = None  # the graph comes back later: read in batches, not by range
                    else:
                        ranges[graph] = [position, position]
                    last = graph
                position += len(data)
                if ranges is not None:
                    ranges[graph][1] = position
            self._tokens, self._spool, self._ranges = {g: (count[g], total[g]) for g in count}, spool, ranges

    def _spooled(self, start: int = 0, end: int | None = None) -> list[str]:
        self._spool.seek(start)
        data = self._spool.read() if end is None else self._spool.read(end - start)
        return data.decode("utf-8").split("\n")[:-1]

    def lines(self, graphs: list[str]) -> dict[str, list[str]]:
        self._read()
        if self._ranges is not None:
            return {g: self._spooled(*self._ranges[g]) if g in self._ranges else [] for g in graphs}
        wanted = set(graphs)
        out: dict[str, list[str]] = {g: [] for g in graphs}
        for graph, line in self._quads():
            if graph in wanted:
                out[graph].append(line)
        return out

    def declared(self, entities: set[str]) -> set[str]:
        """Those of `entities` typed in some graph of the file (one pass over the spool)."""
        if not entities:
            return set()
        self._read()
        found = set()
        self._spool.seek(0)
        for row in self._spool:
            subject, _, rest = row.decode("utf-8").partition(" ")
            if subject in entities and rest.startswith(RDF_TYPE):
                found.add(subject)
        return found


def same_graph(old, new, graph: str) -> bool:
    """Whether the graph is equal on both sides, without reading it when the tokens tell."""
    a, b = old.tokens.get(graph), new.tokens.get(graph)
    if a is None or b is None:
        return False
    if a == b:
        return True
    if isinstance(old, RunSide) and isinstance(new, RunSide):
        # another key (new code, another ontology) often compiles to the same triples
        return old.index[graph][1] - old.index[graph][0] == new.index[graph][1] - new.index[graph][0] \
            and old.block(graph) == new.block(graph)
    return False


def comparable(old, new):
    """The two sides in a form whose tokens compare: a run against a file reads the run's dump."""
    if isinstance(old, RunSide) != isinstance(new, RunSide):
        old, new = (FileSide(s.run / DUMP) if isinstance(s, RunSide) else s for s in (old, new))
    return old, new
