"""The public face of `kg serve`: a guarded SPARQL endpoint in front of the engine, and the pages.

Oxigraph 0.5 has no guard against three things a hostile request can do (docs/serve.md):
a query nested thousands of levels deep overflows its parser's stack and aborts the server;
`SERVICE <url>` makes it request any URL, services on this machine included; and with `--cors`
a writable server accepts updates posted by any web page. So every request reaches the engine
(`kg.serve.engine`, on a private loopback port) through this front end, built on aiohttp:

- queries pass `kg.query.sparqlguard` (nesting depth, SERVICE off unless allowed, no updates on the
  query endpoint) and a size limit, and get a deadline: past it the client gets 503, and when
  `RESTART_AFTER_ABANDONED` queries have run past it the engine is restarted to stop them
  (Oxigraph cannot cancel a query, and its own `--timeout-s` keeps a thread per query);
- a read-only endpoint refuses every write (403) and answers queries to any origin (CORS `*`:
  the data is public, and SERVICE is off); a writable one refuses writes sent by a web page of
  another origin (the `Origin` header), so no page can write through a user's browser;
- a supervisor restarts the engine when it dies, saying why, at most `MAX_RESTARTS` a minute.

The pages (index, graph view, query library) are a second aiohttp application on their own port.
"""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import aiohttp
from aiohttp import web

from kg.query import sparqlguard
from kg.query.endpoint import SPARQL_JSON
from kg.serve.engine import Engine
from kg.query.library import Query, QueryError
from kg.problems import ProblemsFound
from kg.vocab import PREFIXES

