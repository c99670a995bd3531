"""Incremental builds re-read only what changed and give exactly the quads of a clean build."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.build import pipeline as kg_build
from kg.build import cache
from kg.build import loader
from kg.seeds.facts import iter_input_files
from kg.build.pipeline import build
from kg.project import Project
from kg.build.rundir import open_store
from testkit import SEEDS

FACTS = "facts/000_617ef15b8252d5c0.yaml"


def quads(build_dir) -> set[str]:
    return {str(q) for q in open_store(build_dir).quads_for_pattern(None, None, None, None)}


def trig_quads(build_dir) -> set[str]:
    store = ox.Store()
    store.load(path=str(build_dir / "kg.trig"), format=ox.RdfFormat.TRIG)
    return {str(q) for q in store.quads_for_pattern(None, None, None, None)}


def clean_build(repo, seeds, tmp_path) -> set[str]:
    return clean_build_and_summary(repo, seeds, tmp_path)[0]


def clean_build_and_summary(repo, seeds, tmp_path):
    out = tmp_path / "clean"
    summary = build(Project(root=repo, seeds=seeds, build_dir=out))
    return quads(out), summary


def counts(summary) -> dict:
    return {k: v for k, v in summary.as_dict().items() if k not in ("outputs", "files_read", "timings", "mode", "changes")}


@pytest.mark.parametrize("edit", ["value", "coordinates", "removed file", "new file"])
def test_incremental_build_equals_clean_build(edit, repo, seeds_copy, tmp_path):
    out = tmp_path / "incremental"
    first = build(Project(root=repo, seeds=seeds_copy, build_dir=out))
    assert first.files_read == len(iter_input_files(seeds_copy))
    before = quads(out)

    if edit == "value":
        path = seeds_copy / FACTS
        path.write_text(path.read_text(encoding="utf-8").replace("value: 1979,", "value: 1978,"), encoding="utf-8")
        expected_reads = 1
    elif edit == "coordinates":
        # Shymkent is on the route of a pipeline declared in another file: that file's entry is stale too
        path = seeds_copy / "reference" / "wd.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("coords: [42.317, 69.596]", "coords: [42.3, 69.6]"),
                        encoding="utf-8")
        expected_reads = 2
    elif edit == "removed file":
        (seeds_copy / "reference" / "kcp.yaml").unlink()
        expected_reads = 0
    else:
        (seeds_copy / "reference" / "extra.yaml").write_text(
            "source: {id: EXTRA, title: Extra source, url: 'https://example.org/extra'}\n"
            "statements:\n  - {subject: citic, property: sector, value: telecommunications}\n", encoding="utf-8")
        expected_reads = 1

    second = build(Project(root=repo, seeds=seeds_copy, build_dir=out))
    assert second.files_read == expected_reads
    after = quads(out)
    assert after != before
    clean_quads, clean_summary = clean_build_and_summary(repo, seeds_copy, tmp_path)
    assert after == clean_quads
    assert trig_quads(out) == after
    # the quad and statement totals carried over from the first build are the ones counted afresh
    assert second.quads == len(after)
    assert counts(second) == counts(clean_summary)


def test_unchanged_rebuild_reads_nothing_and_changes_nothing(repo, seeds_copy, tmp_path):
    out = tmp_path / "b"
    build(Project(root=repo, seeds=seeds_copy, build_dir=out))
    before = quads(out)
    again = build(Project(root=repo, seeds=seeds_copy, build_dir=out))
    assert again.files_read == 0
    assert quads(out) == before


def test_incremental_build_still_runs_shacl_on_what_changed(repo, seeds_copy, tmp_path):
    from kg.problems import ProblemsFound

    out = tmp_path / "b"
    build(Project(root=repo, seeds=seeds_copy, build_dir=out))
    before = quads(out)
    ref = seeds_copy / "reference" / "ref.yaml"
    ref.write_text(ref.read_text(encoding="utf-8").replace("value: 2024-07-04}", "value: 2024-06-30}"), encoding="utf-8")
    with pytest.raises(ProblemsFound, match="before it starts"):
        build(Project(root=repo, seeds=seeds_copy, build_dir=out))
    assert quads(out) == before


def age(folder, seconds: float) -> None:
    """Set every file's modification time `seconds` in the past (as if edited long ago)."""
    when = time.time() - seconds
    for path in folder.rglob("*"):
        if path.is_file():
            os.utime(path, (when, when))


