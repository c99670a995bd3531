"""ORDER BY done in Python for the embedded store, where that is sure to give the engine's order.

Oxigraph 0.5 sorts by comparing terms, and compares IRIs and long strings by reading each one
back from the store on every comparison: sorting 10,000 rows by one IRI took 330 ms at 10,000
articles, more than finding them (people-posts: 510 ms with ORDER BY, 90 ms without). Python
sorts the same rows in a few milliseconds once each value is read (`benchmarks/RESULTS.md`).

So a SELECT whose text ends with `ORDER BY` keys of the plain forms `?x`, `STR(?x)`, `ASC(...)`,
`DESC(...)` over projected variables (after its WHERE clause nothing else but a GROUP BY and
HAVING: no LIMIT or OFFSET) runs without the ORDER BY, and its rows are sorted here by SPARQL
1.1's order (section 15.1): unbound, then IRIs (by code point), then literals. Literals are
compared only where SPARQL defines `<` and the kind is one this module knows (numbers, plain
strings, booleans, dates without time zone); a key column holding blank nodes, literals of two
such kinds, or any other kind makes `sort_rows` give up, and the query runs as written, sorted
by the engine.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from kg.query.sparqltext import top_level_groups, without_comments
from kg.vocab import XSD

_NUMERIC = {XSD + t for t in ("integer", "decimal", "int", "long", "short", "byte", "nonNegativeInteger",
                              "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt",
                              "unsignedLong", "unsignedShort", "unsignedByte")}
_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_INNER = r"(?:STR\s*\(\s*\?\w+\s*\)|\?\w+)"
# a GROUP BY (and HAVING) may come first: it stays in the query, only the sort moves here; no
# quotes in it, so the ORDER BY found is never one inside a string
_TAIL = re.compile(rf"(\s*GROUP\s+BY\s[^{{}}\"']*?)?\s*ORDER\s+BY\s+((?:(?:(?:ASC|DESC)\s*\(\s*{_INNER}\s*\)|{_INNER})\s*)+)",
                   re.IGNORECASE)
_KEY = re.compile(r"(?:(ASC|DESC)\s*\(\s*)?(?:(STR)\s*\(\s*)?\?(\w+)", re.IGNORECASE)


class Unorderable(Exception):
    """The rows hold values whose order this module does not know: let the engine sort them."""


def split_order(text: str) -> tuple[str, list[tuple[str, bool, bool]]] | None:
    """(the text without its final ORDER BY, [(variable, STR applied, descending)]), or None when
    the ORDER BY is not of the plain forms this module sorts by."""
    groups = top_level_groups(text)
    if not groups:
        return None
    end = groups[-1][1] + 1
    tail = without_comments(text[end:])  # a GROUP BY or HAVING may hold an IRI with a `#` in it
    found = _TAIL.fullmatch(tail)
    if found is None:
        return None
    keys = [(m.group(3), m.group(2) is not None, (m.group(1) or "").upper() == "DESC")
            for m in _KEY.finditer(found.group(2))]
    return text[:end] + (found.group(1) or "") + "\n", keys


def sort_rows(rows: list[tuple], variables: list[str], keys: list[tuple[str, bool, bool]]) -> list[tuple]:
    """The rows in the order of `keys`; raise Unorderable where the engine's order is not certain."""
    columns = []
    for var, as_str, descending in keys:
        if var not in variables:
            raise Unorderable(f"?{var} is not projected")
        i = variables.index(var)
        known: dict = {}  # values repeat down a column (a meeting on each participant's row): key each once
        values = []
        for row in rows:
            term = row[i]
            key = known.get(term)
            if key is None:
                key = known[term] = _key(term, as_str)
            values.append(key)
        kinds = {key[1] for key in known.values() if key[0] == 2}
        if len(kinds) > 1:
            raise Unorderable(f"?{var} holds literals of kinds SPARQL does not order against each other")
        columns.append((values, descending))
    order = list(range(len(rows)))
    for values, descending in reversed(columns):  # stable sorts, last key first
        order.sort(key=values.__getitem__, reverse=descending)
    return [rows[i] for i in order]


def _key(term, as_str: bool) -> tuple:
    """A sort key: (0,) unbound, (1, iri) IRIs, (2, kind, value) literals."""
    if term is None:
        return (0,)
    if as_str:
        if isinstance(term, ox.BlankNode):
            return (0,)  # STR of a blank node is an error: unbound
        return (2, "string", term.value)
    if isinstance(term, ox.NamedNode):
        return (1, term.value)
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if term.language is None and datatype == XSD + "string":
            return (2, "string", term.value)
        if datatype in _NUMERIC:
            try:
                return (2, "number", Decimal(term.value))
            except InvalidOperation:
                pass
        elif datatype == XSD + "boolean" and term.value in ("true", "false"):
            return (2, "boolean", term.value == "true")
        elif datatype == XSD + "date" and _DATE.fullmatch(term.value):
            return (2, "date", term.value)
    raise Unorderable(f"no known order for {term}")
