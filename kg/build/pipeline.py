"""The build: seeds -> checked records -> RDF -> SHACL -> store, TriG and view, atomically.

`validate` runs every check without writing (SHACL on an in-memory store). `build` reuses the
cached compilation of unchanged files (`kg.build.cache`), and when a previous build exists it starts
the new store from a hard-link copy of the old one and replaces only the graphs whose input
changed; the result is the same set of quads as a clean build (tested). Either way the new run
folder replaces the previous build only once complete and valid (see `kg.build.rundir`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox

from kg.build.cache import Cache, CacheDamaged, Entry, compiled_entry, document_inputs
from kg.seeds.checks import Registry, check_outlines, outline, types_digest
from kg.build.compile import compile_document, graph_iri, ontology_nquads
from kg.build.dump import write_trig
from kg.build.loader import BatchLoader
from kg.seeds.facts import iter_input_files, load_document
from kg.ontology import Ontology
from kg.problems import Problem, ProblemsFound, display_path
from kg.project import DUMP, STORE, VIEW, Project
from kg.build.shapes import Violation, validate_store
from kg.view import VIEW_LIMIT
from kg.build.stats import Summary, Totals, graph_totals, summarize
from kg.build.workers import Context, Read, read_files
from kg.build.rundir import MissingBuild, build_lock, current_run, new_run
from kg.vocab import ONTOLOGY_IRI, entity_id_of

Progress = Callable[[Iterable, str], Iterable]


def no_progress(items: Iterable, _label: str) -> Iterable:
    return items


@dataclass
class Prepared:
    """Every graph of the build, checked and compiled: graph IRI -> entry (key and N-Quads)."""

    graphs: dict[str, Entry]
    registry: Registry
    ontology: Ontology
    files_read: int  # files parsed in this run (the others came from the cache)
    files_total: int  # input files in all
    owners: dict[str, Path]  # graph IRI -> the facts or reference file it comes from

    def load_into(self, store: ox.Store, graphs: Iterable[str] | None = None, scratch: Path | None = None) -> None:
        """Bulk-load the quads of `graphs` (default: all) into `store`, a bounded batch at a time."""
        with BatchLoader(store, scratch) as loader:
            for graph in self.graphs if graphs is None else graphs:
                loader.add(self.graphs[graph])


def prepare(project: Project, cache: Cache | None = None, progress: Progress = no_progress) -> Prepared:
    """Read, check and compile the seeds; raise ProblemsFound on any problem in them."""
    onto = Ontology(project.ontology_path)
    articles = project.seeds_dir / "articles"
    problems: list[Problem] = []
    cached: dict[Path, Entry] = {}
    files = iter_input_files(project.seeds_dir)
    if not files:
        raise ProblemsFound([Problem(display_path(project.seeds_dir), 0, "no facts files found: add seeds/facts/*.yaml")])
    to_read = []
    for path in files:
        entry = cache.lookup(path) if cache else None
        if entry is not None:
            cached[path] = entry
        else:
            to_read.append(path)
    context = Context(onto, articles, cache.folder if cache else None, cache.salt if cache else "")
    fresh: dict[Path, Read] = {}
    for read in progress(read_files(to_read, context), "reading"):
        problems.extend(read.problems)
        if not read.problems:
            fresh[read.path] = read
    if problems:
        # cross-file checks without the files that failed would only echo their problems
        raise ProblemsFound(problems)
    registry = _check_across(cached, fresh, onto, cache)

    cached_before = set(cached)
    for path, entry in list(cached.items()):
        if _coords_used(entry.outline, registry) != entry.coords_used:  # a route place moved
            fresh[path] = Read(path, [], entry.outline, entry.graph)  # entry=None: compiled below
            del cached[path]
    graphs: dict[str, Entry] = {str(ONTOLOGY_IRI): _ontology_entry(onto)}
    owners: dict[str, Path] = {}
    for path, entry in cached.items():
        graphs[entry.graph], owners[entry.graph] = entry, path
    # files read afresh in file order, then the ones re-read for moved coordinates, as before: the
    # one-file-per-document message names the file that came first
    stale = [path for path in fresh if path in cached_before]
    for path in [p for p in files if p in fresh and p not in cached_before] + stale:
        read = fresh[path]
        if read.graph in owners:
            what = read.what or f"'{read.graph}'"
            problems.append(Problem(display_path(path), 0, f"{what} already has its facts in {display_path(owners[read.graph])}: "
                                                           f"keep one file per {what.split(' ', 1)[0]}"))
            continue
        owners[read.graph] = path
        entry = read.entry or _compile_with_coords(path, onto, articles, registry, cache)
        if cache and read.entry is not None:
            cache.record(path, entry)
        graphs[read.graph] = entry
    if problems:
        raise ProblemsFound(problems)
    return Prepared(graphs, registry, onto, len(fresh), len(files), owners)


def _check_across(cached: dict[Path, Entry], fresh: dict[Path, Read], onto: Ontology, cache: Cache | None) -> Registry:
    """The cross-file checks. The references of unchanged files are checked again only when some
    entity's type differs from the last successful build's (reading them is most of the work)."""
    outlines = [entry.outline for entry in cached.values()] + [r.outline for r in fresh.values()]
    if cached and cache is not None and cache.types_digest is not None:
        try:
            registry = check_outlines(outlines, onto, references_of=[r.outline for r in fresh.values()])
            if types_digest(registry) == cache.types_digest:
                return registry
        except ProblemsFound:
            pass  # checked again in full below, to report every problem
    for entry in cached.values():
        Cache.load_references(entry)
    return check_outlines(outlines, onto)


def _compile_with_coords(path: Path, onto: Ontology, articles: Path, registry: Registry, cache: Cache | None) -> Entry:
    """Compile a document whose route geometry needs the coordinates of places declared elsewhere."""
    doc = load_document(path, onto, articles)
    nquads = compile_document(doc, onto, registry.coords)
    o = outline(doc)
    coords_used = _coords_used(o, registry)
    if cache:
        return cache.store(path, graph_iri(doc), document_inputs(path, doc), o, coords_used, nquads)
    return compiled_entry(None, "", graph_iri(doc), [], o, coords_used, nquads)


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
    for graph, path in prepared.owners.items():
        if v.focus.startswith(graph + "/"):  # a statement or quantity node of that graph
            return Problem(display_path(path), 0, message)
    return Problem(display_path(project.shapes_path), 0, message)


def validate(project: Project) -> Summary:
    """Run every check of a build without writing anything; raise ProblemsFound on problems.

    Returns what the build would hold, counted as `kg build` counts it."""
    prepared = prepare(project)
    store = ox.Store()
    prepared.load_into(store)
    check_shapes(store, prepared, project)
    return summarize(store, project.out)


# Above this many nodes touched by a change, an incremental build checks the whole store: a node
# checked by name costs ~15 ms, the whole store of 10,000 articles ~18 s (benchmarks/RESULTS.md);
# a facts file of 20,000 entities with a comment appended took 307 s of focus checks.
FOCUS_LIMIT = 1_000
MANIFEST = "manifest.json"
TOTALS = "totals.json"  # the quad and statement counts of the run, carried over by the next build


def build(project: Project, view=None, progress: Progress = no_progress, say: Callable[[str], None] = lambda _: None) -> Summary:
    """Validate, then write store, TriG (and the view, if a writer is given) as the new build.

    Builds run one at a time per build folder (a second waits for the first). A cache file
    changed behind the build's back is never trusted: the cache is dropped and the build made
    again from the seeds, which the summary says."""
    with build_lock(project.out, say):
        try:
            return _build(project, view, progress)
        except CacheDamaged as exc:
            shutil.rmtree(project.out / "cache", ignore_errors=True)
            summary = _build(project, view, progress)
            summary.cache_damage = str(exc)
            return summary


def _build(project: Project, view, progress: Progress) -> Summary:
    clock = Timings()
    onto_hash = hashlib.sha256(project.ontology_path.read_bytes()).hexdigest()[:16]
    cache = Cache(project.out / "cache", onto_hash)
    with clock("read, check, compile"):
        prepared = prepare(project, cache, progress)
    manifest = {graph: entry.key for graph, entry in prepared.graphs.items()}
    previous = last = _previous_build(project.out)
    changed = _changed_graphs(previous[1], manifest) if previous is not None else set(manifest)
    rekeyed = changed  # the graphs whose inputs changed since the last build, whatever the way of building
    if previous is not None and _mostly_changed(changed, previous[1], manifest, prepared):
        previous, changed = None, set(manifest)
    with new_run(project.out) as run:
        with clock("store"):
            if previous is not None:
                store, focus, totals = _update_from(previous[0], sorted(changed), prepared, run)
            else:
                store, focus, totals = ox.Store(str(run / STORE)), None, None
                prepared.load_into(store, scratch=run)
        with clock("shacl"):
            if focus is not None and len(focus) > FOCUS_LIMIT:
                focus = None  # checking so many nodes one by one is slower than checking the whole store
            if focus is None or focus:
                check_shapes(store, prepared, project, focus=focus)
        with clock("dump"):
            store.flush()
            (run / MANIFEST).write_text(json.dumps(manifest, sort_keys=True, indent=0), encoding="utf-8")
            write_trig(manifest, lambda g: prepared.graphs[g].nquads(), run / DUMP,
                       previous[0] if previous is not None else None, set(manifest) - changed)
        with clock("summary"):
            summary = summarize(store, project.out, totals)
            if last is not None:
                from kg.report.diffout import since_previous  # here: kg.report reads what this module writes

                summary.changes = since_previous(last[0], run, rekeyed)
            (run / TOTALS).write_text(json.dumps({"quads": summary.quads, "statements": summary.statements}),
                                      encoding="utf-8")
        if view is not None and summary.entity_count <= VIEW_LIMIT:
            with clock("view"):
                view(store, run / VIEW)
        else:
            summary.outputs["view"] = None
        del store  # release the lock before the folder is renamed into place
    cache.save_index(types_digest(prepared.registry))
    summary.files_read, summary.files_total, summary.timings = prepared.files_read, prepared.files_total, clock.seconds
    summary.mode = "clean" if previous is None else "incremental"
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


def _update_from(run: Path, changed: list[str], prepared: Prepared,
                 new: Path) -> tuple[ox.Store, set[str], Totals | None]:
    """A store equal to a clean build's, made from the previous `run`'s by replacing the `changed`
    graphs; returned with the nodes the change touched (the ones SHACL must look at again) and its
    totals (the previous ones with the changed graphs' difference; None if unknown)."""
    source = ox.Store.read_only(str(run / STORE))
    focus = _touched(source, changed)
    totals = _previous_totals(run)
    if totals is not None:
        totals -= graph_totals(source, changed)
    source.backup(str(new / STORE))  # hard links: instant, and the old run stays intact
    del source
    store = ox.Store(str(new / STORE))
    for graph in changed:
        store.remove_graph(ox.NamedNode(graph))
    prepared.load_into(store, [g for g in changed if g in prepared.graphs], scratch=new)
    if totals is not None:
        totals += graph_totals(store, changed)
    return store, focus | _touched(store, changed), totals


def _changed_graphs(old: dict, manifest: dict) -> set[str]:
    """The graphs added, removed or with another key since the previous build's manifest."""
    return {g for g in set(manifest) | set(old) if manifest.get(g) != old.get(g)}


def _mostly_changed(changed: set[str], old: dict, manifest: dict, prepared: Prepared) -> bool:
    """Whether most of the build differs from the previous one, by graphs or by size.

    New code or ontology changes every entry's key; replacing the graphs one by one and checking
    each touched node by name is then far slower than a clean build (at 10,000 articles the focus
    checks did not finish in 10 minutes). Likewise when one large graph changes: removing a graph
    of 460,000 quads from the store took 14 s and scanning it twice 8 s, against 7 s to load
    the whole store afresh."""
    if len(changed) > max(len(manifest), len(old)) // 4:
        return True
    sizes = {g: entry.size() for g, entry in prepared.graphs.items()}
    return sum(sizes.get(g, 0) for g in changed) > sum(sizes.values()) // 4


def _previous_totals(run: Path) -> Totals | None:
    try:
        counts = json.loads((run / TOTALS).read_text(encoding="utf-8"))
        return Totals(int(counts["quads"]), int(counts["statements"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a build from before totals were kept: counted afresh


def _touched(store: ox.Store, graphs: list[str]) -> set[str]:
    """The IRIs appearing as subject or object in the given graphs: the nodes whose shapes may change."""
    touched: set[str] = set()
    for graph in graphs:
        for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
            for term in (quad.subject, quad.object):
                if isinstance(term, ox.NamedNode):
                    touched.add(term.value)
    return touched
