"""The build cache: each document's outline and compiled N-Quads, reused while its inputs stand.

An entry is keyed by what went into it: the content hashes of the facts file and of the article
text and metadata it read, the ontology, and the version of the code that compiles (a hash of
those modules' source). The coordinates of the places on its routes come from other files, so
an entry records the ones it used and is stale when they change.

Layout of ``build/cache/``: per entry ``KEY.nq`` (its N-Quads) and ``KEY.refs.json`` (the references
of its outline), written atomically by whichever process compiled it; and one ``index.json``
describing every entry (inputs, declarations, route places, coordinates used) with a digest of
the entity types of the last successful build. A single index is what makes a 10,000-file
rebuild cheap (it used to be one JSON file per entry, and reading 10,000 of them was most of an
incremental build); references, three quarters of an outline, are read only when some entity's
type changed (see `kg.seeds.checks.check_outlines`). A killed build leaves at worst unused entry or
temp files, removed by the next successful build.

Whether an input is unchanged is decided by its content hash; hashing the 30,000 inputs of a
10,000-article corpus took 1.9 s of a 5.7 s incremental build, so, as git and make do, a file
whose size and modification time are those recorded when it was hashed is taken as unchanged
without reading it. A file whose recorded modification time is less than two seconds before the
index was written is hashed anyway (it may have changed again within the clock's resolution:
git's "racily clean" entries). The one edit this cannot see is one that keeps the size and sets the modification
time back to the recorded one (`touch -d`); deleting `build/cache/` rebuilds from scratch.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from kg.seeds.checks import Outline, Reference, declarations_from_json, references_from_json

# the modules whose code decides what a compiled entry holds, relative to the kg package
_COMPILING_MODULES = ("seeds/facts.py", "seeds/checks.py", "seeds/quotes.py", "seeds/yamlfile.py", "build/compile.py",
                      "build/cache.py", "build/workers.py", "ontology.py", "vocab.py")


def _code_version() -> str:
    here = Path(__file__).parent.parent
    digest = hashlib.sha256()
    for name in _COMPILING_MODULES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


CODE_VERSION = _code_version()


def file_hash(path: str | Path) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def file_state(path: str | Path) -> list[int]:
    """Size and modification time (ns): taken before the file is hashed, so a change made while
    it is read shows as a different state next time."""
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns]


def hashed_inputs(paths: list[Path]) -> tuple[dict[str, str], dict[str, list[int]]]:
    """The content hash and the state of each input."""
    states = {str(p): file_state(p) for p in paths}
    return {str(p): file_hash(p) for p in paths}, states


@dataclass
class Entry:
    """A cached document: the files it was made from, its outline and where its N-Quads are."""

    key: str
    graph: str
    inputs: dict[str, str]  # path -> sha256
    outline: Outline
    coords_used: dict[str, list[str] | None]
    # paths as str or Path: a cached entry keeps the str (making 20,000 Path objects was 0.3 s
    # of a 10,000-article incremental build, which reads two of these files)
    nquads_path: str | Path | None
    text: str | None = None  # held in memory when there is no cache folder
    references_path: str | Path | None = None  # where the outline's references are, when not loaded
    states: dict[str, list[int]] = field(default_factory=dict)  # path -> [size, mtime_ns] when hashed
    digest: str | None = None  # of the N-Quads file, checked whenever it is read

    def data(self) -> bytes:
        """The N-Quads as UTF-8 bytes; CacheDamaged if the cached file is not what was written."""
        if self.text is not None:
            return self.text.encode("utf-8")
        try:
            with open(self.nquads_path, "rb") as f:
                data = f.read()
        except OSError as exc:
            raise CacheDamaged(f"{self.nquads_path}: {exc.strerror}") from None
        if self.digest is None or nquads_digest(data) != self.digest:
            raise CacheDamaged(f"{self.nquads_path} is not the file the build wrote")
        return data

    def size(self) -> int:
        """Bytes of N-Quads (without reading a cached file)."""
        if self.text is not None:
            return len(self.text)
        try:
            return os.path.getsize(self.nquads_path)
        except OSError:
            return 0

    def nquads(self) -> str:
        return self.text if self.text is not None else self.data().decode("utf-8")


class CacheDamaged(Exception):
    """A cached file was changed or lost behind the build's back: the cache is rebuilt, not trusted."""


def nquads_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def entry_key(salt: str, hashes: dict[str, str], coords_used: dict) -> str:
    """The key of an entry: a digest of everything its N-Quads depend on."""
    return hashlib.sha256(json.dumps([salt, hashes, coords_used], sort_keys=True).encode()).hexdigest()[:24]


def document_inputs(facts_path: Path, doc) -> list[Path]:
    """The files a document's N-Quads are made from: its facts file, and its article's text and metadata."""
    return [facts_path] + [p for p in (doc.text_path, doc.meta_path) if p is not None]


