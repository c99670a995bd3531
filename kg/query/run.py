"""Running a query: parameters bound as RDF terms, on the embedded store or a SPARQL endpoint.

Parameters are never spliced into the text as text. Each value becomes an RDF term (a literal,
or an IRI for ``type: iri``) written in N-Triples syntax by pyoxigraph, which escapes quotes,
backslashes and newlines, and enters the query as ``VALUES ?name { term }`` at the top of the
WHERE clause. That is plain SPARQL 1.1, so the same prepared text runs on Oxigraph, on rdflib
and on any remote engine; a value such as ``x" } UNION { ?s ?p ?o } #`` stays one string.

>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/name"), ox.Literal("A")))
>>> q = Query.from_text("SELECT ?s WHERE { ?s <http://e/name> ?n }", origin="demo")
>>> run(q, store_runner(store), {"n": "A"}).rows
[(<NamedNode value=http://e/a>,)]
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import threading
from dataclasses import dataclass, field
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from kg.problems import Problem, ProblemsFound
from kg.query import endpoint, ordering, sparqlguard
from kg.query.library import Param, Query, QueryError, find_query
from kg.query.sparqltext import code_positions, code_stretches, top_level_groups, words
from kg.seeds.quotes import fold
from kg.vocab import DEFAULT_LANGUAGE, KC, PREFIXES, XSD

# what names a thing for people: entities and quantities have labels, articles and sources titles
NAMES = ("<http://www.w3.org/2000/01/rdf-schema#label>|<https://schema.org/headline>"
         "|<http://purl.org/dc/terms/title>")
# the names an entity answers to (what a `label` parameter is matched against)
LABELS = "(<http://www.w3.org/2000/01/rdf-schema#label>|<http://www.w3.org/2004/02/skos/core#altLabel>)"
_VARNAME = re.compile(r"[A-Za-z0-9_]+")
_SYNTAX_AT = re.compile(r"error at (\d+):(\d+): ?(.*)", re.S)
_DECLARED = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:", re.I)
Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass
class Result:
    """What a query returned: rows of terms (None = unbound), a boolean, or triples."""

    form: str
    variables: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)

    def iris(self) -> set[str]:
        """Every IRI the result shows (for looking up labels)."""
        terms = [t for row in self.rows for t in row] + [t for tr in self.triples for t in (tr.subject, tr.object)]
        return {t.value for t in terms if isinstance(t, ox.NamedNode)}


Runner = Callable[[str, str], Result]  # (prepared SPARQL text, query form) -> Result


def bindings(query: Query, given: dict[str, str], lang: str | None = None) -> dict[str, Term]:
    """The RDF term of each parameter: given values, else `lang` for a `lang` parameter, else defaults."""
    for name in given:
        if not _VARNAME.fullmatch(name):
            raise QueryError(f"'{name}' is not a parameter name: use letters, digits and _")
        declared_only = bool(query.summary or query.params)  # a header declares every parameter
        if declared_only and not query.param(name):
            raise QueryError(f"query '{query.name}' has no parameter '{name}' (parameters: {', '.join(p.name for p in query.params) or 'none'})")
        if not declared_only and not re.search(rf"[?$]{name}\b", query.text):
            raise QueryError(f"query '{query.name}' has no variable ?{name} to bind")
    declared = query.params or [Param(name) for name in given]
    terms = {}
    for param in declared:
        if param.name in given:
            value = given[param.name]
        elif param.name == "lang" and lang:
            value = lang
        elif param.default is not None:
            value = param.default
        else:
            raise QueryError(f"query '{query.name}' needs --param {param.name}=VALUE ({param.meaning or 'no default'})")
        terms[param.name] = term(param, value)
    return terms


_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def term(param: Param, value: str) -> Term:
    """The RDF term for a parameter value, checked against the parameter's type."""
    value = value.strip()  # " CNPC" typed in a shell means CNPC, whatever the type
    try:
        if param.type == "iri":
            if param.base and not _ABSOLUTE_IRI.match(value):
                value = param.base + value
            return ox.NamedNode(value)  # rejects characters that could end the IRI (<, >, space...)
        if param.type == "integer":
            return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
        if param.type == "decimal":
            number = Decimal(value)
            if not number.is_finite():
                raise ValueError(value)
            return ox.Literal(str(number), datatype=ox.NamedNode(XSD + "decimal"))
        if param.type == "date":
            return ox.Literal(dt.date.fromisoformat(value).isoformat(), datatype=ox.NamedNode(XSD + "date"))
    except (ValueError, InvalidOperation):
        raise QueryError(f"parameter '{param.name}': {value!r} is not a valid {param.type}") from None
    return ox.Literal(value)


