"""Reading YAML input safely, keeping the line of every value for error messages.

Facts files are written by people, so the reader refuses what YAML allows but we never need and
what can hurt: aliases (the "billion laughs" bomb), duplicate keys (PyYAML silently
keeps the last one), nesting deeper than any facts file needs, and files over a size bound.
Mappings come back as `Located` dicts that remember the line of each key.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from pathlib import Path

import yaml

from kg.problems import Problem, ProblemsFound, display_path

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


# libyaml is ~15x faster than PyYAML's Python parser, which matters at thousands of files. Its
# events are turned into values here in one flat loop (`_build`), which also refuses aliases and
# deep nesting as they come: libyaml's own composer recurses in C (a hostile file must never reach
# it) and was, with the Python tag resolution it calls, 2 of the 3.5 ms a facts file took to read,
# check and compile.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Refused(Exception):
    def __init__(self, line: int, message: str):
        self.line, self.message = line, message


def read_text(path: Path) -> str:
    """The UTF-8 text of a regular file; raises ProblemsFound naming the line of the first bad byte.

    Only regular files are read, and at most MAX_BYTES of them: a device (/dev/zero reports a size
    of 0 and never ends), a FIFO (opening it waits for a writer) or a folder named *.yaml is
    refused before it is opened."""
    shown = display_path(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise ProblemsFound([Problem(shown, 0, f"cannot read the file ({exc.strerror}): check the path")]) from None
    if stat.S_ISDIR(info.st_mode):
        raise ProblemsFound([Problem(shown, 0, "is a folder, not a file: rename it or move it out of seeds/")])
    if not stat.S_ISREG(info.st_mode):
        raise ProblemsFound([Problem(shown, 0, "is not a regular file (a device, a pipe or a socket): "
                                                "put the text in a plain file")])
    if info.st_size > MAX_BYTES:
        raise ProblemsFound([Problem(shown, 0, f"file is {info.st_size:,} bytes, over the {MAX_BYTES:,}-byte limit: split it")])
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)  # bounded even if the file grows while read
    except OSError as exc:
        raise ProblemsFound([Problem(shown, 0, f"cannot read the file ({exc.strerror}): check the path")]) from None
    if len(data) > MAX_BYTES:
        raise ProblemsFound([Problem(shown, 0, f"file is over the {MAX_BYTES:,}-byte limit: split it")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ProblemsFound([Problem(shown, line, f"byte 0x{data[exc.start]:02x} is not UTF-8: save the file as UTF-8")]) from None
    _refuse_control(text, shown, "\x00")
    return text


# characters no facts file holds (tab, newline and carriage return are allowed); an article may
# hold any but NUL, since it is kept exactly as received
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _refuse_control(text: str, shown: str, chars: str | None = None) -> None:
    found = (re.search(re.escape(chars), text) if chars else CONTROL.search(text))
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise ProblemsFound([Problem(shown, line, f"control character U+{ord(found[0]):04X} in the text: delete it")])


def load(path: Path) -> Located:
    """Parse a YAML file whose top level is a mapping; raise ProblemsFound on any problem."""
    shown = display_path(path)
    text = read_text(path)
    _refuse_control(text, shown)
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        raise ProblemsFound([Problem(shown, 0, "file is empty: fill it in (see seeds/README.md) or delete it")])
    problems: list[Problem] = []
    try:
        value, line = _build(text, shown, problems)
    except _Refused as exc:
        raise ProblemsFound([Problem(shown, exc.line, exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        started = ""
        if exc.context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            started = f" ({exc.context} started on line {exc.context_mark.line + 1})"
        what = " ".join(str(exc.problem or exc.context).split())  # one line, whatever libyaml says
        raise ProblemsFound([Problem(shown, line, f"YAML syntax: {what}{started}: fix the indentation or quoting")]) from None
    except yaml.YAMLError as exc:
        raise ProblemsFound([Problem(shown, 0, f"YAML error: {' '.join(str(exc).split())}")]) from None
    if problems:
        raise ProblemsFound(problems)
    if not isinstance(value, Located):
        raise ProblemsFound([Problem(shown, line, "the top level must be a mapping (article:/source:, entities:, statements:)")])
    return value


_constructor = yaml.SafeLoader("")


# the first characters of plain scalars that YAML 1.1 may read as something other than a string
# (numbers, booleans, null, dates, ~, =, <<...): any other plain scalar, and any quoted one, is a string
_IMPLICIT = frozenset(_constructor.yaml_implicit_resolvers)
_QUOTED = ("'", '"')
_NO_KEY = object()  # a mapping waiting for its next key
_BAD_KEY = object()  # the key just read is refused: its value is read and dropped


class _Frame:
    """A mapping or sequence being filled."""

    __slots__ = ("value", "start", "as_key_at", "key", "key_line", "drop_from")

    def __init__(self, value, start, as_key_at: int | None):
        self.value, self.start = value, start
        self.as_key_at = as_key_at  # used as a mapping key: problems from here on are replaced by one
        self.key, self.key_line = _NO_KEY, 0  # a mapping's key waiting for its value
        self.drop_from: int | None = None  # after a refused key: its value's problems are dropped


def _build(text: str, shown: str, problems: list[Problem]):
    """The value of a one-document YAML text and the line it starts on, built from libyaml's events.

    Mappings become `Located`, sequences `LocatedList`, scalars Python values (YAML 1.1 types, as
    PyYAML's safe loader reads them). A refused key (not a plain name, or a duplicate) is reported
    and its value read but neither kept nor checked."""
    stack: list[_Frame] = []
    root, root_line, root_mark, documents = None, 0, None, 0
    for event in yaml.parse(text, Loader=_Loader):
        kind = type(event)
        if kind is yaml.ScalarEvent:
            mark = event.start_mark
            if event.tag is None and (event.style in _QUOTED or event.value[:1] not in _IMPLICIT):
                value = event.value  # a string: no implicit type starts this way (most scalars)
            else:
                value = _scalar(_node_of(event), shown, problems)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if len(stack) >= MAX_DEPTH:
                raise _Refused(event.start_mark.line + 1, f"nested deeper than {MAX_DEPTH} levels: facts files are a few levels deep")
            line = event.start_mark.line + 1
            if kind is yaml.MappingStartEvent:
                container = Located()
                container.line, container.key_lines = line, {}
            else:
                container = LocatedList()
                container.line, container.item_lines = line, []
            parent = stack[-1] if stack else None
            as_key = parent is not None and parent.key is _NO_KEY and isinstance(parent.value, Located)
            stack.append(_Frame(container, event.start_mark, len(problems) if as_key else None))
            continue
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            frame = stack.pop()
            value, mark = frame.value, frame.start
            if frame.as_key_at is not None:
                del problems[frame.as_key_at:]
                problems.append(Problem(shown, mark.line + 1, "expected a plain value here, not a list or mapping"))
                value = None
        elif kind is yaml.AliasEvent:
            raise _Refused(event.start_mark.line + 1, "YAML aliases (*name) are not allowed in facts files: write the value out")
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise yaml.composer.ComposerError("expected a single document in the stream", root_mark,
                                                  "but found another document", event.start_mark)
            continue
        else:
            continue
        if not stack:
            root, root_line, root_mark = value, mark.line + 1, mark
        else:
            _place(stack[-1], value, mark, shown, problems)
    return root, root_line


def _place(frame: _Frame, value, mark, shown: str, problems: list[Problem]) -> None:
    """Put a finished value into the mapping or sequence being built."""
    container = frame.value
    if isinstance(container, LocatedList):
        container.append(value)
        container.item_lines.append(mark.line + 1)
        return
    if frame.key is _NO_KEY:  # this value is a key
        line = mark.line + 1
        if not isinstance(value, str):
            problems.append(Problem(shown, line, f"key {value!r} must be a plain name (YAML reads on/off/yes/no as booleans: quote the key)"))
            frame.key = _BAD_KEY
        elif value in container:
            problems.append(Problem(shown, line, f"duplicate key '{value}' (first on line {container.key_lines[value]}): keep one"))
            frame.key = _BAD_KEY
        else:
            frame.key, frame.key_line = value, line
        frame.drop_from = len(problems)
        return
    if frame.key is _BAD_KEY:
        del problems[frame.drop_from:]
    else:
        container.key_lines[frame.key] = frame.key_line
        container[frame.key] = value
    frame.key = _NO_KEY


def _node_of(event) -> yaml.ScalarNode:
    """The node PyYAML's composer makes of a scalar event: its tag resolved as YAML 1.1 says."""
    tag = event.tag
    if tag is None or tag == "!":
        tag = _constructor.resolve(yaml.ScalarNode, event.value, event.implicit)
    return yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)


def _scalar(node: yaml.ScalarNode, shown: str, problems: list[Problem]):
    """A scalar's Python value (a problem, and its text, when the value is impossible)."""
    try:
        return _constructor.construct_object(node, deep=True)
    except ValueError:
        # the YAML timestamp pattern matched, but the calendar says no (2024-02-30)
        problems.append(Problem(shown, node.start_mark.line + 1, f"impossible date '{node.value}': use a real YYYY-MM-DD date"))
        return node.value
    except yaml.YAMLError as exc:
        what = str(getattr(exc, "problem", None) or exc).splitlines()[0]  # one line: the mark is our line number
        problems.append(Problem(shown, node.start_mark.line + 1, f"bad value '{node.value}': {what}"))
        return node.value
    finally:
        _constructor.constructed_objects.clear()  # the shared constructor must not keep every node alive


def is_date(value) -> bool:
    """True for a calendar date (not a datetime)."""
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
