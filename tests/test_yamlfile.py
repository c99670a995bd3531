"""kg.seeds.yamlfile builds the same values PyYAML's safe loader does, with the line of every key and item.

The loader turns libyaml's events into values itself (one pass, refusing aliases and deep nesting
as it goes); PyYAML's own `safe_load` and `compose` are the reference for the values and lines of
any YAML the loader accepts, and the refusals keep their `file:line` messages."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.problems import ProblemsFound
from kg.seeds.yamlfile import Located, LocatedList, load


def plain_key(text: str) -> bool:
    """A key YAML 1.1 reads back as this same string (not on/off/yes/no/null/a number)."""
    try:
        return yaml.safe_load(text) == text
    except yaml.YAMLError:
        return False


keys = st.text(st.characters(min_codepoint=97, max_codepoint=122), min_size=1, max_size=6).filter(plain_key)
scalars = (st.text(max_size=30) | st.integers() | st.booleans() | st.none()
           | st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1))
           | st.decimals(allow_nan=False, allow_infinity=False, places=3).map(float))
documents = st.dictionaries(keys, st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                                                | st.dictionaries(keys, inner, max_size=4), max_leaves=20),
                            min_size=1, max_size=6)


def same_lines(value, node) -> None:
    """Every mapping, key and item has the line PyYAML's composer gives its node."""
    if isinstance(node, yaml.MappingNode):
        assert isinstance(value, Located) and value.line == node.start_mark.line + 1
        for key_node, value_node in node.value:
            assert value.key_lines[key_node.value] == key_node.start_mark.line + 1
            same_lines(value[key_node.value], value_node)
    elif isinstance(node, yaml.SequenceNode):
        assert isinstance(value, LocatedList) and value.line == node.start_mark.line + 1
        assert value.item_lines == [item.start_mark.line + 1 for item in node.value]
        for item, item_node in zip(value, node.value):
            same_lines(item, item_node)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=documents, flow=st.sampled_from([False, True, None]))
def test_values_and_lines_are_pyyamls(data, flow, tmp_path):
    text = yaml.safe_dump(data, allow_unicode=True, default_flow_style=flow, sort_keys=False)
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    got = load(path)
    assert got == yaml.safe_load(text)
    same_lines(got, yaml.compose(text))


def test_the_seed_files_read_as_pyyaml_reads_them(repo):
    for path in sorted((repo / "seeds").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        got = load(path)
        assert got == yaml.safe_load(text), path
        same_lines(got, yaml.compose(text))


@pytest.mark.parametrize("text, line, message", [
    ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a' (first on line 1): keep one"),
    ("a: 1\non: 2\n", 2, "key True must be a plain name"),
    ("a: 1\n[x, y]: 2\n", 2, "expected a plain value here, not a list or mapping"),
    ("a: &x 1\nb: *x\n", 2, "YAML aliases (*name) are not allowed"),
    ("a: 1\n---\nb: 2\n", 2, "YAML syntax: but found another document"),
    ("a: [1, 2\nb: 3\n", 2, "YAML syntax:"),
    ("- 1\n- 2\n", 1, "the top level must be a mapping"),
    ("a:\n  b: 2024-02-30\n", 2, "impossible date '2024-02-30'"),
])
def test_refusals_name_their_line(text, line, message, tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProblemsFound) as caught:
        load(path)
    assert any(p.line == line and message in p.message for p in caught.value.problems), caught.value.problems


def test_a_refused_key_reports_only_itself(tmp_path):
    """The value of a duplicate key is dropped unchecked (its own problems would only be noise)."""
    path = tmp_path / "f.yaml"
    path.write_text("a: 1\na:\n  when: 2024-02-30\n", encoding="utf-8")
    with pytest.raises(ProblemsFound) as caught:
        load(path)
    assert [(p.line, p.message) for p in caught.value.problems] == [(2, "duplicate key 'a' (first on line 1): keep one")]
