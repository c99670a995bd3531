"""HTTP to SPARQL services: credentials, one error type, and queries over the SPARQL 1.1 Protocol.

Standard library only (urllib): a server may ask for HTTP basic or digest authentication
(Virtuoso asks for digest), and every failure becomes one `EndpointError` line that names the
URL and the server's answer but never the password.

>>> redact("http://dba:secret@127.0.0.1:8890/sparql")
'http://127.0.0.1:8890/sparql'
"""

from __future__ import annotations

import socket
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


def opener(url: str, auth: Credentials | None = None) -> urllib.request.OpenerDirector:
    """An opener answering basic or digest challenges from the server at `url` with `auth`."""
    if auth is None:
        return urllib.request.build_opener()
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, url, auth.user, auth.password)
    return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords),
                                       urllib.request.HTTPBasicAuthHandler(passwords))


def send(http: urllib.request.OpenerDirector, method: str, url: str, *, body: bytes | None = None,
         headers: dict[str, str] | None = None, timeout: float = TIMEOUT_S) -> bytes:
    """One HTTP request; the response body, or EndpointError saying what went wrong where."""
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
        raise EndpointError(f"cannot reach {redact(url)}: {exc.reason}") from None
    except (socket.timeout, TimeoutError):
        raise EndpointError(f"{method} {redact(url)}: no answer within {timeout:g} s") from None


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
