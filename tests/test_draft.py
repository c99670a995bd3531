"""`kg draft`: entity and figure detection on annotated articles, the round trip to `kg validate`,
and the command's refusals (existing file, empty or non-English input)."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kg.build.pipeline import validate
from kg.project import Project
from kg.cli import main
from kg.draft.draft import draft_text, known_index
from kg.draft.mentions import fold, slug
from kg.ontology import Ontology
from kg.problems import ProblemsFound
from testkit import REPO as ROOT, SEEDS

SEED = "000_617ef15b8252d5c0"
DATA = Path(__file__).parent / "draft"
EVALUATED = {"Organization", "Person", "Place", "Pipeline", "Road", "Facility"}
PER_YEAR_T = {"t/yr": 1, "Mt/yr": 10**6}


def _name(text: str) -> str:
    return re.sub(r"^the\s+|['’]s$", "", fold(text).strip())


def _article(gold_id: str) -> str:
    path = DATA / "articles" / f"{gold_id}.txt"
    return (path if path.exists() else SEEDS / "articles" / f"{gold_id}.txt").read_text(encoding="utf-8")


def _figure(unit, amount):
    """t/yr and Mt/yr are one scale: 1.25 Mt/yr and 1250000 t/yr are the same figure."""
    amount = Decimal(str(amount))
    return ("t/yr", amount * PER_YEAR_T[unit]) if unit in PER_YEAR_T else (unit, amount)


def score(index, onto):
    """Counts (true positives, predicted, gold) for entities and for figures over all gold files."""
    counts = {"entities": [0, 0, 0], "quantities": [0, 0, 0]}
    misses = []
    for gold_path in sorted((DATA / "gold").glob("*.yaml")):
        gold = yaml.safe_load(gold_path.read_text(encoding="utf-8"))
        d = draft_text(_article(gold["article"]), gold["article"], index, onto)
        # an entity is its names in the text, and its id (a known entity's id is a name's slug)
        predicted = [(t, {_name(s) for s in surfaces} | {key}) for key, (t, surfaces) in d.entities.items() if t in EVALUATED]
        wanted = [(g["type"], {_name(n) for n in g["names"]} | {slug(n) for n in g["names"]}) for g in gold["entities"]]
        hits = 0
        unmatched = list(predicted)
        for g_type, g_names in wanted:
            match = next((p for p in unmatched if p[0] == g_type and p[1] & g_names), None)
            if match:
                unmatched.remove(match)
                hits += 1
            else:
                misses.append((gold["article"], "missed", g_type, sorted(g_names)))
        misses += [(gold["article"], "extra", t, sorted(n)) for t, n in unmatched]
        c = counts["entities"]
        c[0], c[1], c[2] = c[0] + hits, c[1] + len(predicted), c[2] + len(wanted)
        found = [_figure(a.currency or a.unit, a.amount) for a in d.amounts]
        gold_q = [_figure(q.get("currency") or q["unit"], q["amount"]) for q in gold["quantities"]]
        left = list(found)
        q_hits = 0
        for q in gold_q:
            if q in left:
                left.remove(q)
                q_hits += 1
            else:
                misses.append((gold["article"], "missed figure", q))
        misses += [(gold["article"], "extra figure", q) for q in left]
        c = counts["quantities"]
        c[0], c[1], c[2] = c[0] + q_hits, c[1] + len(found), c[2] + len(gold_q)
    return counts, misses


@pytest.fixture(scope="module")
def onto():
    return Ontology(ROOT / "ontology" / "kc.ttl")


@pytest.fixture(scope="module")
def seeds_without_seed_facts(tmp_path_factory, onto):
    """The seeds with the seed article's curated facts removed: what a new article meets."""
    seeds = tmp_path_factory.mktemp("seeds") / "seeds"
    shutil.copytree(SEEDS, seeds)
    (seeds / "facts" / f"{SEED}.yaml").unlink()
    return seeds


