"""Bad input gives one line per problem (file:line and the fix), exit 1, no traceback, and the
previous build stays as it was. Runs the real `kg` command in a subprocess."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kg.build.rundir import open_store

from testkit import SEEDS

FACTS = "facts/000_617ef15b8252d5c0.yaml"


def kg(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def good_build(tmp_path_factory, repo):
    """A build made from intact seeds; every bad input below must leave it untouched."""
    out = tmp_path_factory.mktemp("kept-build")
    result = kg("build", "--project", str(repo), "--seeds", str(SEEDS), "--build-dir", str(out), cwd=out)
    assert result.returncode == 0, result.stderr
    return out


def fingerprint(build_dir: Path) -> tuple:
    run = (build_dir / "current").resolve()
    trig = hashlib.sha256((build_dir / "kg.trig").read_bytes()).hexdigest()
    return run, trig, len(open_store(build_dir))


def replace_once(path: Path, old: str, new: str) -> int:
    """Replace the first `old` in a file; return the 1-based line of the change."""
    text = path.read_text(encoding="utf-8")
    at = text.index(old)
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    return text.count("\n", 0, at) + 1


def mutate_facts(old, new):
    return lambda seeds: ("seeds/" + FACTS, replace_once(seeds / FACTS, old, new))


def new_file(name: str, data: bytes, line: int):
    def make(seeds: Path):
        (seeds / "facts" / name).write_bytes(data)
        return f"seeds/facts/{name}", line
    return make


def duplicate_entity(seeds: Path):
    path = seeds / FACTS
    line = replace_once(path, "  - id: citic\n", "  - id: citic\n    type: Organization\n    labels: {en: CITIC again}\n"
                                                "    quote: \"Citic Group\"\n  - id: citic\n")
    return "seeds/" + FACTS, line + 4


CASES = {
    "malformed YAML": (new_file("broken.yaml", b"article: 000_617ef15b8252d5c0\nentities:\n  - {id: x, labels: [unclosed\n"
                                               b"  - id: y\n", 4),
                       "(while parsing a flow sequence started on line 3): fix the indentation or quoting", 0),
    "unknown entity": (mutate_facts("object: dai-houliang,", "object: dai-hou-liang,"),
                       "unknown entity 'dai-hou-liang' (the object of 'participant'): did you mean 'dai-houliang'?", 0),
    "unknown type": (mutate_facts("type: Organization", "type: Organisation"),
                     "unknown type 'Organisation' for 'cnpc': did you mean 'Organization'?", 0),
    "unknown property": (mutate_facts("property: participant", "property: participent"),
                         "unknown property 'participent': did you mean 'participant'?", 0),
    "quote not in article": (mutate_facts('quote: "Founded in 1979, Citic Group"', 'quote: "Founded in 1978, Citic Group"'),
                             "quote 'Founded in 1978, Citic Group' is not in article '000_617ef15b8252d5c0'", 0),
    "typographic quote": (mutate_facts("quote: \"CNPC, one of the world’s", "quote: \"CNPC, one of the world's"),
                          "the article writes it 'CNPC, one of the world’s top three largest oil companies': copy it exactly", 0),
    "impossible date": (mutate_facts("property: startDate, value: 2024-07-02", "property: startDate, value: 2024-02-30"),
                        "impossible date '2024-02-30': use a real YYYY-MM-DD date", 0),
    "negative quantity": (mutate_facts("{amount: 48,", "{amount: -48,"), "amount must be a finite number ≥ 0, got -48", 0),
    "non-numeric quantity": (mutate_facts("{amount: 748,", "{amount: lots,"), "amount must be a number, got 'lots'", 0),
    "duplicate id": (duplicate_entity, "duplicate id 'citic'", 0),
    "empty file": (new_file("empty.yaml", b"\n# nothing yet\n", 0), "file is empty", 0),
    "non-UTF-8 bytes": (new_file("latin1.yaml", b"article: x\n# caf\xe9\n", 2), "byte 0xe9 is not UTF-8: save the file as UTF-8", 0),
    "article missing": (new_file("orphan.yaml", b"article: no-such-article\nentities: []\n", 1),
                        "article 'no-such-article' is missing: put its text in", 0),
    "wrong object type": (mutate_facts("property: heldIn, object: astana", "property: heldIn, object: cnpc"),
                          "'cnpc' is an Organization, but the object of 'heldIn' must be a place", 0),
}


@pytest.mark.parametrize("command", ["validate", "build"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_reported_at_file_and_line(case, command, seeds_copy, good_build, repo, tmp_path):
    mutate, expected, line_offset = CASES[case]
    before = fingerprint(good_build)
    shown_path, line = mutate(seeds_copy)
    result = kg(command, "--project", str(repo), "--seeds", str(seeds_copy), "--build-dir", str(good_build), cwd=tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1].endswith("nothing was written, the previous build is unchanged.")
    problems = lines[:-1]
    assert problems and all(re.match(r"^seeds/\S+?(:\d+)?: \S", p) for p in problems), problems
    wanted = f"{shown_path}:{line + line_offset}: " if line + line_offset else f"{shown_path}: "
    assert any(p.startswith(wanted) and expected in p for p in problems), (wanted, expected, problems)
    assert fingerprint(good_build) == before


def test_every_problem_of_a_file_is_reported_in_one_run(seeds_copy, repo, tmp_path):
    replace_once(seeds_copy / FACTS, "property: participant", "property: participent")
    replace_once(seeds_copy / FACTS, "type: Organization", "type: Organisation")
    replace_once(seeds_copy / FACTS, "{amount: 48,", "{amount: -48,")
    result = kg("validate", "--project", str(repo), "--seeds", str(seeds_copy), cwd=tmp_path)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 4  # three problems and the summary


def test_an_entity_of_unknown_type_is_reported_for_its_cause_only(seeds_copy, repo, tmp_path):
    (seeds_copy / "facts" / "lone.yaml").write_text(
        "article: 000_617ef15b8252d5c0\nentities:\n  - {id: lone, type: Organisation, labels: {en: Lone}, quote: CNPC}\n",
        encoding="utf-8")
    result = kg("validate", "--project", str(repo), "--seeds", str(seeds_copy), cwd=tmp_path)
    assert result.returncode == 1
    problems = result.stderr.strip().splitlines()[:-1]
    assert problems == ["seeds/facts/lone.yaml:3: unknown type 'Organisation' for 'lone': did you mean 'Organization'?"]


def test_validate_and_build_count_alike_in_plain_words(repo, tmp_path):
    checked = kg("validate", "--project", str(repo), "--seeds", str(SEEDS), cwd=tmp_path)
    built = kg("build", "--project", str(repo), "--seeds", str(SEEDS), "--build-dir", str(tmp_path / "b"), cwd=tmp_path)
    again = kg("build", "--project", str(repo), "--seeds", str(SEEDS), "--build-dir", str(tmp_path / "b"), cwd=tmp_path)
    assert checked.returncode == built.returncode == again.returncode == 0
    counts = re.search(r"OK: (.+ reference sources?); (\d+) entities", checked.stdout)
    assert counts, checked.stdout
    assert built.stdout.splitlines()[0] == counts[1]
    assert built.stdout.splitlines()[1].startswith(f"{counts[2]} entities: ")
    files = len(list((SEEDS / "reference").rglob("*.yaml"))) + len(list((SEEDS / "facts").glob("*.yaml")))
    assert f"{files} input files read and compiled" in built.stdout and "build cache" not in built.stdout
    assert f"all {files} input files came from the build cache" in again.stdout
    assert not re.search(r"\b1 \w+s\b|\(s\)| a organization", built.stdout + checked.stdout)


def test_clean_seeds_validate_with_zero_shacl_violations(repo, tmp_path):
    result = kg("validate", "--project", str(repo), "--seeds", str(SEEDS), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "0 SHACL violations" in result.stdout


def test_shacl_violation_is_reported_and_blocks_the_build(seeds_copy, repo, tmp_path, good_build):
    before = fingerprint(good_build)
    # an event ending before it starts is only visible to SHACL: each date alone is valid
    replace_once(seeds_copy / "reference" / "ref.yaml", "value: 2024-07-04}", "value: 2024-06-30}")
    result = kg("build", "--project", str(repo), "--seeds", str(seeds_copy), "--build-dir", str(good_build), cwd=tmp_path)
    assert result.returncode == 1
    assert "ends (2024-06-30) before it starts (2024-07-02)" in result.stderr
    assert "Traceback" not in result.stderr
    assert fingerprint(good_build) == before
