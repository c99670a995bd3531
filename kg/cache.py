"""The build cache: each document's outline and compiled N-Quads, reused while its inputs stand.

An entry is keyed by what went into it: the content hashes of the facts file and of the article
text and metadata it read, the ontology, and the version of the code that compiles (a hash of
those modules' source). The coordinates of the places on its routes come from other files, so
an entry records the ones it used and is stale when they change. Entries are written atomically
(temp file + rename) into ``build/cache/``: a killed build leaves at worst an unused temp file.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .checks import Outline

_COMPILING_MODULES = ("facts.py", "compile.py", "checks.py", "ontology.py", "vocab.py", "quotes.py", "yamlfile.py", "cache.py")


def _code_version() -> str:
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in _COMPILING_MODULES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


CODE_VERSION = _code_version()


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Entry:
    """A cached document: the files it was made from, its outline and where its N-Quads are."""

    key: str
    graph: str
    inputs: dict[str, str]  # path -> sha256
    outline: Outline
    coords_used: dict[str, list[str] | None]
    nquads_path: Path | None
    text: str | None = None  # held in memory when there is no cache folder

    def nquads(self) -> str:
        return self.text if self.text is not None else self.nquads_path.read_text(encoding="utf-8")


class Cache:
    """Entries under one folder, looked up by the facts file they came from."""

    def __init__(self, folder: Path, ontology_hash: str):
        self.folder = folder
        self.salt = f"{CODE_VERSION}|{ontology_hash}"
        self._index_path = folder / "index.json"
        try:
            self._index: dict[str, str] = json.loads(self._index_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self._index = {}

    def lookup(self, facts_path: Path) -> Entry | None:
        """The entry of a facts file if every input it was made from is unchanged."""
        key = self._index.get(str(facts_path))
        if key is None:
            return None
        try:
            meta = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            if meta["salt"] != self.salt:
                return None
            for path, digest in meta["inputs"].items():
                if file_hash(Path(path)) != digest:
                    return None
        except (OSError, ValueError, KeyError):
            return None
        return Entry(key, meta["graph"], meta["inputs"], Outline.from_json(meta["outline"]), meta["coords_used"],
                     self.folder / f"{key}.nq")

    def store(self, facts_path: Path, graph: str, inputs: list[Path], outline: Outline,
              coords_used: dict, nquads: str) -> Entry:
        """Write an entry for a freshly compiled document."""
        hashes = {str(p): file_hash(p) for p in inputs}
        key = hashlib.sha256(json.dumps([self.salt, hashes, coords_used], sort_keys=True).encode()).hexdigest()[:24]
        self.folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.folder / f"{key}.nq", nquads)
        meta = {"salt": self.salt, "graph": graph, "inputs": hashes, "outline": outline.to_json(), "coords_used": coords_used}
        _atomic_write(self.folder / f"{key}.json", json.dumps(meta))
        self._index[str(facts_path)] = key
        return Entry(key, graph, hashes, outline, coords_used, self.folder / f"{key}.nq")

    def save_index(self) -> None:
        """Record the current entries and delete the ones no file uses any more."""
        self.folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(self._index_path, json.dumps(self._index, sort_keys=True))
        live = set(self._index.values())
        for path in self.folder.iterdir():
            if path.suffix in (".nq", ".json") and path.name != "index.json" and path.stem not in live:
                path.unlink(missing_ok=True)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
