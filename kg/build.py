"""The build: seeds -> checked records -> RDF -> SHACL -> store, TriG and view, atomically.

`validate` runs every check without writing (SHACL on an in-memory store). `build` reuses the
cached compilation of unchanged files (`kg.cache`), and when a previous build exists it starts
the new store from a hard-link copy of the old one and replaces only the graphs whose input
changed; the result is the same set of quads as a clean build (tested). Either way the new run
folder replaces the previous build only once complete and valid (see `kg.store`).
"""

from __future__ import annotations

import hashlib
import json
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox

from .cache import Cache, Entry
from .checks import Registry, check_outlines, local_problems, outline
from .compile import compile_document, graph_iri, ontology_nquads
from .facts import iter_input_files, load_document
from .ontology import Ontology
from .problems import Problem, ProblemsFound, display_path
from .shapes import Violation, validate_store
from .stats import VIEW_LIMIT, Summary, summarize
from .store import MissingBuild, current_run, new_run
from .vocab import ONTOLOGY_IRI, entity_id_of

Progress = Callable[[Iterable, str], Iterable]


def no_progress(items: Iterable, _label: str) -> Iterable:
    return items


@dataclass(frozen=True)
class Project:
    """Where a project's inputs live (defaults: the repository layout)."""

    root: Path = Path(".")
    seeds: Path | None = None
    build_dir: Path | None = None

    @property
    def seeds_dir(self) -> Path:
        return self.seeds or self.root / "seeds"

    @property
    def out(self) -> Path:
        return self.build_dir or self.root / "build"

    @property
    def ontology_path(self) -> Path:
        return self.root / "ontology" / "kc.ttl"

    @property
    def shapes_path(self) -> Path:
        return self.root / "ontology" / "shapes.ttl"


@dataclass
class Prepared:
    """Every graph of the build, checked and compiled: graph IRI -> entry (key and N-Quads)."""

    graphs: dict[str, Entry]
    registry: Registry
    ontology: Ontology
    files_read: int  # files parsed in this run (the others came from the cache)

    def load_into(self, store: ox.Store, graphs: Iterable[str] | None = None) -> None:
        """Bulk-load the quads of `graphs` (default: all) into `store`, a bounded batch at a time.

        Joining every graph into one string cost gigabytes at 10,000 articles; batches of a few
        megabytes keep memory flat and still give Oxigraph's bulk loader large inputs."""
        batch: list[str] = []
        size = 0
        for graph in self.graphs if graphs is None else graphs:
            text = self.graphs[graph].nquads()
            batch.append(text)
            size += len(text)
            if size > 16 * 2**20:
                store.bulk_load("".join(batch).encode("utf-8"), format=ox.RdfFormat.N_QUADS)
                batch, size = [], 0
        if batch:
            store.bulk_load("".join(batch).encode("utf-8"), format=ox.RdfFormat.N_QUADS)


def prepare(project: Project, cache: Cache | None = None, progress: Progress = no_progress) -> Prepared:
    """Read, check and compile the seeds; raise ProblemsFound on any problem in them."""
    onto = Ontology(project.ontology_path)
    articles = project.seeds_dir / "articles"
    problems: list[Problem] = []
    cached: dict[Path, Entry] = {}
    fresh = {}
    files = iter_input_files(project.seeds_dir)
    if not files:
        raise ProblemsFound([Problem(display_path(project.seeds_dir), 0, "no facts files found: add seeds/facts/*.yaml")])
    for path in progress(files, "reading"):
        entry = cache.lookup(path) if cache else None
        if entry is not None:
            cached[path] = entry
            continue
        try:
            doc = load_document(path, onto, articles)
        except ProblemsFound as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(local_problems(doc, onto))
        fresh[path] = doc
    if problems:
        # cross-file checks without the files that failed would only echo their problems
        raise ProblemsFound(problems)
    outlines = {path: entry.outline for path, entry in cached.items()} | {path: outline(doc) for path, doc in fresh.items()}
    registry = check_outlines(list(outlines.values()), onto)

    for path, entry in list(cached.items()):
        if _coords_used(entry.outline, registry) != entry.coords_used:  # a route place moved
            fresh[path] = load_document(path, onto, articles)
            del cached[path]
    graphs: dict[str, Entry] = {str(ONTOLOGY_IRI): _ontology_entry(onto)}
    owners: dict[str, Path] = {}
    for path, entry in cached.items():
        graphs[entry.graph], owners[entry.graph] = entry, path
    for path, doc in progress(list(fresh.items()), "compiling"):
        graph = graph_iri(doc)
        if graph in owners:
            problems.append(Problem(display_path(path), 0, f"{doc.kind} '{doc.id}' already has its facts in "
                                                           f"{display_path(owners[graph])}: keep one file per {doc.kind}"))
            continue
        owners[graph] = path
        nquads = compile_document(doc, onto, registry.coords)
        coords_used = _coords_used(outlines[path], registry)
        if cache:
            inputs = [path] + [p for p in (doc.text_path, doc.meta_path) if p is not None]
            graphs[graph] = cache.store(path, graph, inputs, outlines[path], coords_used, nquads)
        else:
            graphs[graph] = Entry(hashlib.sha256(nquads.encode()).hexdigest()[:24], graph, {}, outlines[path], coords_used, None, nquads)
    if problems:
        raise ProblemsFound(problems)
    return Prepared(graphs, registry, onto, len(fresh))


