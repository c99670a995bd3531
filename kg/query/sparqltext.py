"""A small SPARQL lexer: where the code is, outside comments, strings and IRIs.

Enough for what the query tools ask of query text without parsing it: its bare words (keywords,
for the form and for checks), its braces (the top-level groups that `kg.query.ordering` reads),
and the text without comments.

>>> [w for w, _ in words('SELECT ?s WHERE { ?s rdfs:label "where" } # WHERE')]
['SELECT', 'WHERE']
>>> top_level_groups("SELECT * { { ?a ?b ?c } } LIMIT 1")
[(9, 24)]
"""

from __future__ import annotations

import re

# Tokens that may hide braces or keywords: comments, strings (long forms first) and IRIs.
# An IRI is `<` followed by IRI characters and `>`: a less-than operator is followed by a space.
_SKIP = re.compile(r'#[^\n]*|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                   r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\x00-\x20]*>')
_BARE_WORD = re.compile(r"(?<![\w?$:.-])[A-Za-z_]\w*(?![\w:])")


def code_stretches(text: str):
    """Yield (offset, stretch) for each stretch of SPARQL text between comments, strings and IRIs."""
    pos = 0
    for skip in _SKIP.finditer(text):
        if skip.start() > pos:
            yield pos, text[pos:skip.start()]
        pos = max(pos, skip.end())
    if pos < len(text):
        yield pos, text[pos:]


def without_comments(text: str) -> str:
    """SPARQL text with its `#` comments removed (a `#` inside a string or an IRI is kept)."""
    return _SKIP.sub(lambda m: "" if m.group().startswith("#") else m.group(), text)


def words(text: str):
    """Yield (word, offset) for each bare word of SPARQL text outside comments, strings and IRIs.

    Variables (`?select`) and prefixed names (`kc:where`) are not words.
    """
    for offset, stretch in code_stretches(text):
        for found in _BARE_WORD.finditer(stretch):
            yield found.group(), offset + found.start()


def code_positions(text: str, chars: str):
    """Offsets of any of `chars` in SPARQL text outside comments, strings and IRIs."""
    for offset, stretch in code_stretches(text):
        yield from (offset + i for i, ch in enumerate(stretch) if ch in chars)


def top_level_groups(text: str) -> list[tuple[int, int]]:
    """(open, close) offsets of each `{ ... }` group at depth 0 of SPARQL text."""
    groups, depth, start = [], 0, 0
    for pos in code_positions(text, "{}"):
        if text[pos] == "{":
            if depth == 0:
                start = pos
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                groups.append((start, pos))
    return groups
