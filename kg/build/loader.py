"""Bulk-loading compiled graphs into an Oxigraph store, a bounded batch at a time.

Each batch is copied into one scratch file that Oxigraph's bulk loader reads itself: one large
load is ~2x faster than 16 MB in-memory batches (many small RocksDB ingestions), and reading from
a path keeps the text out of Python. The loader's memory grows with its input (~4x the file),
hence batches rather than one file: ~160 MB keeps a 10,000-article load under 1 GB.

The N-Quads are loaded with `lenient=True` (no IRI re-validation; 10,000 articles load in 30.6 s
instead of 33.9 s): they are written by `kg.build.compile` alone, whose IRIs are vocabulary constants
or built from ids checked against `facts.ID_PATTERN`, and whose literals are escaped by
`compile.literal`. Loading while the compile workers run was tried and gave nothing: both are
CPU-bound on two cores, and side by side they cost 30% more CPU (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pyoxigraph as ox

from kg.build.cache import Entry

LOAD_BATCH = 160 * 2**20


class BatchLoader:
    """Collects entries into scratch files of about LOAD_BATCH bytes and bulk-loads each one.

    Use as a context manager: leaving it normally loads what is left; leaving it on an exception
    only removes the scratch file."""

    def __init__(self, store: ox.Store, scratch: Path | None = None):
        self.store = store
        self._file = tempfile.NamedTemporaryFile("wb", dir=scratch or tempfile.gettempdir(), prefix=".load-",
                                                 suffix=".nq")
        self._size = 0

    def add(self, entry: Entry) -> None:
        """Add one graph's N-Quads; load the batch once it is large enough."""
        data = entry.data()  # already UTF-8 for a cached entry: no decoding round trip
        self._file.write(data)
        self._size += len(data)
        if self._size > LOAD_BATCH:
            self._load()

    def _load(self) -> None:
        self._file.flush()
        self.store.bulk_load(path=self._file.name, format=ox.RdfFormat.N_QUADS, lenient=True)
        self._file.seek(0)
        self._file.truncate()
        self._size = 0

    def __enter__(self) -> BatchLoader:
        return self

    def __exit__(self, kind, _value, _traceback) -> None:
        try:
            if kind is None and self._size:
                self._load()
        finally:
            self._file.close()  # deletes it
