"""`kg draft`: entity and figure detection on annotated articles, the relations it proposes, the
round trip to `kg validate`, and the command's refusals (existing file, empty or non-English input).

Three sets of annotated articles (tests/draft/README.md): the old one (d01–d08 and the seed
article, which the rules were first tuned on), the new one (d09–d16, annotated before the rules
were tuned on them, then tuned on) and the held-out one (d17 on, annotated after that tuning and
never tuned on). Each is scored with two indexes of known entities: the frozen test project's and
the field graph's (seeds/, 1,002 entities: what a user drafting a new article has).
"""

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
EVALUATED = {"Organization", "Person", "Place", "Pipeline", "Road", "Railway", "Facility", "Deposit"}
# units of one dimension compared on one scale: 1.25 Mt/yr is 1250000 t/yr, 1 GW is 1000 MW
SCALES = {"t/yr": ("t/yr", 1), "Mt/yr": ("t/yr", 10**6), "MW": ("MW", 1), "GW": ("MW", 1000)}
GOLD = sorted(p.stem for p in (DATA / "gold").glob("*.yaml"))
SETS = {"old": [g for g in GOLD if g == SEED or g < "d09"], "new": [g for g in GOLD if "d09" <= g < "d17"],
        "held-out": [g for g in GOLD if g >= "d17"]}
# (set, index) -> the least (precision, recall) of entities and of figures; what the rules reach
# (measured figures in tests/draft/README.md), a little below it so that one new miss shows
THRESHOLDS = {
    ("old", "frozen"): {"entities": (0.95, 0.95), "quantities": (0.95, 0.95)},
    ("new", "frozen"): {"entities": (0.90, 0.90), "quantities": (0.95, 0.95)},
    ("old", "field"): {"entities": (0.95, 0.95), "quantities": (0.95, 0.95)},
    ("new", "field"): {"entities": (0.95, 0.95), "quantities": (0.95, 0.95)},
    ("held-out", "frozen"): {"entities": (0.90, 0.75), "quantities": (0.95, 0.95)},
    ("held-out", "field"): {"entities": (0.90, 0.90), "quantities": (0.95, 0.95)},
}


def _name(text: str) -> str:
    return re.sub(r"^the\s+|['’]s$", "", fold(text).strip())


def _article(gold_id: str) -> str:
    path = DATA / "articles" / f"{gold_id}.txt"
    return (path if path.exists() else SEEDS / "articles" / f"{gold_id}.txt").read_text(encoding="utf-8")


def _figure(unit, amount):
    amount = Decimal(str(amount))
    return (SCALES[unit][0], amount * SCALES[unit][1]) if unit in SCALES else (unit, amount)


def score(index, onto, gold_ids):
    """Counts (true positives, predicted, gold) for entities and for figures over the gold files."""
    counts = {"entities": [0, 0, 0], "quantities": [0, 0, 0]}
    misses = []
    for gold_id in gold_ids:
        gold = yaml.safe_load((DATA / "gold" / f"{gold_id}.yaml").read_text(encoding="utf-8"))
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


@pytest.fixture(scope="module")
def indexes(seeds_without_seed_facts, onto):
    """The known entities a new article meets: the frozen test project's, and the field graph's."""
    return {"frozen": known_index(seeds_without_seed_facts, onto),
            "field": known_index(ROOT / "seeds", onto, skip_article=SEED)}


def test_the_sets_are_annotated():
    assert len(SETS["old"]) == 9 and len(SETS["new"]) == 8 and len(SETS["held-out"]) >= 3
    assert all((DATA / "articles" / f"{g}.txt").exists() for g in SETS["new"] + SETS["held-out"])


@pytest.mark.parametrize("which, index_name", sorted(THRESHOLDS))
def test_precision_and_recall_on_annotated_articles(indexes, onto, which, index_name):
    counts, misses = score(indexes[index_name], onto, SETS[which])
    report = {k: (tp / max(pred, 1), tp / max(gold, 1)) for k, (tp, pred, gold) in counts.items()}
    print(which, index_name, "precision, recall:", report, *misses, sep="\n")
    for kind, (precision, recall) in report.items():
        least_precision, least_recall = THRESHOLDS[which, index_name][kind]
        assert recall >= least_recall, (kind, recall, misses)
        assert precision >= least_precision, (kind, precision, misses)


def _draft(gold_id, index, onto):
    return draft_text(_article(gold_id), gold_id, index, onto)


def _statements(d, prop):
    return {(s["subject"], s.get("object")) for s in d.facts["statements"] if s["property"] == prop}