MAX_QUERY_BYTES = 1 << 20  # a query or a form of the pages: real ones are a few kilobytes
MAX_UPLOAD_BYTES = 1 << 30  # a Graph Store upload to a writable server
DEADLINE_S = 60  # default time a query may take before its client gets 503
RESTART_AFTER_ABANDONED = 2  # queries past their deadline (still running in the engine) before a restart
MAX_RESTARTS = 5  # per minute: beyond that the engine is failing for a reason a restart will not fix
SUPERVISE_EVERY_S = 0.5
_WRITE_METHODS = {"PUT", "POST", "DELETE", "PATCH"}
# The engine's query page, with YASQE's class and property completers off (they ask LOV) and its
# prefix completer reading the project's prefixes from this server, not prefix.cc: an offline
# page asks no other host.
_QUERY_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>kg serve: SPARQL</title>
<link href="./yasgui.min.css" rel="stylesheet" type="text/css"><script src="./yasgui.min.js"></script>
<link rel="icon" type="image/svg+xml" href="./logo.svg"></head>
<body><div id="yasgui"></div>
<script>
const base = window.location.href.replace(/[#?].*$/, '').replace(/\\/$/, '');
new Yasgui(document.getElementById('yasgui'), {
  requestConfig: {endpoint: base + '/query'},
  copyEndpointOnNewTab: true,
  endpointCatalogueOptions: {getData: () => [{endpoint: base + '/query'}], keys: []},
  yasqe: {autocompleters: ['prefixes', 'variables'], prefixCcApi: base + '/prefixes.json'},
});
</script></body></html>
"""
_ENGINE_ASSETS = ("/yasgui.min.js", "/yasgui.min.css", "/logo.svg")

# aiohttp logs a traceback for each malformed request it answers 400 (a Content-Length of "abc"):
# the client has its answer, and the terminal of `kg serve` must not fill with them
for _name in ("aiohttp.server", "aiohttp.web", "aiohttp.access"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)


class Front:
    """The endpoint's request handling, closed over the engine it guards."""

    def __init__(self, engine: Engine, *, writable: bool = False, allow_services: tuple[str, ...] = (),
                 deadline_s: float = DEADLINE_S, say: Callable[[str], None] = print):
        self.engine, self.writable, self.allow_services = engine, writable, allow_services
        self.deadline_s, self.say = deadline_s, say
        self.abandoned = 0  # queries past their deadline since the engine last started
        self.failed: str | None = None  # why the engine could not be kept running
        self.origins: set[str] = set()  # this server's own origins, for the write check
        self.session: aiohttp.ClientSession | None = None
        self._assets: dict[str, tuple[str, bytes]] = {}
        self._restarting: asyncio.Lock | None = None

    # --- lifecycle -----------------------------------------------------------------------------

    async def open(self) -> None:
        # one keep-alive pool to the engine; no total timeout (deadlines are per query)
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64),
                                             timeout=aiohttp.ClientTimeout(total=None), auto_decompress=False)
        self._restarting = asyncio.Lock()

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()

    async def supervise(self) -> None:
        """Restart the engine when it dies, at most MAX_RESTARTS a minute; say why each time."""
        while True:
            await asyncio.sleep(SUPERVISE_EVERY_S)
            if not self.engine.alive() and self.failed is None:
                await self.restart(f"the engine stopped (exit {self.engine.process.returncode}: {self.engine.last_words()})")

    async def restart(self, why: str) -> None:
        async with self._restarting:
            now = time.monotonic()
            if len([t for t in self.engine.restarts if now - t < 60]) >= MAX_RESTARTS:
                self.failed = f"{why}; restarted {MAX_RESTARTS} times within a minute, giving up"
                return
            self.say(f"restarting the engine: {why}")
            try:
                await asyncio.get_running_loop().run_in_executor(None, self.engine.restart)
            except OSError as exc:
                self.failed = f"{why}; the restart failed: {exc}"
                return
            self.abandoned = 0

    # --- the endpoint --------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_QUERY_BYTES, handler_args={"max_field_size": 16384})
        app.router.add_get("/", self.query_page)
        app.router.add_get("/prefixes.json", self.prefixes)
        for asset in _ENGINE_ASSETS:
            app.router.add_get(asset, self.engine_asset)
        for path in ("/query", "/sparql"):
            app.router.add_route("GET", path, self.query)
            app.router.add_route("POST", path, self.query)
            app.router.add_route("OPTIONS", path, self.preflight)
        app.router.add_route("*", "/update", self.update)
        app.router.add_route("*", "/store", self.store)
        return app

    async def query_page(self, request: web.Request) -> web.Response:
        return web.Response(text=_QUERY_PAGE, content_type="text/html", headers=_SAFE)

    async def prefixes(self, request: web.Request) -> web.Response:
        """The project's prefixes in prefix.cc's format, for the query page's prefix completer."""
        return web.json_response(PREFIXES, headers=_SAFE)

    async def engine_asset(self, request: web.Request) -> web.Response:
        if request.path not in self._assets:
            try:
                async with self.session.get(self.engine.url + request.path) as upstream:
                    self._assets[request.path] = (upstream.content_type, await upstream.read())
            except aiohttp.ClientError:
                return _text(503, "the engine is restarting: try again in a moment")
        kind, body = self._assets[request.path]
        return web.Response(body=body, content_type=kind, headers={"Cache-Control": "max-age=3600", **_SAFE})

    async def preflight(self, request: web.Request) -> web.Response:
        if self.writable:
            return web.Response(status=403, text="cross-origin requests are refused by a writable server")
        return web.Response(status=204, headers={**self._cors(), "Access-Control-Allow-Methods": "GET, POST",
                                                 "Access-Control-Allow-Headers": "Accept, Content-Type",
                                                 "Access-Control-Max-Age": "600"})

    async def query(self, request: web.Request) -> web.StreamResponse:
        try:
            text, graphs = await _query_of(request)
        except web.HTTPException as exc:
            return _text(exc.status, exc.text or exc.reason)
        if text is None:
            return _text(400, "no query: send it as the `query` parameter (SPARQL 1.1 Protocol)")
        try:
            sparqlguard.check(text, self.allow_services)
        except QueryError as exc:
            return _text(400, str(exc), self._cors())
        headers = {"Content-Type": "application/sparql-query", "Accept": request.headers.get("Accept", SPARQL_JSON)}
        return await self.forward(request, "POST", "/query", graphs, text.encode("utf-8"), headers, deadline=True)

    async def update(self, request: web.Request) -> web.StreamResponse:
        refused = self._refuse_write(request)
        if refused is not None:
            return refused
        body = await request.read()
        headers = {"Content-Type": request.headers.get("Content-Type", "application/sparql-update")}
        return await self.forward(request, "POST", "/update", request.query_string, body, headers)

    async def store(self, request: web.Request) -> web.StreamResponse:
        if request.method in _WRITE_METHODS:
            refused = self._refuse_write(request)
            if refused is not None:
                return refused
            if request.content_length is not None and request.content_length > MAX_UPLOAD_BYTES:
                return _text(413, f"uploads are limited to {MAX_UPLOAD_BYTES:,} bytes")
            body = request.content.iter_chunked(1 << 16) if request.can_read_body else None
        elif request.method in ("GET", "HEAD"):
            body = None
        else:
            return _text(405, "the Graph Store takes GET, HEAD, PUT, POST and DELETE")
        headers = {k: v for k, v in request.headers.items() if k in ("Accept", "Content-Type")}
        return await self.forward(request, request.method, "/store", request.query_string, body, headers,
                                  cors=request.method in ("GET", "HEAD"))

    def _refuse_write(self, request: web.Request) -> web.Response | None:
        if not self.writable:
            return _text(403, "this endpoint is read-only: start `kg serve --writable` to accept updates")
        origin = request.headers.get("Origin")
        if (origin is not None and origin not in self.origins) or request.headers.get("Sec-Fetch-Site") == "cross-site":
            return _text(403, "writes sent by a web page of another origin are refused")
        return None

    def _cors(self) -> dict[str, str]:
        return {} if self.writable else {"Access-Control-Allow-Origin": "*"}

    async def forward(self, request: web.Request, method: str, path: str, query_string, body, headers: dict,
                      deadline: bool = False, cors: bool = True) -> web.StreamResponse:
        """Send one request to the engine and stream its answer back."""
        if self.failed is not None:
            return _text(503, f"the engine is down: {self.failed}")
        url = f"{self.engine.url}{path}" + (f"?{query_string}" if isinstance(query_string, str) and query_string else "")
        params = query_string if not isinstance(query_string, str) else None
        call = self.session.request(method, url, params=params, data=body, headers=headers)
        try:
            upstream = await (asyncio.wait_for(call, self.deadline_s) if deadline else call)
        except asyncio.TimeoutError:
            self.abandoned += 1
            if self.abandoned >= RESTART_AFTER_ABANDONED:
                asyncio.ensure_future(self.restart(f"{self.abandoned} queries ran past the {self.deadline_s:g} s deadline"))
            return _text(503, f"the query took longer than {self.deadline_s:g} s: it was stopped", self._cors())
        except aiohttp.ClientError:
            return _text(503, "the engine is restarting: try again in a moment", self._cors())
        async with upstream:
            headers = {**_SAFE, **(self._cors() if cors else {})}
            if "Content-Type" in upstream.headers:
                headers["Content-Type"] = upstream.headers["Content-Type"]
            if upstream.content_length is not None and upstream.content_length < (1 << 20):
                # small answers in one piece: a third less work per request than streaming them
                return web.Response(status=upstream.status, body=await upstream.read(), headers=headers)
            response = web.StreamResponse(status=upstream.status, headers=headers)
            try:
                await response.prepare(request)
                async for chunk in upstream.content.iter_chunked(1 << 16):
                    await response.write(chunk)
                await response.write_eof()
            except (ConnectionResetError, aiohttp.ClientError):
                pass  # the client went away, or the engine restarted mid-answer: nothing more to send
            return response


