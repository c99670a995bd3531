"""Query results for the query page of `kg serve`: run once, counted at once, sent a page at a time with names.

A whole-corpus listing has six-figure row counts (`meetings`: 119,531 rows at 10,000 articles);
a browser asked to build that table stalls for seconds. So the page's `/run` runs the query
through the guarded endpoint exactly as `kg query --endpoint` does (`kg.query.run`), keeps the
result here under a random token, and answers with the row count and the first `PAGE_ROWS`
rows; `/rows` sends the next ones on demand. Each page carries the names of the IRIs it shows in
the chosen language, falling back to English (`kg.query.run.labels`, as the CLI's `--lang`).
The served build is a snapshot, so a result stays true while it is served: the same query with
the same parameters is answered from what is held (a first screen at once, for every user),
and `kg serve --warm NAME` runs the slow listings once at start. Results are held up to
`KEPT_CELLS` cells in all, the least recently used dropped first; a token whose result was
dropped is gone and the page says to run the query again.
Everything here is blocking (HTTP to the endpoint): the aiohttp handlers call it in a thread.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict

import pyoxigraph as ox

from kg.query.library import Query, QueryError
from kg.query.results import render, term_json
from kg.query.run import Result, endpoint_runner, labels, run, sorted_in_python

PAGE_ROWS = 300  # rows sent at once: the first screen, and each "more"
MAX_PAGE_ROWS = 5000  # the most one request may ask for
KEPT_CELLS = 4_000_000  # cells (rows x columns) held in all: meetings at 10,000 articles is 836,717, ~90 MB
LANG_FIELD = "@lang"  # the label language in the page's form: "@" is no parameter name, so never a parameter


class ResultGone(QueryError):
    """A token whose result is no longer held (more than KEPT results ran since)."""


class ResultPages:
    """The results of the page's queries, held by token."""

    def __init__(self, endpoint: str, queries: dict[str, Query], allow_services: tuple[str, ...] = ()):
        self.endpoint, self.queries, self.allow_services = endpoint, queries, allow_services
        self.held: OrderedDict[str, Result] = OrderedDict()  # token -> result, least recently used first
        self.tokens: dict[tuple, str] = {}  # (query, parameters) -> token of its held result
        self.lock = threading.Lock()

    def warm(self, names: list[str]) -> None:
        """Run library queries with their default parameters, so that their first screen is at once."""
        for name in names:
            self.run(name, {})

    def run(self, name: str, given: dict[str, str], lang: str | None = None) -> dict:
        """Run library query `name` with parameters `given`: its row count and first page, or its graph or boolean."""
        query = self.queries.get(name)
        if query is None:
            raise QueryError(f"no query named {name!r}")
        key = (name, tuple(sorted((k, v.strip()) for k, v in given.items())))
        with self.lock:
            token = self.tokens.get(key)
            result = self.held.get(token) if token else None
        if result is None:
            # sorted here as `kg query` sorts on the store: the engine's ORDER BY is most of a long listing
            result = run(query, sorted_in_python(endpoint_runner(self.endpoint)), given, allow_services=self.allow_services)
            if result.form in ("CONSTRUCT", "DESCRIBE"):
                return {"form": result.form, "text": render(result)}
            if result.boolean is not None:
                return {"form": "ASK", "boolean": result.boolean}
            token = self._hold(key, result)
        return {"form": "SELECT", "token": token, "count": len(result.rows), "vars": result.variables,
                **self.page(token, 0, PAGE_ROWS, lang)}

    def _hold(self, key: tuple, result: Result) -> str:
        token = secrets.token_urlsafe(12)
        with self.lock:
            self.held[token], self.tokens[key] = result, token
            while len(self.held) > 1 and sum(len(r.rows) * len(r.variables) for r in self.held.values()) > KEPT_CELLS:
                dropped, _ = self.held.popitem(last=False)
                self.tokens = {k: t for k, t in self.tokens.items() if t != dropped}
        return token

    def page(self, token: str, offset: int, limit: int, lang: str | None = None) -> dict:
        """Rows offset..offset+limit of a held result, with the names of their IRIs in `lang`."""
        with self.lock:
            result = self.held.get(token)
            if result is not None:
                self.held.move_to_end(token)
        if result is None:
            raise ResultGone("this result is no longer held: run the query again")
        rows = result.rows[max(offset, 0):max(offset, 0) + min(max(limit, 0), MAX_PAGE_ROWS)]
        iris = {t.value for row in rows for t in row if isinstance(t, ox.NamedNode)}
        return {"offset": offset, "rows": [[None if t is None else term_json(t) for t in row] for row in rows],
                "labels": labels(endpoint_runner(self.endpoint), iris, lang)}
