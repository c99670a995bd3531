"""Checks a query passes before any engine sees it: what Oxigraph itself does not guard against.

- Nesting: Oxigraph 0.5's parser recurses per level of `{`, `(` or `[`; a query 5,000 braces
  deep overflows its stack (the server aborts, the Python binding segfaults). Real queries nest
  a dozen levels; we refuse more than `MAX_DEPTH`.
- Federation: `SERVICE <url>` makes the engine send requests to any URL, services on this
  machine included, and a served endpoint would hand their answers to any web page. It is off
  unless the user allows URL prefixes.
- Updates: `kg query` and the read-only endpoint run queries; an update is refused with a
  sentence that says so, not with the engine's syntax error.

>>> check("SELECT * WHERE { ?s ?p ?o }")
>>> check("SELECT * WHERE " + "{" * 500 + "}" * 500)
Traceback (most recent call last):
...
kg.query.library.QueryError: the query nests 500 levels deep (brackets and braces); the limit is 64
"""

from __future__ import annotations

import re

from kg.query.library import QueryError
from kg.query.sparqltext import code_positions, words

MAX_DEPTH = 64
UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
_PROLOGUE = {"PREFIX", "BASE"}
_SERVICE_IRI = re.compile(r"\s*(?:SILENT\s+)?<([^<>\s]*)>", re.I)


def check(text: str, allow_services: tuple[str, ...] = ()) -> None:
    """Raise QueryError if `text` is an update, nests too deep, or calls a SERVICE not allowed."""
    first = next((w.upper() for w, _ in words(text) if w.upper() not in _PROLOGUE), "")
    if first in UPDATE_WORDS:
        raise QueryError(f"this is a SPARQL update ({first} …): kg query and the endpoint run queries "
                         "(SELECT, CONSTRUCT, ASK, DESCRIBE), never updates")
    depth = deepest = 0
    for pos in code_positions(text, "{}()[]"):
        depth += 1 if text[pos] in "{([" else -1
        deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        raise QueryError(f"the query nests {deepest} levels deep (brackets and braces); the limit is {MAX_DEPTH}")
    for word, pos in words(text):
        if word.upper() != "SERVICE":
            continue
        target = _SERVICE_IRI.match(text, pos + len(word))
        url = target[1] if target else None
        if url is None or not any(url.startswith(prefix) for prefix in allow_services):
            shown = f"<{url}>" if url else "a computed endpoint"
            raise QueryError(f"SERVICE {shown}: federated queries are off (they would send requests from this "
                             "machine); allow an endpoint with --allow-service URL_PREFIX")