async def _query_of(request: web.Request) -> tuple[str | None, list[tuple[str, str]]]:
    """The query text and the dataset parameters of a SPARQL 1.1 Protocol query request."""
    dataset = [(k, v) for k, v in request.query.items() if k in ("default-graph-uri", "named-graph-uri")]
    if request.method == "GET":
        return request.query.get("query"), dataset
    kind = request.content_type
    if kind == "application/sparql-query":
        return await _decoded(request), dataset
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        dataset += [(k, str(v)) for k, v in form.items() if k in ("default-graph-uri", "named-graph-uri")]
        query = form.get("query")
        return (str(query) if query is not None else None), dataset
    raise web.HTTPUnsupportedMediaType(text="send the query as application/sparql-query or a form with `query`")


async def _decoded(request: web.Request) -> str:
    try:
        return (await request.read()).decode("utf-8")
    except UnicodeDecodeError:
        raise web.HTTPBadRequest(text="the request body is not UTF-8") from None


_SAFE = {"X-Content-Type-Options": "nosniff"}


def _text(status: int, message: str, headers: dict | None = None) -> web.Response:
    return web.Response(status=status, text=message.rstrip("\n") + "\n", content_type="text/plain",
                        headers={**_SAFE, **(headers or {})})


# --- the pages ---------------------------------------------------------------------------------

