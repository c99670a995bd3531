"""A synthetic corpus for benchmarks: N articles in the real seeds format, never mixed into seeds/.

`generate(n_articles, out_dir, seed=0)` writes a seeds-like folder that `kg build --seeds DIR`
builds like the real one::

    DIR/articles/syn_000001.txt + .yaml   article text and metadata
    DIR/facts/syn_000001.yaml             entities and statements, each with a verbatim quote
    DIR/reference/*.yaml                  copied from tests/data/seeds/reference/
    DIR/articles, DIR/facts               also hold the real seed article, which the reference
                                          files rely on (they state facts about its entities)

Each article reports a meeting between a Kazakh official and the chairman of a company, the
project they discussed and the figures the article gives (investment, workforce, road progress,
plant capacity). People, companies, projects and assets come from pools that grow with N, so an
entity is named by many articles, as in real news; the same generator with the same seed gives
the same corpus. Command line::

    python -m testkit.corpus 10000 /tmp/corpus-10k [--seed 0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
from pathlib import Path

import yaml

from testkit import SEEDS  # the frozen test project: the corpus is the same whatever the graph holds

CITIES = ["astana", "almaty", "shymkent", "aktau", "atyrau", "karagandy", "taldykorgan", "oskemen"]
CITY_NAMES = {"almaty": "Almaty"}  # the others are declared in seeds/reference with their labels
WORDS = ["Silk Road", "Steppe", "Caspian", "Altai", "Tengri", "Great Wall", "Jade", "Ural", "Irtysh", "Tian Shan"]
INDUSTRIES = ["Energy", "Petroleum", "Construction", "Logistics", "Mining", "Chemical", "Power", "Railway"]
FORMS = ["Group", "Corporation", "Holding", "Company"]
FIRST = ["Aibek", "Nurlan", "Dana", "Aigerim", "Yerlan", "Wang", "Li", "Zhang", "Chen", "Liu", "Marat", "Saule"]
LAST = ["Sultanov", "Abenov", "Tokayeva", "Omarov", "Wei", "Jun", "Hao", "Ming", "Bekov", "Zhunusova"]
COMMODITIES = ["crude oil", "natural gas", "oil products"]


def generate(n_articles: int, out_dir: Path, seed: int = 0) -> Path:
    """Write a corpus of `n_articles` synthetic articles into `out_dir` (created); return it."""
    rng = random.Random(seed)
    out = Path(out_dir)
    for sub in ("articles", "facts", "reference"):
        shutil.copytree(SEEDS / sub, out / sub, dirs_exist_ok=True)
    pools = _pools(n_articles)
    for i in range(1, n_articles + 1):
        _article(i, rng, pools, out)
    return out


def _pools(n: int) -> dict:
    """Entity pools sized to the corpus: ~1 company per 10 articles, 1 project per 8..."""
    orgs = [{"id": f"syn-org-{k}", "china": k % 2 == 0,
             "name": f"{WORDS[k % len(WORDS)]} {INDUSTRIES[k // len(WORDS) % len(INDUSTRIES)]} {FORMS[k % len(FORMS)]} {k}"}
            for k in range(max(20, n // 10))]
    people = [{"id": f"syn-person-{k}", "name": f"{FIRST[k % len(FIRST)]} {LAST[k // len(FIRST) % len(LAST)]} {k}"}
              for k in range(max(20, n // 5))]
    assets = []
    for k in range(max(12, n // 15)):
        kind = ("Road", "Pipeline", "Facility")[k % 3]
        a, b = CITIES[k % len(CITIES)], CITIES[(k * 3 + 1) % len(CITIES)]
        name = {"Road": f"{a.title()}-{b.title()} highway section {k}",
                "Pipeline": f"{a.title()}-{b.title()} pipeline {k}",
                "Facility": f"{a.title()} processing plant {k}"}[kind]
        assets.append({"id": f"syn-asset-{k}", "type": kind, "name": name})
    projects = [{"id": f"syn-project-{k}", "asset": assets[k % len(assets)],
                 "name": f"Modernization project {k} of the {assets[k % len(assets)]['name']}"}
                for k in range(max(12, n // 8))]
    return {"orgs": orgs, "people": people, "projects": projects}


def _article(i: int, rng: random.Random, pools: dict, out: Path) -> None:
    article_id = f"syn_{i:06d}"
    date = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(6 * 365))
    city = rng.choice(CITIES)
    official, chairman = rng.sample(pools["people"], 2)
    org, partner = rng.sample(pools["orgs"], 2)
    project = rng.choice(pools["projects"])
    asset = project["asset"]
    sentences, entities, statements = [], {}, []

    def say(text: str) -> str:
        sentences.append(text)
        return text

    def declare(item: dict, kind: str, quote: str, **labels) -> str:
        entities.setdefault(item["id"], {"id": item["id"], "type": kind, "labels": {"en": item["name"], **labels}, "quote": quote})
        return item["id"]

    def state(subject: str, prop: str, quote: str, **rest) -> None:
        statements.append({"subject": subject, "property": prop, **rest, "quote": quote})

    meeting = {"id": f"syn-meeting-{i}", "name": f"Meeting of {official['name']} and {chairman['name']} ({date.isoformat()})"}
    post = {"id": f"{org['id']}-chairman", "name": f"Chairman of {org['name']}"}
    opening = say(f"{CITY_NAMES.get(city, city.title()).upper()} – Deputy Prime Minister {official['name']} met "
                  f"{org['name']} Chairman {chairman['name']} on {date:%B} {date.day}, {date.year} to discuss the {project['name']}.")
    if city in CITY_NAMES:
        declare({"id": city, "name": CITY_NAMES[city]}, "Place", CITY_NAMES[city].upper())
    declare(meeting, "Meeting", opening)
    declare(official, "Person", official["name"])
    declare(chairman, "Person", chairman["name"])
    declare(org, "Organization", org["name"], **({"zh": f"{org['name']} 公司"} if org["china"] else {"ru": f"{org['name']} АО"}))
    declare(post, "Post", f"{org['name']} Chairman")
    declare(project, "Project", project["name"])
    declare(asset, asset["type"], asset["name"])
    state(meeting["id"], "participant", f"Deputy Prime Minister {official['name']}", object=official["id"])
    state(meeting["id"], "participant", f"{org['name']} Chairman {chairman['name']}", object=chairman["id"])
    state(meeting["id"], "participant", f"{org['name']} Chairman", object=org["id"], role="represented by its Chairman")
    state(meeting["id"], "startDate", opening, value=date)
    state(meeting["id"], "heldIn", opening, object=city)
    state(meeting["id"], "discussed", opening, object=project["id"])
    state(post["id"], "heldBy", f"{org['name']} Chairman {chairman['name']}", object=chairman["id"])
    state(post["id"], "postIn", f"{org['name']} Chairman", object=org["id"])

    origin = say(f"{org['name']} is a {'Chinese' if org['china'] else 'Kazakh'} company.")
    state(org["id"], "country", origin, object="china" if org["china"] else "kazakhstan")
    partnership = say(f"{org['name']} and {partner['name']} are partners in the {project['name']}, which concerns the {asset['name']}.")
    declare(partner, "Organization", partner["name"])
    for who in (org, partner):
        state(project["id"], "partner", partnership, object=who["id"], role="partner of the joint project")
    state(project["id"], "concerns", partnership, object=asset["id"])
    topic = rng.choice(["energy cooperation", "transport corridors", "industrial investment", "supply of raw materials"])
    state(meeting["id"], "topic", say(f"The parties also discussed {topic}."), value=topic)

    amount = rng.randrange(1, 500) * 1_000_000
    money = say(f"{org['name']} has invested over ${amount:,} in Kazakhstan.")
    state(org["id"], "investment", money, value={"amount": amount, "currency": "USD", "qualifier": "over", "aspect": "invested in Kazakhstan", "as_of": date})
    staff = rng.randrange(100, 20000)
    workforce = say(f"The company employs {staff:,} people in Kazakhstan, {rng.randrange(80, 100)}% of them Kazakh citizens.")
    state(org["id"], "employees", workforce, value={"amount": staff, "unit": "people", "aspect": "employed in Kazakhstan", "as_of": date})
    if asset["type"] == "Road":
        total = rng.randrange(50, 900)
        done = rng.randrange(0, total)
        progress = say(f"Traffic is open on {done} out of {total} kilometers of the {asset['name']}.")
        state(asset["id"], "progress", progress, value={"amount": done, "out_of": total, "unit": "km", "aspect": "open to traffic", "as_of": date})
    elif asset["type"] == "Pipeline":
        commodity = COMMODITIES[int(asset["id"].rsplit("-", 1)[1]) % len(COMMODITIES)]
        carries = say(f"The {asset['name']} carries {commodity}.")
        state(asset["id"], "commodity", carries, value=commodity)
        length = rng.randrange(100, 1500)
        state(asset["id"], "length", say(f"The pipeline is {length} kilometers long."), value={"amount": length, "unit": "km"})
    else:
        capacity = rng.randrange(1, 100) * 10_000
        target = say(f"The {asset['name']} will reach a capacity of {capacity:,} tons per year.")
        state(asset["id"], "targetCapacity", target, value={"amount": capacity, "unit": "t/yr"})
        state(project["id"], "status", target, value="capacity expansion under way")

    text = "\n\n".join(sentences) + "\n"
    (out / "articles" / f"{article_id}.txt").write_text(text, encoding="utf-8")
    meta = {"title": f"{org['name']} and Kazakhstan discuss the {project['name']}", "date": date, "dateline": city,
            "publisher": "Synthetic Times", "url": f"https://example.org/synthetic/{article_id}", "language": "en"}
    _write_yaml(out / "articles" / f"{article_id}.yaml", meta)
    _write_yaml(out / "facts" / f"{article_id}.yaml",
                {"article": article_id, "entities": list(entities.values()), "statements": statements})


class _NoAliases(yaml.SafeDumper):
    """Writes a repeated value out each time: the facts loader refuses YAML aliases."""

    def ignore_aliases(self, data) -> bool:
        return True


def _write_yaml(path: Path, data: dict) -> None:
    path.write_text(yaml.dump(data, Dumper=_NoAliases, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n_articles", type=int)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    generate(args.n_articles, args.out_dir, args.seed)
    print(f"wrote {args.n_articles} articles to {args.out_dir}")


if __name__ == "__main__":
    main()