def check_syntax(query: Query, allow_services: tuple[str, ...] = ()) -> None:
    """Guard and parse the query as written; a syntax error names its line and column in the query's origin."""
    sparqlguard.check(query.text, allow_services)
    try:
        _empty_store().query(query.text, prefixes=PREFIXES)  # parsed now, evaluated lazily: never run
    except SyntaxError as exc:
        unknown = unknown_prefixes(query.text)
        if unknown:
            known = ", ".join(f"{p}:" for p in PREFIXES)
            line = query.text.count("\n", 0, unknown[0][1]) + 1
            names = ", ".join(f"'{p}:'" for p, _ in unknown)
            raise ProblemsFound([Problem(query.origin, line, f"unknown prefix {names}: declare it (PREFIX {unknown[0][0]}: <…>) "
                                                             f"or use one the library declares: {known}")]) from None
        line, column, what = _where(query.text, str(exc))
        raise ProblemsFound([Problem(query.origin, line, f"SPARQL syntax error at line {line}, column {column}{what}")]) from None


_PREFIXED = re.compile(r"(?<![\w?$:.-])([A-Za-z][\w.-]*)?:(?=[\w%\\])")


def unknown_prefixes(text: str) -> list[tuple[str, int]]:
    """(prefix, offset) of each prefixed name whose prefix neither the query nor the library declares."""
    declared = set(_DECLARED.findall(text)) | set(PREFIXES)
    found = []
    for offset, stretch in code_stretches(text):
        for m in _PREFIXED.finditer(stretch):
            prefix = m[1] or ""
            if prefix not in declared and prefix.upper() not in ("PREFIX", "BASE") and prefix not in (p for p, _ in found):
                found.append((prefix, offset + m.start()))
    return found


def _where(text: str, oxigraph_message: str) -> tuple[int, int, str]:
    """Line, column and a hint for a syntax error Oxigraph found.

    Oxigraph's parser reports the furthest point it tried, often the end of the query; rdflib's
    parser (asked only once a query is known to be wrong) points at the token that breaks it.
    """
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery

    found = _SYNTAX_AT.match(oxigraph_message)
    line, column, expected = (int(found[1]), int(found[2]), found[3]) if found else (0, 0, oxigraph_message)
    expected = " ".join(expected.split())
    expected = expected if len(expected) <= 80 else expected[:79] + "…"
    try:
        parseQuery(text)
    except ParseException as exc:
        snippet = exc.line[exc.col - 1:exc.col + 19].strip()
        near = f" near {snippet!r}" if snippet else " (the query ends too soon)"
        return exc.lineno, exc.col, f"{near} (Oxigraph: {expected})"
    except Exception:  # noqa: BLE001 - rdflib's opinion is only a better position, never required
        pass
    return line, column, f": {expected}"


_EMPTY: list[ox.Store] = []


def _empty_store() -> ox.Store:
    if not _EMPTY:
        _EMPTY.append(ox.Store())
    return _EMPTY[0]


def prepare(query: Query, given: dict[str, str] | None = None, lang: str | None = None,
            allow_services: tuple[str, ...] = ()) -> str:
    """The text to send to any engine: guarded, syntax checked, prefixes declared, parameters bound."""
    check_syntax(query, allow_services)
    text = bind_values(query, bindings(query, given or {}, lang))
    declared = set(_DECLARED.findall(text))
    missing = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items() if p not in declared)
    return missing + text


def bind_values(query: Query, terms: dict[str, Term]) -> str:
    """The query text with `VALUES ?name { term }` opening its WHERE clause."""
    if not terms:
        return query.text
    text = query.text
    values = " ".join(f"VALUES ?{name} {{ {t} }}" for name, t in terms.items())
    where = next((pos for w, pos in words(text) if w.upper() == "WHERE"), None)
    opens = top_level_groups(text)
    if not opens:
        raise QueryError(f"query '{query.name}' has no WHERE clause to bind parameters in")
    if where is not None and query.form == "CONSTRUCT" and where < opens[0][0]:
        raise QueryError(f"query '{query.name}': parameters need the long form CONSTRUCT {{ template }} WHERE {{ pattern }}")
    if where is not None:
        start = next(p for p, _ in opens if p > where)
    elif query.form == "CONSTRUCT":
        start = opens[1][0]  # CONSTRUCT { template } { pattern }: WHERE is optional
    else:
        start = opens[0][0]
    end = next(e for p, e in opens if p == start)
    inner = text[start + 1:end]
    first_word = next(((w.upper(), pos) for w, pos in words(inner)), ("", 0))
    first_brace = next(code_positions(inner, "{"), len(inner))
    if first_word[0] == "SELECT" and first_word[1] < first_brace:
        # WHERE { SELECT ... }: a sub-select must be a group of its own to sit beside VALUES
        return f"{text[:start + 1]} {values} {{{inner}}} {text[end:]}"
    return f"{text[:start + 1]} {values} {text[start + 1:]}"