def _coords_used(o, registry: Registry) -> dict:
    return {place: list(registry.coords[place]) if place in registry.coords else None for place in sorted(set(o.route_places))}


def _ontology_entry(onto: Ontology) -> Entry:
    text = ontology_nquads(onto)
    return Entry("ontology-" + hashlib.sha256(text.encode()).hexdigest()[:16], str(ONTOLOGY_IRI), {}, None, {}, None, text)


def check_shapes(store: ox.Store, prepared: Prepared, project: Project, focus: set[str] | None = None) -> None:
    """Validate the store against the SHACL shapes (only `focus` nodes, if given)."""
    violations = validate_store(store, project.shapes_path, focus=focus)
    if violations:
        raise ProblemsFound([_locate(v, prepared, project) for v in violations])


def _locate(v: Violation, prepared: Prepared, project: Project) -> Problem:
    """A SHACL violation as a problem at the file (and line) that declared its focus node."""
    detail = ""
    if v.path:
        detail = f" ({v.path.rsplit('#', 1)[-1].rsplit('/', 1)[-1]}" + (f" = {v.value!r}" if v.value is not None else "") + ")"
    message = f"SHACL: <{v.focus}>{detail}: {v.message}"
    entity = entity_id_of(v.focus)
    if entity and entity in prepared.registry.declarations:
        first = prepared.registry.declarations[entity][0]
        return Problem(first.path, first.line, message)
    for graph, entry in prepared.graphs.items():
        if v.focus.startswith(graph + "/") and entry.inputs:
            return Problem(display_path(next(iter(entry.inputs))), 0, message)
    return Problem(display_path(project.shapes_path), 0, message)


def validate(project: Project) -> Prepared:
    """Run every check of a build without writing anything; raise ProblemsFound on problems."""
    prepared = prepare(project)
    store = ox.Store()
    prepared.load_into(store)
    check_shapes(store, prepared, project)
    return prepared


MANIFEST = "manifest.json"


def build(project: Project, view=None, progress: Progress = no_progress) -> Summary:
    """Validate, then write store, TriG (and the view, if a writer is given) as the new build."""
    clock = Timings()
    onto_hash = hashlib.sha256(project.ontology_path.read_bytes()).hexdigest()[:16]
    cache = Cache(project.out / "cache", onto_hash)
    with clock("read, check, compile"):
        prepared = prepare(project, cache, progress)
    manifest = {graph: entry.key for graph, entry in prepared.graphs.items()}
    previous = _previous_build(project.out)
    with new_run(project.out) as run:
        with clock("store"):
            if previous is not None:
                store, focus = _update_from(previous, manifest, prepared, run / "store")
            else:
                store, focus = ox.Store(str(run / "store")), None
                prepared.load_into(store)
        with clock("shacl"):
            if focus is None or focus:
                check_shapes(store, prepared, project, focus=focus)
        with clock("dump"):
            store.flush()
            (run / MANIFEST).write_text(json.dumps(manifest, sort_keys=True, indent=0), encoding="utf-8")
            write_trig(prepared, run / "kg.trig")
        summary = summarize(store, project.out)
        if view is not None and summary.entity_count <= VIEW_LIMIT:
            with clock("view"):
                view(store, run / "graph.html")
        else:
            summary.outputs["view"] = None
        del store  # release the lock before the folder is renamed into place
    cache.save_index()
    summary.files_read, summary.timings = prepared.files_read, clock.seconds
    return summary


class Timings:
    """Wall-clock seconds per build phase, for `kg build --json` and the benchmarks."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, phase: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[phase] = round(time.perf_counter() - start, 3)


def _previous_build(out: Path) -> tuple[Path, dict] | None:
    try:
        run = current_run(out)
        return run, json.loads((run / MANIFEST).read_text(encoding="utf-8"))
    except (MissingBuild, OSError, ValueError):
        return None


def _update_from(previous: tuple[Path, dict], manifest: dict, prepared: Prepared, target: Path) -> tuple[ox.Store, set[str]]:
    """A store equal to a clean build's, made from the previous one by replacing changed graphs;
    returned with the nodes the change touched (the ones SHACL must look at again)."""
    run, old = previous
    changed = sorted(g for g in set(manifest) | set(old) if manifest.get(g) != old.get(g))
    source = ox.Store.read_only(str(run / "store"))
    focus = _touched(source, changed)
    source.backup(str(target))  # hard links: instant, and the old run stays intact
    del source
    store = ox.Store(str(target))
    for graph in changed:
        store.remove_graph(ox.NamedNode(graph))
    prepared.load_into(store, [g for g in changed if g in prepared.graphs])
    return store, focus | _touched(store, changed)


def _touched(store: ox.Store, graphs: list[str]) -> set[str]:
    """The IRIs appearing as subject or object in the given graphs: the nodes whose shapes may change."""
    touched: set[str] = set()
    for graph in graphs:
        for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
            for term in (quad.subject, quad.object):
                if isinstance(term, ox.NamedNode):
                    touched.add(term.value)
    return touched


def write_trig(prepared: Prepared, path: Path) -> None:
    """The dump as TriG, written graph by graph from the compiled N-Quads (no store round trip)."""
    with open(path, "w", encoding="utf-8") as out:
        for graph in sorted(prepared.graphs):
            term = f" <{graph}> .\n"
            out.write(f"<{graph}> {{\n")
            for line in prepared.graphs[graph].nquads().splitlines(keepends=True):
                out.write(line[: -len(term)] + " .\n")
            out.write("}\n")
