"""The `kg` command: a thin layer that parses arguments, calls one library function and prints.

Exit codes, decided in one place (`reports_problems`): 0 success; 1 problems in the input
(`ProblemsFound`, each printed as file:line: what to do); 2 a usage or environment error (the
project's `UsageError` types, an unreadable file, a server that does not answer); 70 an internal
error (a bug: one line, the traceback with KG_DEBUG=1); 130 interrupted.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import sys
from pathlib import Path

import click

from kg import export as exporting
from kg.build import pipeline as build_stage
from kg.build.rundir import open_store
from kg.build.stats import plural
from kg.draft import draft as drafting
from kg.problems import ProblemsFound, UsageError
from kg.project import Project, find_root
from kg.query import results
from kg.report import diffout as diffing
from kg.report import render as briefing
from kg.serve import push as pushing
from kg.serve import DEFAULT_PORT
from kg.view import VIEWS
from kg.vocab import DEFAULT_LANGUAGE, LANGUAGES


def project_options(func):
    """--project, --seeds and --build-dir, shared by every command that reads the project."""

    @click.option("--project", "root", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help="Project folder holding ontology/ and seeds/ (default: here, else the checkout).")
    @click.option("--seeds", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help="Seeds folder (default: PROJECT/seeds).")
    @click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help="Build folder (default: PROJECT/build).")
    @functools.wraps(func)
    def wrapper(root, seeds, build_dir, **kwargs):
        project = Project(root or find_root(), seeds, build_dir)
        return func(project=project, **kwargs)

    return wrapper


def allow_service_option(func):
    """--allow-service: the endpoints a query may call with SERVICE (federation is off by default)."""
    return click.option("--allow-service", "allow_services", multiple=True, metavar="URL_PREFIX",
                        help="Let SERVICE call endpoints whose URL starts with URL_PREFIX (repeatable; off by default).")(func)


def reports_problems(func=None, *, guards_build: bool = False):
    """Turn the library's exceptions into one line per problem and an exit code, never a traceback.

    `guards_build`: the command checks the seeds on the way to writing a build, so its problems
    leave the previous build untouched, and it says so."""
    if func is None:
        return functools.partial(reports_problems, guards_build=guards_build)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ProblemsFound as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            if guards_build:
                click.echo(f"{len(exc.problems)} problem(s); nothing was written, the previous build is unchanged.", err=True)
            sys.exit(1)
        except UsageError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except OSError as exc:
            click.echo(f"error: {exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}", err=True)
            sys.exit(2)
        except Exception as exc:  # noqa: BLE001 - the last guard: one line, not a traceback
            if os.environ.get("KG_DEBUG"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc} (set KG_DEBUG=1 for details and report it)", err=True)
            sys.exit(70)

    return wrapper


@click.group()
@click.version_option(package_name="kzcn-kg")
def main():
    """Knowledge graph of Kazakh–Chinese economic cooperation, built from news articles."""


@main.command()
@project_options
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary; problems are still printed.")
@reports_problems(guards_build=True)
def build(project, as_json, quiet):
    """Check the seeds and build the store, TriG dump and graph view; unchanged files come from the cache.

    Example: kg build --json
    """
    summary = build_stage.build(project, view=_view_writer(), progress=_progress(quiet or as_json),
                                say=lambda line: click.echo(line, err=True))
    if as_json:
        click.echo(json.dumps(summary.as_dict(), indent=2))
    elif not quiet:
        click.echo("\n".join(summary.lines()))


def _progress(off: bool):
    """A progress bar on standard error for long loops (tqdm hides itself when not on a terminal)."""
    if off:
        return build_stage.no_progress
    from tqdm import tqdm

    return lambda items, label: tqdm(items, desc=label, unit="file", leave=False, disable=None, mininterval=0.5)


def _view_writer():
    """The build's view writer, imported only when a view is written: pyvis, networkx and scipy
    take ~1 s to import, a fifth of an incremental build of a corpus too large for a full view."""

    def write(store, path):
        from kg.view.page import write_view

        write_view(store, path)

    return write


@main.command()
@project_options
@reports_problems(guards_build=True)
def validate(project):
    """Run every check of `kg build` without writing anything; exit 0 only when clean.

    Example: kg validate
    """
    summary = build_stage.validate(project)
    click.echo(f"OK: {summary.counts()}; {plural(summary.entity_count, 'entity', 'entities')}; 0 SHACL violations")


@main.command()
@project_options
@click.option("--format", "fmt", type=click.Choice(exporting.FORMATS),
              default="trig", show_default=True, help="Output format; ttl and nt merge all graphs.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to FILE instead of standard output.")
@reports_problems
def export(project, fmt, output):
    """Export the built graph as RDF or as GraphML of the entity network.

    Example: kg export --format graphml -o kg.graphml
    """
    store = open_store(project.out)
    if output:
        exporting.export_to_path(store, fmt, output)
        click.echo(f"wrote {output}", err=True)
    else:
        exporting.export(store, fmt, sys.stdout.buffer)


@main.command()
@project_options
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@reports_problems
def stats(project, as_json):
    """Count quads, graphs, articles, statements and entities per class of the current build.

    Example: kg stats --json
    """
    from kg.build.stats import summarize

    summary = summarize(open_store(project.out), project.out)
    click.echo(json.dumps(summary.as_dict(), indent=2) if as_json else "\n".join(summary.lines()))


@main.command(name="queries")
@project_options
@reports_problems
def list_queries(project):
    """List the library's queries (queries/*.rq) with their summaries and parameters.

    Example: kg queries
    """
    from kg.query.library import load_library

    for name, q in load_library(project.queries_dir).items():
        params = f" [{', '.join(f'{p.name}={p.default}' for p in q.params)}]" if q.params else ""
        click.echo(f"{name:<28} {q.summary}{params}")


@main.command()
@project_options
@click.argument("ref", required=False, metavar="NAME|FILE.rq")
@click.option("--sparql", help="Run this SPARQL text instead of a library query or file.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="Bind a parameter to VALUE (as an RDF term, never as text).")
@click.option("--lang", type=click.Choice(LANGUAGES), default=None, help="Language of labels, falling back to English.")
@click.option("--format", "fmt", type=click.Choice(results.FORMATS), default="table", show_default=True,
              help="Output format (json: SPARQL 1.1 results JSON); CONSTRUCT results are Turtle.")
@click.option("--endpoint", metavar="URL", help="Ask this SPARQL 1.1 endpoint instead of the built store.")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0.1), default=None,
              help="Stop the query after this many seconds (exit 2); Ctrl-C stops it at any time (exit 130).")
@allow_service_option
@reports_problems
def query(project, ref, sparql, params, lang, fmt, endpoint, timeout_s, allow_services):
    """Run a library query, a .rq file or SPARQL text on the built graph.

    Example: kg query entity --param entity=CNPC --lang zh
    """
    from kg.query import run as run_query

    q = run_query.choose(ref, sparql, project.queries_dir)
    given = run_query.parse_params(params)
    runner = run_query.endpoint_runner(endpoint) if endpoint else run_query.store_runner(open_store(project.out))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored (`&`)
    try:
        answer = run_query.within(timeout_s, lambda: run_query.answer(
            q, runner, given, lang=lang, names=fmt in results.FOR_PEOPLE, allow_services=allow_services))
    except run_query.QueryTimeout as exc:
        _exit_now(f"error: {exc}", 2)  # the engine's thread cannot be stopped: end the process
    except KeyboardInterrupt:
        _exit_now("interrupted", 130)
    for hint in answer.hints:
        click.echo(hint, err=True)
    # cut the table to the terminal's width only when it is shown on one
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    click.echo(results.render(answer.result, fmt, answer.labels, width), nl=False)


@main.command()
@project_options
@click.argument("entity")
@click.option("--format", "fmt", type=click.Choice(briefing.FORMATS), default="md", show_default=True,
              help="Markdown, one self-contained HTML file, or JSON.")
@click.option("--lang", type=click.Choice(LANGUAGES), default=DEFAULT_LANGUAGE, show_default=True,
              help="Language of names, falling back to English.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to FILE instead of standard output.")
@click.option("--endpoint", metavar="URL", help="Ask this SPARQL 1.1 endpoint instead of the built store.")
@click.option("--graph", "graph_url", default="graph.html", show_default=True,
              help="Address of the graph view the HTML links entities into (graph.html#ID).")
@reports_problems
def brief(project, entity, fmt, lang, output, endpoint, graph_url):
    """A briefing on ENTITY (a label or alias in any language, or an id): names, figures, relations,
    timeline and disagreements, every line with its source and quote.

    Example: kg brief 中石油 --format html -o cnpc.html
    """
    from kg.atomicfile import write_text_atomic
    from kg.query import run as run_query
    from kg.report.render import Links, brief_as

    runner = run_query.endpoint_runner(endpoint) if endpoint else run_query.store_runner(open_store(project.out))
    text = brief_as(runner, entity, fmt, lang, Links(graph=graph_url))
    if output:
        write_text_atomic(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@main.command()
@project_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback unless you mean to share).")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int, help="Port of the SPARQL endpoint.")
@click.option("--ui-port", type=int, default=None, help="Port of the pages: index, graph view, query library (default: PORT+1).")
@click.option("--timeout", "timeout_s", default=None, type=click.FloatRange(min=0.1),
              help="Seconds a query may run before its client gets 503 [default: 60].")
@click.option("--writable", is_flag=True, help="Accept updates, into a private copy of the build discarded on exit.")
@click.option("--warm", multiple=True, metavar="QUERY",
              help="Run this library query at start so the query page shows it at once (repeatable; e.g. meetings).")
@allow_service_option
@reports_problems
def serve(project, host, port, ui_port, timeout_s, writable, warm, allow_services):
    """Serve the build as a guarded SPARQL 1.1 endpoint, with the graph view and the query library; Ctrl-C stops.

    Example: kg serve --port 7878
    """
    from kg.query.library import load_library
    from kg.serve.server import serve_until_stopped, serving

    queries = load_library(project.queries_dir)
    try:
        with serving(project.out, queries, host=host, port=port, ui_port=ui_port, timeout_s=timeout_s, writable=writable,
                     allow_services=allow_services, warm=warm, say=lambda line: click.echo(line, err=True)) as service:
            click.echo(f"SPARQL endpoint: {service.endpoint} ({'read-write' if writable else 'read-only'}, build {service.run.name})")
            click.echo(f"pages: {service.pages}  (Ctrl-C to stop)")
            serve_until_stopped(service, project.out, click.echo)
    except KeyboardInterrupt:  # Ctrl-C while starting: everything started is already stopped
        click.echo("stopped", err=True)


@main.command()
@project_options
@click.option("--endpoint", "url", required=True, help="Graph Store URL (Oxigraph: …/store, Virtuoso: …/sparql-graph-crud-auth), or the update URL with --protocol update.")
@click.option("--protocol", type=click.Choice(pushing.PROTOCOLS), default=pushing.GRAPH_STORE, show_default=True,
              help="SPARQL 1.1 Graph Store HTTP Protocol, or SPARQL Update for servers without it.")
@click.option("--user", default=None, help="User name; the password comes from KG_PASSWORD or a prompt.")
@click.option("--prune", "query_url", default=None, metavar="QUERY_URL",
              help="Also delete the server's graphs of this project that the build no longer has "
                   "(an article removed); QUERY_URL is the server's SPARQL query endpoint, used to list them.")
@click.option("--patch", "patch", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Apply this `kg diff --format nq` patch (by SPARQL Update, with --protocol update) instead of pushing the build.")
@reports_problems
def push(project, url, protocol, user, query_url, patch):
    """Upload every named graph of the build to a SPARQL server, replacing earlier copies.

    Example: kg push --endpoint http://127.0.0.1:7878/store --prune http://127.0.0.1:7878/query
    """
    from kg.query.endpoint import Credentials, check_url, redact
    from kg.serve.push import prune
    from kg.serve.push import push as upload

    check_url(url)  # before the progress bar: a bad address is one line
    auth = Credentials(user, os.environ.get("KG_PASSWORD") or _ask_password(user)) if user else None
    if patch is not None:
        _push_patch(patch, url, protocol, auth, query_url)
        return
    store = open_store(project.out)
    with click.progressbar(length=len(store), label="pushing", file=sys.stderr) as bar:
        pushed = upload(store, url, protocol=protocol, auth=auth, progress=bar.update)
    click.echo(f"pushed {pushed.graphs} graphs, {pushed.triples:,} triples to {redact(url)}")
    if query_url:
        removed = prune(store, url, query_url, protocol=protocol, auth=auth)
        click.echo(f"deleted {len(removed)} graph(s) the build no longer has" + "".join(f"\n  {g}" for g in removed))


def _push_patch(patch: Path, url: str, protocol: str, auth, query_url) -> None:
    from kg.query.endpoint import redact
    from kg.report.patch import apply_patch

    if protocol != "update" or query_url:
        raise UsageError("--patch is applied by SPARQL Update: give the update URL with --protocol update (and no --prune)")
    done = apply_patch(patch, url, auth)
    click.echo(f"patched {redact(url)}: {done.deleted:,} triples deleted, {done.added:,} added")


@main.command()
@project_options
@click.argument("old", required=False, type=click.Path(path_type=Path))
@click.argument("new", required=False, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(diffing.FORMATS),
              default="md", show_default=True,
              help="md to read, json for scripts, nq for an RDF Patch that `kg push --patch` applies to a server.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to FILE instead of standard output.")
@reports_problems
def diff(project, old, new, fmt, output):
    """What changed between two builds, by entity and property, each change with its source graph.

    OLD and NEW are build folders, run folders (build/runs/ID), or TriG / N-Quads files; without
    them, the previous build and the current one; with OLD alone, OLD and the current build.

    Example: kg diff --format md
    """
    from kg.atomicfile import open_atomic
    from kg.report.diffout import report

    if output:
        with open_atomic(output, "w", encoding="utf-8") as out:
            report(old, new, project.out, fmt, out)
        click.echo(f"wrote {output}", err=True)
    else:
        report(old, new, project.out, fmt, sys.stdout)


def _exit_now(message: str, code: int) -> None:
    """Print and end the process at once, without waiting for a query still running in the engine."""
    click.echo(message, err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _ask_password(user: str) -> str:
    from kg.query.endpoint import EndpointError

    if not sys.stdin.isatty():
        raise EndpointError(f"no password for {user}: set KG_PASSWORD (it is never printed)")
    return click.prompt(f"password for {user}", hide_input=True, err=True)


@main.command()
@project_options
@click.argument("article", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(drafting.FORMATS), default="yaml", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to FILE (and the article's metadata beside it if missing) instead of standard output.")
@click.option("--force", is_flag=True, help="Overwrite FILE even if it exists (it may be curated).")
@reports_problems
def draft(project, article, fmt, output, force):
    """Propose a facts file for ARTICLE.txt, each proposal marked `status: draft` for review.

    Example: kg draft seeds/articles/ID.txt -o seeds/facts/ID.yaml
    """
    if not output:
        from kg.ontology import Ontology

        proposal = drafting.draft_file(article, project.seeds_dir, Ontology(project.ontology_path))
        click.echo(drafting.render(proposal, fmt), nl=False)
        return
    written = drafting.write_draft(article, output, project, fmt, force)
    if written.meta:
        click.echo(f"wrote {written.meta}: add its title, publisher and url", err=True)
    click.echo(f"wrote {output}: {written.entities} entities, {written.statements} statements to review", err=True)


@main.command()
@project_options
@click.option("--lang", type=click.Choice(LANGUAGES), default=DEFAULT_LANGUAGE, show_default=True,
              help="Language of node labels, falling back to English.")
@click.option("--focus", metavar="ENTITY", help="Show only this entity (id, label or alias) and its neighbourhood.")
@click.option("--depth", type=click.IntRange(min=0), default=1, show_default=True, help="Relations to follow from --focus.")
@click.option("--query", "query_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Show the entities and relations of this CONSTRUCT query's result (FILE.rq).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind a parameter of the --query (as an RDF term, never as text), as `kg query` does.")
@click.option("--view", "first_view", type=click.Choice(VIEWS), default=VIEWS[0],
              show_default=True, help="The tab the page opens on (the URL hash #network, #map, #timeline picks one too).")
@click.option("--from", "date_from", metavar="DATE", help="Open with this date range: from a year, YYYY-MM or YYYY-MM-DD.")
@click.option("--to", "date_to", metavar="DATE", help="... to a year, YYYY-MM or YYYY-MM-DD (inclusive).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Page to write (default: BUILD_DIR/view.html).")
@reports_problems
def view(project, lang, focus, depth, query_file, params, first_view, date_from, date_to, output):
    """Write the interactive view of the built graph (network, map, timeline): one HTML file that works offline.

    Example: kg view --query queries/neighbourhood.rq --param entity=Shymkent --view map -o shymkent.html
    """
    from kg.query.library import Query
    from kg.query.run import parse_params
    from kg.view.page import write_view

    output = output or project.out / "view.html"
    query = Query.from_file(query_file) if query_file else None
    net = write_view(open_store(project.out), output, lang=lang, focus=focus, depth=depth, query=query,
                     params=parse_params(params), view=first_view, period=(date_from, date_to))
    for hint in net.graph.get("hints", []):  # why a query's page is empty
        click.echo(hint, err=True)
    click.echo(f"wrote {output}: {net.number_of_nodes()} entities, {net.number_of_edges()} relations")