def run(query: Query, runner: Runner, given: dict[str, str] | None = None, lang: str | None = None,
        allow_services: tuple[str, ...] = ()) -> Result:
    """Prepare `query` with its parameters and run it."""
    result = runner(prepare(query, given, lang, allow_services), query.form)
    if result.variables and _selects_all(query.text):  # the header too, when there are no rows
        _in_query_order(result, query.text)
    return result


_SELECT_ALL = re.compile(r"SELECT\s+(?:DISTINCT\s+|REDUCED\s+)?\*", re.I)
_VARIABLE = re.compile(r"[?$]([A-Za-z0-9_]+)")


def _selects_all(text: str) -> bool:
    return any(_SELECT_ALL.search(stretch) for _, stretch in code_stretches(text))


def _in_query_order(result: Result, text: str) -> None:
    """Columns of `SELECT *` in the order the query first names the variables (engines choose their own)."""
    first: dict[str, int] = {}
    for _, stretch in code_stretches(text):
        for m in _VARIABLE.finditer(stretch):
            first.setdefault(m[1], len(first))
    order = sorted(range(len(result.variables)), key=lambda i: first.get(result.variables[i], len(first) + i))
    result.variables = [result.variables[i] for i in order]
    result.rows = [tuple(row[i] for i in order) for row in result.rows]


def unmatched_labels(query: Query, runner: Runner, given: dict[str, str]) -> list[str]:
    """For each `label` parameter whose value is no entity's label or alias: a sentence with the closest ones.

    Called when a query returned no rows, to tell a typo from an empty answer.
    """
    hints = []
    for param in query.params:
        if param.type != "label" or param.name not in given:
            continue
        value = given[param.name].strip()
        if not entities_named(runner, value):
            hints.append(f"no entity has the label or alias {value!r} ({param.name}){closest_names(runner, value)}")
    return hints


def entities_named(runner: Runner, name: str, *, loose: bool = False) -> list[str]:
    """The IRIs of the entities with `name` as a label or alias, ignoring case: what a `label` parameter matches.

    `loose` also ignores typographic differences (dashes, quotes, runs of spaces: `quotes.fold`),
    for a name typed by a person ("Beineu–Bozoi–Shymkent" for "Beineu-Bozoi-Shymkent"); it
    reads every name, so it is the fallback when the exact match finds nothing."""
    if loose:
        wanted = fold(name.strip())
        found = runner(f"SELECT DISTINCT ?e ?l WHERE {{ ?e a <{KC.Entity}> ; {LABELS} ?l }}", "SELECT")
        return sorted({row[0].value for row in found.rows if fold(row[1].value) == wanted})
    # each name once (a label stands in every graph that states it) before the comparison, as the library's queries do
    found = runner(f"SELECT DISTINCT ?e WHERE {{ {{ SELECT DISTINCT ?e ?l WHERE {{ ?e {LABELS} ?l }} }} "
                   f"FILTER (LCASE(STR(?l)) = LCASE({ox.Literal(name.strip())})) ?e a <{KC.Entity}> }}", "SELECT")
    return sorted(row[0].value for row in found.rows)


def closest_names(runner: Runner, name: str) -> str:
    """'; closest: A, B' with the labels and aliases nearest to `name`, or '' when none is near."""
    names = {row[0].value for row in runner(f"SELECT DISTINCT ?l WHERE {{ ?e a <{KC.Entity}> ; {LABELS} ?l }}", "SELECT").rows}
    by_key = {n.casefold(): n for n in names}
    close = [by_key[k] for k in difflib.get_close_matches(name.strip().casefold(), list(by_key), n=5, cutoff=0.5)]
    return f"; closest: {', '.join(close)}" if close else ""


class QueryTimeout(QueryError):
    """A query ran past its time limit (`kg query --timeout`)."""