def test_the_khorgos_item_of_the_issue(indexes, onto):
    """The issue's short item about the Khorgos dry port, as a new user meets it: KTZ linked by its id,
    TEU a unit and no firm, the operator, builder and financer proposed, the Chinese builder's country,
    "an increase of 18%" no progress, and the cost on the port rather than on its builder."""
    d = _draft("d12_khorgos_teu", indexes["field"], onto)
    assert d.entities["ktz"][1] >= {"Kazakhstan Temir Zholy", "KTZ"} and "teu" not in d.entities
    assert {(a.unit, a.amount) for a in d.amounts} >= {("TEU", 410000), ("TEU/yr", 1000000)}
    figures = {(s["subject"], s["property"], s["value"].get("unit")) for s in d.facts["statements"] if isinstance(s.get("value"), dict)}
    assert ("khorgos-dry-port", "targetCapacity", "TEU/yr") in figures and ("khorgos-dry-port", "progress", "%") not in figures
    # "built by China Railway International Group at a cost of 27 billion tenge": the cost is the port's
    assert [(s["subject"], s["value"]["amount"]) for s in d.facts["statements"] if s["property"] == "investment"] == [
        ("khorgos-dry-port", 27000000000)]
    assert _statements(d, "operator") == {("khorgos-dry-port", "ktze-khorgos-gateway")}
    assert _statements(d, "contractor") == {("khorgos-dry-port", "china-railway-international")}
    assert _statements(d, "financedBy") == {("khorgos-dry-port", "aiib")}
    assert ("china-railway-international", "china") in _statements(d, "country")
    assert d.entities["dostyk-moiynty"][0] == "Railway" and {"dostyk", "moiynty"} <= set(d.entities)


def test_projects_partners_and_financings(indexes, onto):
    d = _draft("d11_shymkent_refinery", indexes["field"], onto)
    # the field already has this project, under the id the draft gives it: linked, not redeclared
    assert "shymkent-refinery-expansion" not in {e["id"] for e in d.facts["entities"]}
    assert _statements(d, "concerns") == {("shymkent-refinery-expansion", "shymkent-refinery")}
    assert _statements(d, "partner") == {("shymkent-refinery-expansion", "pkop")}
    assert _statements(d, "contractor") == {("shymkent-refinery-expansion", "cpecc")}
    assert _statements(d, "ownedBy") == {("pkop", "kazmunaygas"), ("pkop", "cnpc")}
    d = _draft("d14_moinak_shelek_power", indexes["field"], onto)
    projects = {e["id"]: e["type"] for e in d.facts["entities"]}
    assert projects["shelek-wind-farm-extension"] == "Project"
    assert _statements(d, "partner") >= {("shelek-wind-farm-extension", "samruk-energy"), ("shelek-wind-farm-extension", "powerchina")}
    assert _statements(d, "financedBy") == {("shelek-wind-farm-extension", "icbc")}
    d = _draft("d15_cdb_dbk_loan", indexes["field"], onto)
    loan = "china-development-bank-loan-development-bank-of-kazakhstan"
    assert {e["id"]: e["type"] for e in d.facts["entities"]}[loan] == "Financing"
    assert _statements(d, "lender") == {(loan, "china-development-bank")}
    assert _statements(d, "borrower") == {(loan, "development-bank-of-kazakhstan")}
    assert [s["value"] for s in d.facts["statements"] if s["property"] == "amount"] == [{"amount": 700000000, "currency": "USD"}]
    assert _statements(d, "ownedBy") == {("caspi-bitum", "kazmunaygas"), ("caspi-bitum", "citic")}


def test_accepted_drafts_of_every_article_validate_against_the_field(tmp_path):
    """Each evaluation article drafted against the field graph, every proposal accepted as it is:
    the field graph with all of them still passes `kg validate` (types fit, units exist, ids unique)."""
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    for article in sorted((DATA / "articles").glob("*.txt")):
        text = seeds / "articles" / article.name
        shutil.copy(article, text)
        out = seeds / "facts" / f"{article.stem}.yaml"
        result = CliRunner().invoke(main, ["draft", "--seeds", str(ROOT / "seeds"), str(text), "-o", str(out)])
        assert result.exit_code == 0, result.output
        out.write_text(re.sub(r"(?m)^\s*status: draft\n", "", out.read_text(encoding="utf-8")), encoding="utf-8")
        # what the person adds: title, publisher, url, and the date where the article gives none
        meta = text.with_suffix(".yaml")
        proposed = meta.read_text(encoding="utf-8")
        meta.write_text(proposed + ("" if "date:" in proposed else "date: 2025-01-01\n")
                        + f"title: Fictional evaluation article {article.stem}\n"
                        f"publisher: tests/draft\nurl: https://example.org/{article.stem}\n", encoding="utf-8")
    validate(Project(ROOT, seeds))


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
