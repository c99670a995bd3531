"""Hostile and pathological input: clear problems within bounded time and memory, never a traceback.

Property-based (hypothesis): any facts file, however mangled, either compiles or is refused with
`ProblemsFound` naming file and line. Pathological files: a 50 MB article, a 10,000-entity file,
deep nesting, a YAML alias bomb.
"""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from kg.seeds.checks import check_outlines, local_problems, outline
from kg.build.compile import compile_document
from kg.seeds.facts import iter_input_files, load_document
from kg.ontology import Ontology
from kg.problems import ProblemsFound
from testkit import REPO, SEEDS

ONTO = Ontology(REPO / "ontology" / "kc.ttl")
ARTICLE = "000_617ef15b8252d5c0"
# what the rest of the seeds declare, so a fuzzed file is checked against a real registry
REFERENCE = [outline(load_document(p, ONTO, SEEDS / "articles")) for p in iter_input_files(SEEDS)]

words = st.sampled_from(["cnpc", "citic", "astana", "kenkiyak-atyrau", "participant", "length", "Organization",
                         "Pipeline", "km", "USD", "2024-07-02", "2024-02-30", "-5", "1e400", "nan", "", "<img src=x>",
                         "on", "yes", "null", "ASTANA", "CNPC", "’", "{", "}", "[", "*a", "&a"])
scalars = st.one_of(words, st.text(max_size=30), st.integers(min_value=-10**12, max_value=10**12),
                    st.floats(allow_nan=True), st.booleans(), st.none(), st.dates())
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(words, inner, max_size=4)), max_leaves=20)
entity = st.fixed_dictionaries({"id": words, "type": words}, optional={"labels": values, "quote": values, "route": values,
                                                                         "coords": values, "aliases": values, "status": values})
statement = st.fixed_dictionaries({"subject": words, "property": words},
                                  optional={"object": words, "value": values, "quote": values, "share": values,
                                            "applies_to": values, "as_of": values, "note": values})
facts = st.fixed_dictionaries({"article": st.one_of(st.just(ARTICLE), words)},
                              optional={"entities": st.lists(entity, max_size=5), "statements": st.lists(statement, max_size=5),
                                        "extra": values})


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("fuzz") / "seeds"
    shutil.copytree(SEEDS, target)
    return target


def outcome(path: Path, seeds: Path) -> str:
    """Run one file through every stage; return 'ok' or 'refused', let anything else raise."""
    try:
        doc = load_document(path, ONTO, seeds / "articles")
        problems = local_problems(doc, ONTO)
        if problems:
            raise ProblemsFound(problems)
        registry = check_outlines(REFERENCE + [outline(doc)], ONTO)
        compile_document(doc, ONTO, registry.coords)
        result = "ok"
    except ProblemsFound as exc:
        assert exc.problems and all(p.path and p.message for p in exc.problems)
        result = "refused"
    return result


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facts)
def test_any_structure_compiles_or_is_refused_clearly(seeds, data):
    path = seeds / "facts" / "fuzz.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    outcome(path, seeds)  # raises on anything but a compiled file or a clean refusal


quantities = st.fixed_dictionaries({"amount": st.one_of(st.integers(-5, 10**9), st.floats(), words),
                                    "unit": st.sampled_from(["km", "%", "t/yr", "miles", ""])},
                                   optional={
                                             "currency": st.sampled_from(["USD", "usd", "KZT", ""]),
                                             "out_of": st.one_of(st.integers(-5, 10**9), words), "as_of": values,
                                             "qualifier": values, "aspect": values})
KIND_VALUES = {
    "text": st.one_of(st.text(min_size=1, max_size=20), values), "date": st.one_of(st.dates(), values),
    "year": st.one_of(st.integers(900, 3100), values), "temporal": st.one_of(st.dates(), st.integers(900, 3100), values),
    "number": st.one_of(st.integers(-3, 10**6), values), "integer": st.one_of(st.integers(-3, 10**6), values),
    "quantity": st.one_of(quantities, values), "money": st.one_of(quantities, values),
}


def _statement(name: str):
    spec = ONTO.properties[name]
    target = ({"object": st.sampled_from(["fuzz-org", "fuzz-road", "fuzz-town", "cnpc", "nobody"])} if spec.kind == "entity"
              else {"value": KIND_VALUES[spec.kind]})
    return st.fixed_dictionaries({"subject": st.sampled_from(["fuzz-org", "fuzz-road", "fuzz-town", "cnpc"]),
                                  "property": st.just(name),
                                  # quotes that occur once in the article, and one that is not in it
                                  "quote": st.sampled_from(["Dai Houliang", "Taldykorgan", "not in it"]),
                                  **target})