def test_files_older_than_the_cache_index_are_not_read_again(repo, seeds_copy, tmp_path, monkeypatch):
    out = tmp_path / "build"
    age(seeds_copy, 3600)
    build(Project(root=repo, seeds=seeds_copy, build_dir=out))
    hashed = []
    real_hash = cache.file_hash
    monkeypatch.setattr(cache, "file_hash", lambda path: hashed.append(path) or real_hash(path))

    build(Project(root=repo, seeds=seeds_copy, build_dir=out))
    assert hashed == []  # size and modification time as recorded, long before the index: trusted

    path = seeds_copy / FACTS
    path.write_text(path.read_text(encoding="utf-8").replace("value: 1979,", "value: 1978,"), encoding="utf-8")
    second = build(Project(root=repo, seeds=seeds_copy, build_dir=out))
    # only the edited file and the article it belongs to are read (hashed, then recompiled)
    assert second.files_read == 1
    assert {f"{Path(p).parent.name}/{Path(p).name}" for p in hashed} == {
        "facts/000_617ef15b8252d5c0.yaml", "articles/000_617ef15b8252d5c0.txt", "articles/000_617ef15b8252d5c0.yaml"}
    assert '"1978"' in str(quads(out))


def test_an_edit_within_the_clock_resolution_of_the_index_is_still_seen(repo, seeds_copy, tmp_path):
    # git's "racily clean" case: same size, and the modification time the cache recorded
    out = tmp_path / "build"
    age(seeds_copy, -60)  # edited "now": not before the index is written (-60 s: whatever the build takes)
    build(Project(root=repo, seeds=seeds_copy, build_dir=out))
    path = seeds_copy / FACTS
    stat = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("value: 1979,", "value: 1978,"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    second = build(Project(root=repo, seeds=seeds_copy, build_dir=out))
    assert second.files_read == 1
    assert '"1978"' in str(quads(out))


def test_a_build_loaded_in_many_batches_has_the_same_quads(repo, seed_build, tmp_path, monkeypatch):
    """kg.build.loader's batching (a scratch file per ~160 MB at scale) loses and repeats nothing: with a
    batch per graph the seed build has exactly the quads of the one-batch build, and no scratch file
    is left in the run."""
    monkeypatch.setattr(loader, "LOAD_BATCH", 1)
    out = tmp_path / "batched"
    build(Project(root=repo, seeds=SEEDS, build_dir=out))
    assert quads(out) == quads(seed_build)
    assert not list((out / "current").glob(".load-*"))


def test_a_build_where_most_graphs_changed_is_made_like_a_clean_one(repo, seeds_copy, tmp_path, monkeypatch):
    """New code or a new ontology changes every entry's key. Replacing every graph one by one and
    SHACL-checking every node by name did not finish in 10 minutes at 10,000 articles; such a build
    is made as a clean one (whole-store checks), with the same quads."""
    out = tmp_path / "b"
    build(Project(root=repo, seeds=seeds_copy, build_dir=out))
    focuses = []
    real = kg_build.check_shapes
    monkeypatch.setattr(kg_build, "check_shapes", lambda *a, focus=None: focuses.append(focus) or real(*a, focus=focus))
    monkeypatch.setattr(cache, "CODE_VERSION", "another-version")
    again = build(Project(root=repo, seeds=seeds_copy, build_dir=out))
    assert again.files_read == len(iter_input_files(seeds_copy)) and focuses == [None]
    assert quads(out) == clean_build(repo, seeds_copy, tmp_path)