def within(seconds: float | None, work: Callable[[], Result]) -> Result:
    """Run `work` in a thread and wait for it, `seconds` at most; Ctrl-C stops the wait at once.

    The engine cannot cancel a query and runs it without looking at Python's signals, so the query
    runs on a thread of its own while this one waits: SIGINT then reaches a waiting interpreter
    (KeyboardInterrupt), and the caller may exit the process, which ends the query."""
    done: list = []

    def target():
        try:
            done.append((True, work()))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            done.append((False, exc))

    thread = threading.Thread(target=target, name="kg-query", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise QueryTimeout(f"the query ran past {seconds:g} s and was stopped: narrow it, or raise --timeout")
    ok, value = done[0]
    if not ok:
        raise value
    return value


def store_runner(store: ox.Store) -> Runner:
    """Run on an Oxigraph store, over the union of its graphs (a plain ORDER BY sorted in Python:
    see kg.query.ordering)."""
    return sorted_in_python(lambda text, form: _result(form, store.query(text, use_default_graph_as_union=True)))


def sorted_in_python(runner: Runner) -> Runner:
    """`runner`, with a plain ORDER BY of a SELECT done in Python (kg.query.ordering): Oxigraph's
    own sort is the larger part of a long listing (meetings at 10,000 articles: 5 of 7.6 s)."""

    def run_sorted(text: str, form: str) -> Result:
        split = ordering.split_order(text) if form == "SELECT" else None
        if split is not None:
            result = runner(split[0], form)
            try:
                result.rows = ordering.sort_rows(result.rows, result.variables, split[1])
                return result
            except ordering.Unorderable:
                pass  # values whose order only the engine knows: it sorts them
        return runner(text, form)

    return run_sorted


def endpoint_runner(url: str, timeout: float = endpoint.TIMEOUT_S) -> Runner:
    """Run on a SPARQL 1.1 Protocol endpoint: JSON results for SELECT and ASK, Turtle for graphs."""

    def run_on_endpoint(text: str, form: str) -> Result:
        graph = form in ("CONSTRUCT", "DESCRIBE")
        body = endpoint.select(url, text, accept="text/turtle" if graph else endpoint.SPARQL_JSON, timeout=timeout)
        try:
            if graph:
                return Result(form, triples=[q.triple for q in ox.parse(body, format=ox.RdfFormat.TURTLE)])
            return _result(form, ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))
        except (SyntaxError, ValueError):
            raise endpoint.EndpointError(f"{endpoint.redact(url)} did not answer with SPARQL {'Turtle' if graph else 'JSON results'} "
                                         f"(it sent {body[:40]!r}…): is it a SPARQL query endpoint?") from None

    return run_on_endpoint


def _result(form: str, answer) -> Result:
    if isinstance(answer, ox.QueryBoolean):
        return Result("ASK", boolean=bool(answer))
    if isinstance(answer, ox.QueryTriples):
        return Result(form, triples=list(answer))
    return Result(form, [v.value for v in answer.variables], [tuple(solution) for solution in answer])


def labels(runner: Runner, iris: set[str], lang: str | None = None) -> dict[str, str]:
    """The name to show for each IRI: its label in `lang`, else in English, else any label or title."""
    if not iris:
        return {}
    values = " ".join(str(ox.NamedNode(iri)) for iri in sorted(iris))
    found = runner(f"SELECT ?s ?l WHERE {{ VALUES ?s {{ {values} }} ?s {NAMES} ?l }}", "SELECT")
    rank = {lang or DEFAULT_LANGUAGE: 0, DEFAULT_LANGUAGE: 1}
    best: dict[str, tuple] = {}
    for subject, label in found.rows:
        key = (rank.get(label.language, 2), label.value)
        if subject.value not in best or key < best[subject.value]:
            best[subject.value] = key
    return {iri: key[1] for iri, key in best.items()}


def parse_params(pairs: Iterable[str]) -> dict[str, str]:
    """``NAME=VALUE`` strings, as typed after ``--param``, as {name: value}.

    >>> parse_params(["entity=CNPC", "note=a=b"])
    {'entity': 'CNPC', 'note': 'a=b'}
    """
    given = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"write parameters as NAME=VALUE, not {pair!r}")
        given[name.strip()] = value
    return given


def choose(ref: str | None, sparql: str | None, queries_dir: Path) -> Query:
    """The query a command names: a library NAME or a FILE.rq (`ref`), or SPARQL text; exactly one."""
    if bool(ref) == bool(sparql):
        raise QueryError("give a query NAME, a FILE.rq or --sparql TEXT (see `kg queries`)")
    return Query.from_text(sparql, origin="--sparql", name="sparql") if sparql else find_query(ref, queries_dir)


@dataclass
class Answer:
    """A query's result, the names to show for its IRIs, and hints when it found nothing."""

    result: Result
    labels: dict[str, str] | None = None
    hints: list[str] = field(default_factory=list)


def answer(query: Query, runner: Runner, given: dict[str, str] | None = None, *, lang: str | None = None,
           names: bool = False, allow_services: tuple[str, ...] = ()) -> Answer:
    """Run a query with its parameters, as `kg query` does (the served query page runs the same
    `run`, and names each page of rows it sends with `labels`).

    The IRIs of the result are named (`labels`) when `names` is asked or a `lang` is given; an
    empty SELECT whose `label` parameters match no entity says so, with the closest names.
    """
    given = given or {}
    result = run(query, runner, given, lang, allow_services)
    hints = unmatched_labels(query, runner, given) if result.form == "SELECT" and not result.rows else []
    named = labels(runner, result.iris(), lang) if names or lang else None
    return Answer(result, named, hints)