class Pages:
    """The index, the query library page (`/run`, `/rows`, `/download`), `/brief`, and the build's files (view, dump)."""

    def __init__(self, front: Front, files: dict[str, Path], index: str, listing: str, queries: dict[str, Query],
                 endpoint: str = ""):
        from kg.serve.resultpages import ResultPages

        self.front, self.files, self.queries, self.endpoint = front, files, queries, endpoint
        self.index, self.listing = index.encode("utf-8"), listing.encode("utf-8")
        self.results = ResultPages(endpoint, queries, front.allow_services)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_QUERY_BYTES)
        app.router.add_get("/", self.index_page)
        app.router.add_get("/queries", self.queries_page)
        app.router.add_post("/run", self.run)
        app.router.add_get("/rows", self.rows)
        app.router.add_get("/download", self.download)
        app.router.add_get("/brief", self.brief)
        app.router.add_get("/{path:.*}", self.file)
        return app

    async def index_page(self, request: web.Request) -> web.Response:
        return web.Response(body=self.index, content_type="text/html", charset="utf-8", headers=_SAFE)

    async def queries_page(self, request: web.Request) -> web.Response:
        return web.Response(body=self.listing, content_type="text/html", charset="utf-8", headers=_SAFE)

    async def file(self, request: web.Request) -> web.Response:
        path = self.files.get(request.path)
        if path is None:
            return _text(404, "not found")
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return web.FileResponse(path, headers={"Content-Type": kind + ("; charset=utf-8" if kind.startswith("text/") else ""),
                                               **_SAFE})

    async def run(self, request: web.Request) -> web.Response:
        """Run a library query with the page's parameters: its row count and first rows with names (JSON)."""
        try:
            form = await request.post()
        except web.HTTPException as exc:  # a body over the size limit
            return _text(exc.status, f"{exc.reason}: the form is limited to {MAX_QUERY_BYTES:,} bytes")
        except (ValueError, UnicodeDecodeError):
            return _text(400, "send the query's name and parameters as a form (UTF-8)")
        fields = {k: str(v) for k, v in form.items()}
        if "name" not in fields:
            return _text(400, "send the query's name and parameters as a form: name=QUERY&PARAM=VALUE")
        from kg.serve.resultpages import LANG_FIELD

        name, lang = fields.pop("name"), fields.pop(LANG_FIELD, None) or None
        if name not in self.queries:
            return _text(404, "no such query")
        given = {k: v for k, v in fields.items() if v != ""}
        return await self._blocking(self.results.run, name, given, lang)

    async def rows(self, request: web.Request) -> web.Response:
        """More rows of a result `/run` holds: ?token=…&offset=N&limit=N&@lang=xx."""
        from kg.serve.resultpages import LANG_FIELD, PAGE_ROWS

        try:
            offset, limit = int(request.query.get("offset", 0)), int(request.query.get("limit", PAGE_ROWS))
        except ValueError:
            return _text(400, "offset and limit are whole numbers")
        return await self._blocking(self.results.page, request.query.get("token", ""), offset, limit,
                                    request.query.get(LANG_FIELD) or None)

    async def download(self, request: web.Request) -> web.StreamResponse:
        """The whole result of a library query from the endpoint, as CSV or SPARQL JSON: ?name=…&format=csv|json&PARAM=…"""
        from kg.query.run import prepare

        fields = dict(request.query)
        query = self.queries.get(fields.pop("name", ""))
        kind = DOWNLOADS.get(fields.pop("format", "csv"))
        if query is None or kind is None:
            return _text(404, f"no such query or format (formats: {', '.join(DOWNLOADS)})")
        try:
            sparql = prepare(query, {k: v for k, v in fields.items() if v != ""}, allow_services=self.front.allow_services)
        except (QueryError, ProblemsFound) as exc:
            return _text(400, str(exc))
        headers = {"Content-Type": "application/sparql-query", "Accept": kind}
        return await self.front.forward(request, "POST", "/query", "", sparql.encode("utf-8"), headers, deadline=True, cors=False)

    async def brief(self, request: web.Request) -> web.Response:
        """The briefing on an entity: ?entity=NAME|ID&format=html|md|json&lang=en|ru|kk|zh."""
        from kg.query.run import endpoint_runner
        from kg.report.render import FORMATS, MEDIA_TYPES, Links, brief_as

        fmt, lang = request.query.get("format", "html"), request.query.get("lang", "en")
        if fmt not in FORMATS:
            return _text(400, f"format must be one of {', '.join(FORMATS)}")
        links = Links(graph="/graph.html", brief=f"/brief?format=html&lang={quote(lang)}&entity=")
        try:
            text = await asyncio.get_running_loop().run_in_executor(
                None, brief_as, endpoint_runner(self.endpoint), request.query.get("entity", ""), fmt, lang, links)
        except QueryError as exc:
            return _text(400, str(exc))
        except OSError as exc:  # the endpoint is restarting or the query passed its deadline
            return _text(503, str(exc))
        return web.Response(text=text, content_type=MEDIA_TYPES[fmt], charset="utf-8", headers=_SAFE)

    async def _blocking(self, work, *args) -> web.Response:
        """JSON of `work(*args)` run in a thread (it asks the endpoint over HTTP); a refusal as one line of text."""
        try:
            answer = await asyncio.get_running_loop().run_in_executor(None, work, *args)
        except (QueryError, ProblemsFound) as exc:
            return _text(400, str(exc))
        except OSError as exc:  # the endpoint is restarting or the query passed its deadline
            return _text(503, str(exc))
        return web.json_response(answer, headers=_SAFE, dumps=_compact_json)


DOWNLOADS = {"csv": "text/csv", "json": SPARQL_JSON, "tsv": "text/tab-separated-values"}


def _compact_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
