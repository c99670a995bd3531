"""Reading YAML input safely, keeping the line of every value for error messages.

Facts files are written by people, so the reader refuses what YAML allows but we never need and
what can hurt: aliases (the "billion laughs" bomb), duplicate keys (PyYAML silently
keeps the last one), nesting deeper than any facts file needs, and files over a size bound.
Mappings come back as `Located` dicts that remember the line of each key.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from .problems import Problem, ProblemsFound, display_path

MAX_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 20


class Located(dict):
    """A YAML mapping that remembers its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LocatedList(list):
    """A YAML sequence that remembers its own line and the line of each item."""

    line: int = 0
    item_lines: list


# libyaml is ~15x faster than PyYAML's Python parser, which matters at thousands of files; its
# composer recurses in C, so nesting depth and aliases are checked on the event stream first
# (a flat loop) and a hostile file never reaches it.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Refused(Exception):
    def __init__(self, line: int, message: str):
        self.line, self.message = line, message


def _prescan(text: str) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(event.start_mark.line + 1, "YAML aliases (*name) are not allowed in facts files: write the value out")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refused(event.start_mark.line + 1, f"nested deeper than {MAX_DEPTH} levels: facts files are a few levels deep")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def read_text(path: Path) -> str:
    """The UTF-8 text of a file; raises ProblemsFound naming the line of the first bad byte."""
    shown = display_path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ProblemsFound([Problem(shown, 0, f"cannot read the file ({exc.strerror}): check the path")]) from None
    if size > MAX_BYTES:
        raise ProblemsFound([Problem(shown, 0, f"file is {size:,} bytes, over the {MAX_BYTES:,}-byte limit: split it")])
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ProblemsFound([Problem(shown, line, f"byte 0x{data[exc.start]:02x} is not UTF-8: save the file as UTF-8")]) from None


def load(path: Path) -> Located:
    """Parse a YAML file whose top level is a mapping; raise ProblemsFound on any problem."""
    shown = display_path(path)
    text = read_text(path)
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        raise ProblemsFound([Problem(shown, 0, "file is empty: fill it in (see seeds/README.md) or delete it")])
    try:
        _prescan(text)
        node = yaml.compose(text, Loader=_Loader)
    except _Refused as exc:
        raise ProblemsFound([Problem(shown, exc.line, exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        started = ""
        if exc.context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            started = f" ({exc.context} started on line {exc.context_mark.line + 1})"
        raise ProblemsFound([Problem(shown, line, f"YAML syntax: {exc.problem or exc.context}{started}: fix the indentation or quoting")]) from None
    except yaml.YAMLError as exc:
        raise ProblemsFound([Problem(shown, 0, f"YAML error: {exc}")]) from None
    problems: list[Problem] = []
    value = _convert(node, shown, problems)
    if problems:
        raise ProblemsFound(problems)
    if not isinstance(value, Located):
        raise ProblemsFound([Problem(shown, node.start_mark.line + 1 if node else 0,
                                     "the top level must be a mapping (article:/source:, entities:, statements:)")])
    return value


_constructor = yaml.SafeLoader("")


def _convert(node, shown: str, problems: list[Problem]):
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = Located()
        out.line, out.key_lines = line, {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, shown, problems)
            if not isinstance(key, str):
                problems.append(Problem(shown, key_node.start_mark.line + 1, f"key {key!r} must be a plain name (YAML reads on/off/yes/no as booleans: quote the key)"))
                continue
            if key in out:
                problems.append(Problem(shown, key_node.start_mark.line + 1,
                                        f"duplicate key '{key}' (first on line {out.key_lines[key]}): keep one"))
                continue
            out.key_lines[key] = key_node.start_mark.line + 1
            out[key] = _convert(value_node, shown, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = LocatedList()
        items.line, items.item_lines = line, []
        for item in node.value:
            items.append(_convert(item, shown, problems))
            items.item_lines.append(item.start_mark.line + 1)
        return items
    return _scalar(node, shown, problems)


def _scalar(node, shown: str, problems: list[Problem]):
    if not isinstance(node, yaml.ScalarNode):
        problems.append(Problem(shown, node.start_mark.line + 1, "expected a plain value here, not a list or mapping"))
        return None
    try:
        return _constructor.construct_object(node, deep=True)
    except ValueError:
        # the YAML timestamp pattern matched, but the calendar says no (2024-02-30)
        problems.append(Problem(shown, node.start_mark.line + 1, f"impossible date '{node.value}': use a real YYYY-MM-DD date"))
        return node.value
    except yaml.YAMLError as exc:
        problems.append(Problem(shown, node.start_mark.line + 1, f"bad value '{node.value}': {exc}"))
        return node.value
    finally:
        _constructor.constructed_objects.clear()  # the shared constructor must not keep every node alive


def is_date(value) -> bool:
    """True for a calendar date (not a datetime)."""
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
