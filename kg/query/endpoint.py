"""HTTP to SPARQL services: credentials, one error type, and queries over the SPARQL 1.1 Protocol.

Standard library only (urllib): a server may ask for HTTP basic or digest authentication
(Virtuoso asks for digest), and every failure becomes one `EndpointError` line that names the
URL and the server's answer but never the password.

>>> redact("http://dba:secret@127.0.0.1:8890/sparql")
'http://127.0.0.1:8890/sparql'
"""

from __future__ import annotations

import http.client
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

SPARQL_JSON = "application/sparql-results+json"
TIMEOUT_S = 60


class EndpointError(OSError):
    """A SPARQL service could not be reached or refused a request.

    An OSError, so the CLI reports it like any other environment error: one line, exit 2.
    """


@dataclass(frozen=True)
class Credentials:
    """A user name and password for a SPARQL service; the password never appears in its repr."""

    user: str
    password: str = field(repr=False)


def redact(url: str) -> str:
    """The URL without any user:password part, safe to print."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def check_url(url: str) -> str:
    """`url` if it is an http(s) address with a host; EndpointError saying why not otherwise."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError as exc:
        raise EndpointError(f"{redact_text(url)} is not a usable URL ({exc}): give http://HOST:PORT/PATH") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError(f"{redact_text(url)} is not an http:// or https:// URL with a host: a SPARQL server is reached over HTTP")
    return url


def redact_text(url: str) -> str:
    """A URL that may not even parse, with anything between `//` and `@` hidden."""
    return re.sub(r"//[^/@]*@", "//", url)


def opener(url: str, auth: Credentials | None = None) -> urllib.request.OpenerDirector:
    """An opener answering basic or digest challenges from the server at `url` with `auth`."""
    check_url(url)
    if auth is None:
        return urllib.request.build_opener()
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, url, auth.user, auth.password)
    return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords),
                                       urllib.request.HTTPBasicAuthHandler(passwords))


def send(http: urllib.request.OpenerDirector, method: str, url: str, *, body: bytes | None = None,
         headers: dict[str, str] | None = None, timeout: float = TIMEOUT_S, retries: int = 0) -> bytes:
    """One HTTP request; the response body, or EndpointError saying what went wrong where.

    `retries`: how many times to send again after the connection was reset or refused mid-way, for
    requests that may be repeated safely (a PUT, or a POST of triples: RDF graphs are sets)."""
    for attempt in range(retries + 1):
        try:
            return _send_once(http, method, url, body, headers, timeout)
        except _Transient as exc:
            if attempt == retries:
                raise EndpointError(str(exc)) from None
            time.sleep(0.5 * 2 ** attempt)
    raise AssertionError("unreachable")


class _Transient(Exception):
    """A connection that broke: worth one more try."""


def _send_once(http, method: str, url: str, body, headers, timeout: float) -> bytes:
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with http.open(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read(500).decode("utf-8", "replace").strip().splitlines()
        hint = " (check --user and KG_PASSWORD)" if exc.code in (401, 403) else ""
        raise EndpointError(f"{method} {redact(url)}: HTTP {exc.code} {exc.reason}{hint}"
                            + (f": {detail[0]}" if detail else "")) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ConnectionResetError | BrokenPipeError):
            raise _Transient(f"{method} {redact(url)}: the connection was reset ({exc.reason})") from None
        raise EndpointError(f"cannot reach {redact(url)}: {exc.reason}") from None
    except (socket.timeout, TimeoutError):
        raise EndpointError(f"{method} {redact(url)}: no answer within {timeout:g} s") from None
    except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected) as exc:
        raise _Transient(f"{method} {redact(url)}: the connection was reset ({type(exc).__name__})") from None
    except (ConnectionError, http.client.HTTPException) as exc:  # refused mid-way, or not HTTP at all
        raise EndpointError(f"{method} {redact(url)}: the connection failed ({type(exc).__name__}: {exc})") from None


def form(**fields: str) -> tuple[bytes, dict[str, str]]:
    """A URL-encoded form body and its content type: the one encoding every SPARQL server accepts."""
    return (urllib.parse.urlencode(fields).encode("utf-8"),
            {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})


def select(url: str, sparql: str, *, accept: str = SPARQL_JSON, auth: Credentials | None = None,
           timeout: float = TIMEOUT_S) -> bytes:
    """Run a query on a SPARQL 1.1 Protocol endpoint; the result document in the `accept` format."""
    body, headers = form(query=sparql)
    return send(opener(url, auth), "POST", url, body=body, headers={**headers, "Accept": accept},
                timeout=timeout)


def update(url: str, sparql: str, *, auth: Credentials | None = None, timeout: float = TIMEOUT_S) -> None:
    """Run a SPARQL 1.1 Update on an endpoint (fails with EndpointError if the server refuses)."""
    body, headers = form(update=sparql)
    send(opener(url, auth), "POST", url, body=body, headers=headers, timeout=timeout)
