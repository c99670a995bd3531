"""`kg brief` and the query page of `kg serve`: the briefing's content on the seed graph (figures with
their quotes and spans, sources, a disagreement side by side), names in any language, an ambiguous
name, hostile text in the HTML form in Chromium, `--endpoint` parity against a served build; and
the query page with names, paging, sorting, filtering, downloads and the language menu in Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.build.pipeline import build
from kg.project import Project
from kg.query.library import load_library
from kg.query.results import term_json
from kg.query.run import run, store_runner
from kg.report.brief import AmbiguousEntity, briefing
from kg.report.render import render
from kg.serve.server import serving
from kg.view.page import write_view

from testkit import REPO, SEEDS
from testkit.browser import watched_page
from testkit.corpus import generate
from testkit.hostile_source import PAYLOAD, add_hostile_source, with_javascript_url
from testkit.http import get, post
from testkit.servers import free_port
ARTICLE = SEEDS / "articles" / "000_617ef15b8252d5c0.txt"


def kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, cwd=REPO, timeout=120)


@pytest.fixture(scope="module")
def cnpc(seed_store) -> dict:
    return briefing(store_runner(seed_store), "CNPC")


def note(brief: dict, number: int) -> dict:
    return next(s for s in brief["sources"] if s["n"] == number)


def test_cnpc_figures_carry_their_quotes_and_character_spans(cnpc):
    text = ARTICLE.read_text(encoding="utf-8")
    figures = {f["property"]: f for f in cnpc["figures"]}
    expected = {"investment": ("45 billion", "has invested over $45 billion in Kazakhstan’s oil and gas industry"),
                "employees": ("30,000", "The company employs more than 30,000 people in Kazakhstan"),
                "workforce share": ("98.3 %", "98.3% of whom are Kazakh citizens")}
    for prop, (value, quote) in expected.items():
        figure = figures[prop]
        assert value in figure["value"] and figure["as_of"] == "2024-07-02"
        [source] = [note(cnpc, n) for n in figure["notes"]]
        start, end = source["span"]
        assert source["quote"] == quote == text[start:end], "the span points at the quote in the article"
        assert source["title"].startswith("Kazakhstan, China Deepen Cooperation") and source["url"].startswith("https://astanatimes.com/")
    md = render(cnpc, "md")
    assert "| investment | over 45,000,000,000 USD (45 billion) | 2024-07-02 |" in md
    assert f"“has invested over $45 billion in Kazakhstan’s oil and gas industry” (characters {figures['investment'] and note(cnpc, figures['investment']['notes'][0])['span'][0]}–" in md


def test_every_line_has_a_source_note(cnpc):
    lines = cnpc["figures"] + cnpc["facts"] + cnpc["timeline"]
    lines += [i for g in cnpc["relations"] for i in g["items"]] + [d for g in cnpc["relations"] for i in g["items"] for d in i["details"]]
    assert lines and all(line["notes"] or line.get("details") for line in lines)
    numbers = {s["n"] for s in cnpc["sources"]}
    assert numbers == set(range(1, len(numbers) + 1))
    assert {n for line in lines for n in line["notes"]} <= numbers
    kinds = {g["kind"] for g in cnpc["relations"]}
    assert {"Holdings and shares", "Meetings and agreements where it took part", "Partner in"} <= kinds
    share = next(i for g in cnpc["relations"] for i in g["items"] if i["entity"] == "pkop")
    [stake] = share["details"]
    assert stake["qualifiers"] == [["share (%)", "50"]] and note(cnpc, stake["notes"][0])["title"].startswith("news reports")
    wikipedia = next(s for s in cnpc["sources"] if s["title"] == "Wikipedia")
    assert wikipedia["publisher"] == "Wikimedia Foundation" and wikipedia["url"] == "https://en.wikipedia.org"


def test_citic_founding_year_with_its_source(seed_store):
    brief = briefing(store_runner(seed_store), "Citic Group")
    [founded] = [f for f in brief["facts"] if f["property"] == "founding year"]
    assert founded["value"] == "1979"
    sources = [note(brief, n) for n in founded["notes"]]
    assert [(s["kind"], s.get("quote")) for s in sources if s["kind"] == "article"] == [("article", "Founded in 1979, Citic Group")]
    assert [e for e in brief["timeline"] if e["date"] == "1979" and e["entity"] == "citic"]


def test_road_sections_disagreement_side_by_side(seed_store):
    brief = briefing(store_runner(seed_store), "Reconstruction of roads of national importance")
    [case] = [d for d in brief["disagreements"] if d["about"] == "scope of works: 24 sections"]
    by_source = {c["source"]: c for c in case["claims"]}
    article = by_source["Kazakhstan, China Deepen Cooperation in Energy and Road Infrastructure"]
    other = by_source["Kazakhstan keen on revamping trade and transportation"]
    assert article["applies_to"] == "Taldykorgan-Oskemen highway"
    assert other["applies_to"] == "Karagandy-Balkhash highway, Taldykorgan-Oskemen highway"
    assert "24 sections totaling 1,131 kilometers" in article["quote"]
    assert "### scope of works: 24 sections" in render(brief, "md")
    pipeline = briefing(store_runner(seed_store), "BBSh")
    assert pipeline["identity"]["text"] == "Pipeline, natural gas, Beineu → Bozoi → Shymkent, 1,454 km"
    [length] = [d for d in pipeline["disagreements"] if d["about"] == "length"]
    assert sorted(c["value"] for c in length["claims"]) == ["1,454 km", "1,477 km"]


@pytest.mark.parametrize("name", ["中石油", "Қытай ұлттық мұнай-газ корпорациясы", "cnpc", "  cnpc  ", "CNPC"])
def test_any_name_in_any_language_or_the_id_finds_the_entity(seed_store, name):
    assert briefing(store_runner(seed_store), name)["entity"] == "cnpc"


@pytest.mark.parametrize("typed", ["Beineu–Bozoi–Shymkent gas pipeline", "beineu—bozoi—shymkent  GAS pipeline"])
def test_a_name_typed_with_other_dashes_or_spaces_finds_the_entity_and_titles_it(seed_store, typed):
    brief = briefing(store_runner(seed_store), typed)
    assert brief["entity"] == "beineu-bozoi-shymkent" and brief["name"] == "Beineu-Bozoi-Shymkent gas pipeline"


def test_lang_picks_the_names_with_english_fallback(seed_store):
    brief = briefing(store_runner(seed_store), "CNPC", lang="kk")
    assert brief["name"] == "Қытай ұлттық мұнай-газ корпорациясы"
    beijing = next(i for g in brief["relations"] for i in g["items"] if i["entity"] == "beijing")
    assert beijing["name"] == "Beijing"  # no Kazakh label in the test project: English


def test_cli_unknown_name_suggests_and_exits_2(seed_build):
    done = kg("brief", "CNPCC", "--build-dir", str(seed_build))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == "error: no entity has the label, alias or id 'CNPCC'; closest: CNPC, CNPC AMG"


# --- a project with a hostile source, a shared name and enough meetings to page ---------------

@pytest.fixture(scope="module")
def odd_build(tmp_path_factory) -> Path:
    """The test project with 64 synthetic articles (300+ meeting rows) and a source whose labels
    and title are markup meant to run."""
    root = tmp_path_factory.mktemp("odd")
    seeds = generate(64, root / "seeds", seed=3)
    add_hostile_source(seeds)
    out = root / "build"
    build(Project(root=REPO, seeds=seeds, build_dir=out), view=write_view)
    return out


@pytest.fixture(scope="module")
def odd_service(odd_build):
    with serving(odd_build, load_library(REPO / "queries"), port=free_port(), ui_port=free_port()) as running:
        yield running


def test_an_ambiguous_name_lists_the_candidates_and_exits_2(odd_build, tmp_path):
    """The seeds refuse a name shared by two entities; a graph merged from elsewhere may hold one."""
    copy = tmp_path / "build"
    shutil.copytree(odd_build, copy, symlinks=True)
    store = ox.Store(str(copy / "store"))
    store.add(ox.Quad(ox.NamedNode("https://w3id.org/kzcn/resource/hostile"),
                      ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"), ox.Literal("Citic Group"),
                      ox.NamedNode("https://w3id.org/kzcn/resource/source/HOSTILE")))
    with pytest.raises(AmbiguousEntity):
        briefing(store_runner(store), "Citic Group")
    del store  # closes it for the command
    done = kg("brief", "citic group", "--build-dir", str(copy))
    assert done.returncode == 2 and done.stdout == ""
    assert "'citic group' names 2 entities: citic (CITIC Group); hostile (" in done.stderr
    assert "give one of these ids" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert kg("brief", "citic", "--build-dir", str(copy)).returncode == 0, "an id settles it"


def test_hostile_text_in_the_html_briefing_shows_as_text(odd_build, browser, tmp_path):
    store = with_javascript_url(odd_build / "kg.trig")
    path = tmp_path / "hostile.html"
    path.write_text(render(briefing(store_runner(store), "hostile", lang="zh"), "html"), encoding="utf-8")
    md = render(briefing(store_runner(store), "hostile"), "md")
    assert "# \\<img src=x onerror=\"window.\\_\\_xss=1\"\\>" in md and not re.search(r"(?<!\\)<(img|svg|script)", md)
    page, requests, errors = watched_page(browser)
    page.goto(path.as_uri())
    text = page.inner_text("body")
    assert "</script><b>bold</b>" in text and PAYLOAD in text and "</script><script>window.__xss=2</script>" in text
    assert '<svg onload="window.__xss=4">' in text and "<script>window.__xss=6</script>" in text
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.evaluate("document.querySelectorAll('img, svg, b, script').length") == 0
    assert page.locator("a[href^='javascript:']").count() == 0
    assert page.locator("a[href='graph.html#hostile']").count() >= 1
    assert page.locator("a[href='graph.html#cnpc']").count() == 2, "the neighbour (partner, lender) links into the view"
    page.emulate_media(media="print")
    page.pdf(path=str(tmp_path / "hostile.pdf"))  # printable: Chromium lays it out for paper
    page.close()
    assert requests == [path.as_uri()] and errors == []


@pytest.mark.server
def test_endpoint_gives_the_same_markdown_and_the_served_page_offers_it(seed_build):
    with serving(seed_build, load_library(REPO / "queries"), port=free_port(), ui_port=free_port()) as running:
        for name, holds in (("CNPC", "45 billion"), ("Reconstruction of roads of national importance", "### scope of works")):
            local = kg("brief", name, "--build-dir", str(seed_build))
            remote = kg("brief", name, "--endpoint", running.endpoint)
            assert local.returncode == remote.returncode == 0, (local.stderr, remote.stderr)
            assert remote.stdout == local.stdout and holds in local.stdout
        status, body = get(running.pages + "brief?" + urllib.parse.urlencode({"entity": "中石油", "format": "md"}))
        assert status == 200 and body.decode() == kg("brief", "CNPC", "--build-dir", str(seed_build)).stdout
        status, body = get(running.pages + "brief?entity=CNPC")
        assert status == 200 and b"Content-Security-Policy" in body and b'href="/graph.html#cnpc"' in body
        assert b'href="/brief?format=html&amp;lang=en&amp;entity=pkop"' in body
        status, body = get(running.pages + "brief?entity=nobody")
        assert status == 400 and b"no entity has the label" in body
        status, index = get(running.pages)
        assert b'action="/brief"' in index


# --- the query page ------------------------------------------------------------------------------

def test_run_answers_the_count_and_the_first_rows_with_names(odd_service, odd_build):
    status, kind, body = post(odd_service.pages + "run", name="meetings", **{"@lang": "en"})
    data = json.loads(body)
    assert (status, kind) == (200, "application/json") and data["count"] > 300
    assert len(data["rows"]) == 300 and data["vars"][0] == "meeting"
    local = run(load_library(REPO / "queries")["meetings"], store_runner(ox.Store.read_only(str(odd_build / "store"))))
    assert data["rows"] == [[None if t is None else term_json(t) for t in row] for row in local.rows[:300]], \
        "the rows and their order of `kg query meetings` (sorted in Python on both sides)"
    iris = {t["value"] for row in data["rows"] for t in row if t and t["type"] == "uri"}
    assert iris == set(data["labels"]) - (set(data["labels"]) - iris) and len(data["labels"]) > 10
    status, more = get(odd_service.pages + f"rows?token={data['token']}&offset=300&limit=300")
    more = json.loads(more)
    assert status == 200 and len(more["rows"]) == data["count"] - 300
    status, _, again = post(odd_service.pages + "run", name="meetings")
    assert json.loads(again)["token"] == data["token"], "the same query on the same snapshot is answered from what is held"
    assert get(odd_service.pages + "rows?token=nope")[0] == 400
    status, csv = get(odd_service.pages + "download?name=meetings&format=csv")
    assert status == 200 and len(csv.decode().splitlines()) == data["count"] + 1
    status, whole = get(odd_service.pages + "download?name=meetings&format=json")
    assert len(json.loads(whole)["results"]["bindings"]) == data["count"]


def test_query_page_names_pages_sorts_filters_offline(odd_service, browser):
    page, requests, errors = watched_page(browser)
    page.goto(odd_service.pages + "queries")
    section = page.locator("section#meetings")
    section.locator("form button").click()
    section.locator(".result table tbody tr").first.wait_for(timeout=30_000)
    status = section.locator(".status")
    count = int(status.inner_text().split(" row")[0].replace(",", ""))
    assert count > 300 and section.locator("tbody tr").count() == 300
    assert "300 loaded" in status.inner_text()
    body = section.locator("tbody").inner_text()
    assert "res:" not in body and "https://" not in body, "names, not IRIs"
    first = section.locator("tbody tr").first.locator("a.entity").first
    assert first.get_attribute("href").startswith("/brief?format=html&lang=en&entity=")
    assert section.locator("a[download]").nth(0).get_attribute("href").startswith("/download?name=meetings")
    section.locator("button.more").click()
    page.wait_for_function("document.querySelectorAll('section#meetings tbody tr').length > 300")
    assert section.locator("tbody tr").count() == min(count, 600)
    # sort by date, descending on a second click; filter on a participant's name
    section.locator("th button", has_text="date").click()
    section.locator("th button", has_text="date").click()
    dates = [d for d in section.locator("tbody tr td:nth-child(2)").all_inner_texts() if d]
    assert dates == sorted(dates, reverse=True)
    participant = section.locator("input[aria-label='filter participant']")
    participant.fill("china national petroleum")
    shown = section.locator("tbody tr td:nth-child(4)").all_inner_texts()
    assert shown and all(s == "China National Petroleum Corporation◈" for s in shown), shown
    assert "match the filters" in section.locator(".status").inner_text()
    # the language menu renames what is loaded
    participant.fill("")
    page.locator("#lang").select_option("zh")
    page.wait_for_function("document.querySelector('section#meetings tbody').innerText.includes('中国石油天然气集团')")
    participant.fill("中国石油")
    assert set(section.locator("tbody tr td:nth-child(4)").all_inner_texts()) == {"中国石油天然气集团◈"}
    cell = section.locator("tbody tr td:nth-child(4)").first
    assert cell.locator("a.entity").get_attribute("href") == "/brief?format=html&lang=zh&entity=cnpc"
    assert cell.locator("a.graph").get_attribute("href") == "/graph.html#cnpc"
    # hostile labels are text
    section = page.locator("section#entity")
    section.locator("input[name=entity]").fill("<svg onload=\"window.__xss=4\">")
    section.locator("form button").click()
    section.locator(".result table").wait_for(timeout=15_000)
    assert "</script><b>bold</b>" in section.locator("tbody").inner_text()  # the zh label
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.evaluate("document.querySelectorAll('section img, section svg, section b').length") == 0
    artifacts = Path(__file__).parent / "artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "serve-queries-names.png"), full_page=False)
    # an entity's two links: its briefing, and its place in the graph view
    page.goto(odd_service.pages + "brief?format=html&lang=zh&entity=cnpc")
    assert page.inner_text("h1") == "中国石油天然气集团" and "45,000,000,000 USD" in page.inner_text("#figures")
    page.screenshot(path=str(artifacts / "brief-cnpc.png"), full_page=False)
    page.goto(odd_service.pages + "graph.html#cnpc")
    page.wait_for_selector("#details:not([hidden]) h2", timeout=30_000)
    assert "China National Petroleum Corporation" in page.inner_text("#details h2")
    page.close()
    assert not errors, errors
    assert all(url.startswith(odd_service.pages) for url in requests), "only the local pages: no other host"


@pytest.mark.server
def test_warm_runs_the_listing_at_start_and_an_unknown_name_is_one_line(seed_build):
    said = []
    with serving(seed_build, load_library(REPO / "queries"), port=free_port(), ui_port=free_port(), warm=("meetings",),
                 say=said.append) as running:
        deadline = time.monotonic() + 60
        while not said and time.monotonic() < deadline:
            time.sleep(0.1)
        assert said and said[0].startswith("warm: meetings ready on the query page"), said
        status, _, body = post(running.pages + "run", name="meetings")
        assert status == 200 and json.loads(body)["count"] == 6
    done = kg("serve", "--build-dir", str(seed_build), "--port", str(free_port()), "--warm", "meeting")
    assert done.returncode == 2 and done.stderr.strip() == "error: --warm meeting: no such query in the library (see `kg queries`)"


def test_cli_writes_one_self_contained_html_file(seed_build, tmp_path):
    out = tmp_path / "cnpc.html"
    done = kg("brief", "中石油", "--format", "html", "--lang", "ru", "-o", str(out), "--build-dir", str(seed_build),
              "--graph", "../build/graph.html")
    assert done.returncode == 0 and done.stdout == "" and done.stderr.strip() == f"wrote {out}"
    page = out.read_text(encoding="utf-8")
    assert "default-src 'none'" in page and "<script" not in page and "<link rel=\"stylesheet\"" not in page
    assert "<h1>Китайская национальная нефтегазовая корпорация</h1>" in page
    assert 'href="../build/graph.html#cnpc"' in page
    assert json.loads(kg("brief", "cnpc", "--format", "json", "--build-dir", str(seed_build)).stdout)["entity"] == "cnpc"