def test_precision_and_recall_on_annotated_articles(seeds_without_seed_facts, onto):
    counts, misses = score(known_index(seeds_without_seed_facts, onto), onto)
    report = {k: (tp / max(pred, 1), tp / max(gold, 1)) for k, (tp, pred, gold) in counts.items()}
    print("precision, recall:", report, *misses, sep="\n")
    for kind, (precision, recall) in report.items():
        assert recall >= 0.9, (kind, recall, misses)
        assert precision >= 0.85, (kind, precision, misses)


def test_round_trip_of_the_seed_article_passes_validate(seeds_without_seed_facts, tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(seeds_without_seed_facts, seeds)
    result = CliRunner().invoke(main, ["draft", "--seeds", str(seeds), str(seeds / "articles" / f"{SEED}.txt"),
                                       "-o", str(seeds / "facts" / f"{SEED}.yaml")])
    assert result.exit_code == 0, result.output
    path = seeds / "facts" / f"{SEED}.yaml"
    with pytest.raises(ProblemsFound) as drafts:
        validate(Project(ROOT, seeds))
    assert all("draft proposal not yet reviewed" in p.message for p in drafts.value.problems if p.path.endswith(path.name))
    path.write_text(re.sub(r"(?m)^\s*status: draft\n", "", path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ProblemsFound) as left:
        validate(Project(ROOT, seeds))
    # Only the reference files' mentions of entities that the curated file alone introduces
    # (a project the article describes but never names, a post it names by "the Chinese President").
    assert {re.search(r"'([^']+)'", p.message).group(1) for p in left.value.problems} == {
        "national-roads-reconstruction", "president-of-china"}, left.value.problems


def test_every_quote_is_verbatim_and_every_proposal_is_marked(seeds_without_seed_facts, onto):
    index = known_index(seeds_without_seed_facts, onto)
    for article in sorted((DATA / "articles").glob("*.txt")):
        text = article.read_text(encoding="utf-8")
        d = draft_text(text, article.stem, index, onto)
        for item in d.facts["entities"] + d.facts["statements"]:
            assert item["quote"] in text and item["status"] == "draft"


def test_draft_is_deterministic(seeds_without_seed_facts, onto):
    index = known_index(seeds_without_seed_facts, onto)
    text = _article(SEED)
    assert draft_text(text, SEED, index, onto).facts == draft_text(text, SEED, index, onto).facts


def test_json_format_is_a_facts_document(tmp_path):
    result = CliRunner().invoke(main, ["draft", "--format", "json", str(SEEDS / "articles" / f"{SEED}.txt")])
    assert result.exit_code == 0 and yaml.safe_load(result.output)["article"] == SEED


def test_never_overwrites_without_force(tmp_path):
    out = tmp_path / "facts.yaml"
    out.write_text("curated\n")
    article = str(SEEDS / "articles" / f"{SEED}.txt")
    result = CliRunner().invoke(main, ["draft", article, "-o", str(out)])
    assert result.exit_code == 1 and "--force" in result.output and out.read_text() == "curated\n"
    assert CliRunner().invoke(main, ["draft", article, "-o", str(out), "--force"]).exit_code == 0
    assert "status: draft" in out.read_text()


@pytest.mark.parametrize("text, reason", [
    ("", "empty"),
    ("   \n\n", "empty"),
    ("АСТАНА – Премьер-министр Олжас Бектенов обсудил с председателем CNPC Дай Хоуляном вопросы сотрудничества.", "not in English"),
    ("阿斯塔纳 – 哈萨克斯坦总理别克捷诺夫会见了中国石油天然气集团董事长戴厚良。", "not in English"),
])
def test_unusable_input_gives_one_line_and_exit_1(tmp_path, text, reason):
    article = tmp_path / "x.txt"
    article.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["draft", str(article)])
    assert result.exit_code == 1 and reason in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