near_valid = st.fixed_dictionaries({
    "article": st.just(ARTICLE),
    "entities": st.just([{"id": "fuzz-org", "type": "Organization", "labels": {"en": "Fuzz"}, "quote": "Caspi Bitum"},
                         {"id": "fuzz-road", "type": "Road", "labels": {"en": "Road"}, "quote": "Taldykorgan",
                          "route": ["fuzz-town", "astana"]},
                         {"id": "fuzz-town", "type": "Place", "labels": {"en": "Town"}, "quote": "ASTANA", "coords": [45, 70]}]),
    "statements": st.lists(st.sampled_from(sorted(ONTO.properties)).flatmap(_statement), min_size=1, max_size=2),
})


def test_near_valid_files_compile_or_are_refused_clearly(seeds):
    # counted here, in the same test: a fuzzer that never produced a valid file would never have
    # exercised the compiler, and one that never produced an invalid one, the checks
    seen: dict[str, int] = {}

    @settings(max_examples=400, deadline=None)
    @given(near_valid)
    def check(data):
        path = seeds / "facts" / "fuzz.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        result = outcome(path, seeds)  # raises on anything but a compiled file or a clean refusal
        seen[result] = seen.get(result, 0) + 1

    check()
    assert seen.get("ok", 0) >= 10 and seen.get("refused", 0) >= 10, seen


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400))
def test_any_bytes_are_refused_clearly(seeds, data):
    path = seeds / "facts" / "fuzz.yaml"
    path.write_bytes(b"article: " + ARTICLE.encode() + b"\n" + data)
    outcome(path, seeds)  # raises on anything but a compiled file or a clean refusal


def run_kg(args, cwd, limit_mb=2048, timeout=120) -> subprocess.CompletedProcess:
    def cap():  # bounded memory: the child dies rather than swap the machine
        resource.setrlimit(resource.RLIMIT_AS, (limit_mb * 2**20, limit_mb * 2**20))
    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=cap)


@pytest.fixture()
def project(tmp_path) -> tuple[Path, Path]:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    return seeds, tmp_path


def validate(seeds: Path, cwd: Path) -> subprocess.CompletedProcess:
    return run_kg(["validate", "--project", str(REPO), "--seeds", str(seeds)], cwd)


def test_a_50_mb_article_is_refused_with_a_clear_message(project):
    seeds, cwd = project
    (seeds / "articles" / f"{ARTICLE}.txt").write_text("Kazakhstan and China. " * (50 * 2**20 // 22), encoding="utf-8")
    result = validate(seeds, cwd)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "over the 20,971,520-byte limit: split it" in result.stderr


def test_a_10000_entity_file_is_handled_in_bounded_time(project):
    seeds, cwd = project
    lines = ["source: {id: BIG, title: A big reference file, url: 'https://example.org/big'}", "entities:"]
    lines += [f"  - {{id: place-{i}, type: Place, labels: {{en: Place {i}}}, coords: [45.0, 70.0]}}" for i in range(10_000)]
    (seeds / "reference" / "big.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.monotonic()
    result = validate(seeds, cwd)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 60  # a generous bound on a 2-core machine; the benchmark has the figure


@pytest.mark.parametrize("text, messages", [
    # our own depth limit or libyaml's (0.2.6 refuses such a document itself): either way one line
    ("article: x\nentities: " + "[" * 5000 + "]" * 5000 + "\n",
     ("nested deeper than 20 levels", "exceeded maximum nesting depth")),
    ("article: x\n" + "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9 if i else ["lol"] * 9) + "]\n"
                              for i in range(9)), ("YAML aliases (*name) are not allowed",)),
])
def test_yaml_bombs_are_refused(project, text, messages):
    seeds, cwd = project
    (seeds / "facts" / "bomb.yaml").write_text(text, encoding="utf-8")
    result = validate(seeds, cwd)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    problems = result.stderr.splitlines()[:-1]  # the last line is the summary
    assert len(problems) == 1, result.stderr
    assert re.match(r"^seeds/facts/bomb\.yaml:\d+: ", problems[0]), problems[0]
    assert any(m in problems[0] for m in messages), problems[0]