def compiled_entry(folder: Path | None, salt: str, graph: str, inputs: list[Path], outline: Outline,
                   coords_used: dict, nquads: str) -> Entry:
    """The entry of freshly compiled N-Quads: written into the cache `folder` (from any process),
    or held in memory when there is none (`kg validate`)."""
    if folder is None:
        return Entry(hashlib.sha256(nquads.encode()).hexdigest()[:24], graph, {}, outline, coords_used, None, nquads)
    hashes, states = hashed_inputs(inputs)
    key = entry_key(salt, hashes, coords_used)
    return Entry(key, graph, hashes, outline, coords_used, write_entry(folder, key, nquads, outline), states=states,
                 digest=nquads_digest(nquads.encode("utf-8")))


def write_entry(folder: Path, key: str, nquads: str, outline: Outline) -> Path:
    """Write an entry's N-Quads and references (atomically: safe from any process, and against a kill)."""
    _atomic_write(folder / f"{key}.refs.json", json.dumps([r.__dict__ for r in outline.references]))
    path = folder / f"{key}.nq"
    _atomic_write(path, nquads)
    return path


class Cache:
    """Entries under one folder, looked up by the facts file they came from."""

    def __init__(self, folder: Path, ontology_hash: str):
        self.folder = folder
        self._folder = str(folder)
        self.salt = f"{CODE_VERSION}|{ontology_hash}"
        self._index_path = folder / "index.json"
        try:
            index = json.loads(self._index_path.read_text(encoding="utf-8"))
            if index.get("salt") != self.salt:  # other code or ontology, or an older layout
                index = {}
        except (OSError, ValueError, AttributeError):
            index = {}
        self._index: dict[str, dict] = index.get("entries", {})
        self.types_digest: str | None = index.get("types")  # of the last successful build
        # states recorded before this moment are trusted (see the module docstring)
        self._trusted_before: int = index.get("written", 0) - 2_000_000_000

    def _unchanged(self, path: str, digest: str, meta: dict) -> bool:
        states = meta.setdefault("states", {})
        state, now = states.get(path), file_state(path)
        if state is not None and state[1] < self._trusted_before and now == state:
            return True
        if file_hash(path) != digest:
            return False
        states[path] = now  # same content (touched, or recorded too recently): next time, no need to read it
        return True

    def lookup(self, facts_path: Path) -> Entry | None:
        """The entry of a facts file if every input it was made from is unchanged."""
        meta = self._index.get(str(facts_path))
        if meta is None:
            return None
        try:
            for path, digest in meta["inputs"].items():
                if not self._unchanged(path, digest, meta):
                    return None
            nquads_path = os.path.join(self._folder, meta["key"] + ".nq")
            if not os.path.isfile(nquads_path):
                return None
            outline = Outline(declarations_from_json(meta["declarations"]), [], meta["route_places"])
            return Entry(meta["key"], meta["graph"], meta["inputs"], outline, meta["coords_used"], nquads_path,
                         references_path=os.path.join(self._folder, meta["key"] + ".refs.json"), states=meta.get("states", {}),
                         digest=meta["digest"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(self, facts_path: Path, graph: str, inputs: list[Path], outline: Outline,
              coords_used: dict, nquads: str) -> Entry:
        """Write an entry for a freshly compiled document."""
        self.folder.mkdir(parents=True, exist_ok=True)
        entry = compiled_entry(self.folder, self.salt, graph, inputs, outline, coords_used, nquads)
        self.record(facts_path, entry)
        return entry

    def record(self, facts_path: Path, entry: Entry) -> None:
        """Remember an entry whose N-Quads are already written (by a worker process)."""
        o = entry.outline
        self._index[str(facts_path)] = {"key": entry.key, "graph": entry.graph, "inputs": entry.inputs,
                                        "declarations": [d.__dict__ for d in o.declarations],
                                        "route_places": o.route_places, "coords_used": entry.coords_used,
                                        "states": entry.states, "digest": entry.digest}

    @staticmethod
    def load_references(entry: Entry) -> None:
        """Read the references of a cached entry's outline (only needed when entity types changed)."""
        if entry.references_path is not None:
            try:
                with open(entry.references_path, encoding="utf-8") as f:
                    refs: list[Reference] = references_from_json(json.load(f))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise CacheDamaged(f"{entry.references_path}: {exc}") from None
            entry.outline.references = refs
            entry.references_path = None

    def save_index(self, types_digest: str) -> None:
        """Record the current entries, valid for `types_digest`, and delete the ones no file uses any more."""
        self.folder.mkdir(parents=True, exist_ok=True)
        written = time.time_ns()
        _atomic_write(self._index_path, json.dumps({"salt": self.salt, "types": types_digest, "written": written,
                                                    "entries": self._index}))
        live = {meta["key"] for meta in self._index.values()}
        for path in self.folder.iterdir():
            # .json alone: per-entry files of the older layout
            if path.suffix in (".nq", ".json") and path.name != "index.json" and path.name.split(".")[0] not in live:
                path.unlink(missing_ok=True)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
