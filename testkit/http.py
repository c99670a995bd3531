"""Plain HTTP to a served build, as curl would: status, media type and body, errors included."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request


def post(url: str, accept: str = "application/sparql-results+json", **fields) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get_content_type(), exc.read()


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
