"""Pages in headless Chromium, watched: every request they make and every console error.

`watched_page` opens a page of a served build; `Opened` loads a written view (graph.html) and
waits for its ready mark; `page_network` reads the nodes and edges a view embeds.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

from testkit import REPO

ARTIFACTS = REPO / "tests" / "artifacts"  # screenshots of test runs (not committed)
LOCAL_SCHEMES = {"file", "about", "data"}


def watched_page(browser):
    """A new page with the URLs it requests and the errors its console shows."""
    page = browser.new_page()
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    return page, requests, errors


def page_network(path: Path) -> dict:
    """The nodes and edges a page embeds."""
    block = re.search(r'<script type="application/json" id="kg-network">(.*?)</script>', path.read_text(encoding="utf-8"), re.S)
    return json.loads(block.group(1))


class Opened:
    """A view loaded in a fresh page, with every request and console error it produced."""

    def __init__(self, browser, path: Path, name: str, hash: str = ""):
        self.name = name
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.goto(path.resolve().as_uri() + hash)
        self.page.wait_for_function("() => window.kgView && window.kgView.ready")

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def click_node(self, node: str) -> None:
        """Centre the node, then click it where it is drawn, as a user would."""
        self.js("id => kgView.network.moveTo({position: kgView.network.getPositions([id])[id], scale: 1.5})", node)
        box = self.page.locator("#network").bounding_box()
        self.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    def details(self) -> str:
        self.page.wait_for_selector("#details:not([hidden])")
        return self.page.inner_text("#details")

    def screenshot(self, suffix: str = "") -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"view-{self.name}{suffix}.png"))

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests if urlparse(url).scheme not in LOCAL_SCHEMES]
