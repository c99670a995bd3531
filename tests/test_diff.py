"""`kg diff`: two real builds of an edited copy of the test seeds, compared through the CLI.

The edit: a figure revised (the Kenkiyak-Kumkol capacity, 10 -> 12 Mt/yr), a date corrected (its
commissioning, 2009-07-11 -> 2009-07-12), a statement removed (its diameter), an article added
(synthetic: one entity, one relation), an alias renamed (CITIC's "Citic Group"). The diff must
report exactly those, and its patch applied to a real Oxigraph server holding the old build must
give the new build's quads.
"""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.build.pipeline import build
from kg.build.rundir import current_run, previous_run
from kg.cli import main
from kg.project import Project
from kg.serve.push import push
from testkit import REPO
from testkit.servers import oxigraph_server

RES = "https://w3id.org/kzcn/resource/"
KCP, ARTICLE, NEW_ARTICLE = f"{RES}source/KCP", f"{RES}article/000_617ef15b8252d5c0", f"{RES}article/001_test"
AGREEMENT = f"{RES}kmg-cnpc-gas-agreement-2024"


def edit(seeds: Path) -> None:
    """The four edits of the test, made on a copy of the seeds."""
    def replace(path: Path, old: str, new: str) -> None:
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{path} no longer holds {old!r}: update the test's edit"
        path.write_text(text.replace(old, new), encoding="utf-8")

    kcp = seeds / "reference" / "kcp.yaml"
    replace(kcp, "property: capacity, value: {amount: 10, unit: Mt/yr}", "property: capacity, value: {amount: 12, unit: Mt/yr}")
    replace(kcp, "  - {subject: kenkiyak-kumkol, property: diameter, value: {amount: 813, unit: mm}}\n", "")
    replace(kcp, "property: commissioned, value: 2009-07-11,", "property: commissioned, value: 2009-07-12,")
    replace(seeds / "facts" / "000_617ef15b8252d5c0.yaml", "aliases: [Citic Group]", "aliases: [CITIC Limited]")
    (seeds / "articles" / "001_test.txt").write_text(
        "ASTANA – KazMunayGas and CNPC signed an agreement on gas supplies on 3 July 2024.\n", encoding="utf-8")
    (seeds / "articles" / "001_test.yaml").write_text(
        'title: "KazMunayGas and CNPC sign a gas supply agreement"\ndate: 2024-07-03\npublisher: Test Wire\n'
        'url: "https://example.org/001"\nlanguage: en\n', encoding="utf-8")
    (seeds / "facts" / "001_test.yaml").write_text("""article: 001_test
entities:
  - id: kmg-cnpc-gas-agreement-2024
    type: Agreement
    labels: {en: KazMunayGas–CNPC gas supply agreement (2024)}
    quote: "an agreement on gas supplies"
statements:
  - {subject: kmg-cnpc-gas-agreement-2024, property: party, object: cnpc, quote: "KazMunayGas and CNPC signed"}
""", encoding="utf-8")


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """A build folder whose previous build is the test seeds and whose current one the edited copy;
    returns (project, summary of the second build)."""
    root = tmp_path_factory.mktemp("diff")
    seeds = root / "seeds"
    shutil.copytree(REPO / "tests" / "data" / "seeds", seeds)
    project = Project(root=REPO, seeds=seeds, build_dir=root / "build")
    build(project)
    edit(seeds)
    return project, build(project)


def kg(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def diff_json(project: Project, *args: str) -> dict:
    result = kg("diff", "--project", str(REPO), "--build-dir", str(project.out), "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def lines(report: dict) -> set[tuple]:
    return {(c["kind"], c["what"], c["graph"], c["entity"], c["property"],
             c["old"] and c["old"]["value"], c["new"] and c["new"]["value"]) for c in report["changes"]}


EXPECTED = {
    ("changed", "statement", KCP, f"{RES}kenkiyak-kumkol", "https://w3id.org/kzcn/ontology#capacity",
     "10 million tonnes per year", "12 million tonnes per year"),
    ("removed", "statement", KCP, f"{RES}kenkiyak-kumkol", "https://w3id.org/kzcn/ontology#diameter", "813 millimetres", None),
    ("changed", "statement", KCP, f"{RES}kenkiyak-kumkol", "https://w3id.org/kzcn/ontology#commissioned",
     "2009-07-11", "2009-07-12"),
    ("changed", "detail", ARTICLE, f"{RES}citic", "http://www.w3.org/2004/02/skos/core#altLabel", "Citic Group", "CITIC Limited"),
    ("added", "statement", NEW_ARTICLE, AGREEMENT, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", None, "kc:Agreement"),
    ("added", "statement", NEW_ARTICLE, AGREEMENT, "https://w3id.org/kzcn/ontology#party", None, "cnpc"),
    ("added", "detail", NEW_ARTICLE, AGREEMENT, "http://www.w3.org/2000/01/rdf-schema#label", None,
     "KazMunayGas–CNPC gas supply agreement (2024) @en"),
}


def test_diff_reports_exactly_the_edits(builds):
    project, _ = builds
    report = diff_json(project)
    assert lines(report) == EXPECTED
    assert report["sources"] == {"added": [{"graph": NEW_ARTICLE, "kind": "article", "date": "2024-07-03",
                                            "title": "KazMunayGas and CNPC sign a gas supply agreement"}], "withdrawn": []}
    assert report["entities"] == {"added": [AGREEMENT], "removed": [], "merged": []}
    assert report["graphs"]["changed"] == 2  # KCP's source and the alias's article
    capacity = next(c for c in report["changes"] if c["property"].endswith("#capacity"))
    assert capacity["figure"] is True
    commissioned = next(c for c in report["changes"] if c["property"].endswith("#commissioned"))
    assert commissioned["figure"] is False and commissioned["new"]["note"] == "first oil"
    party = next(c for c in report["changes"] if c["property"].endswith("#party"))
    assert party["new"]["quote"] == "KazMunayGas and CNPC signed" and party["new"]["span"] == "9-36"


def test_build_summary_says_what_changed(builds):
    _, summary = builds
    assert summary.changes == ("+2 statements, −1, 1 figure changed, 1 value changed, 2 names or details changed, "
                               "1 article added, 1 entity added")
    assert "since the previous build: +2 statements" in "\n".join(summary.lines())


def test_markdown_groups_by_entity_with_sources(builds):
    project, _ = builds
    result = kg("diff", "--project", str(REPO), "--build-dir", str(project.out))
    assert result.exit_code == 0, result.output
    text = result.output
    section = text.split("### Kenkiyak-Kumkol oil pipeline (res:kenkiyak-kumkol)", 1)[1].split("###", 1)[0]
    assert "- kc:capacity\n  - changed: 10 million tonnes per year → 12 million tonnes per year — source res:source/KCP" in section
    assert "- kc:diameter\n  - removed: 813 millimetres — source res:source/KCP" in section
    assert "article added: KazMunayGas and CNPC sign a gas supply agreement (2024-07-03)" in text
    assert "changed: Citic Group → CITIC Limited — source res:article/000\\_617ef15b8252d5c0" in text


def test_files_and_folders_give_the_same_changes(builds, tmp_path):
    project, _ = builds
    old, new = previous_run(project.out), current_run(project.out)
    from_runs = lines(diff_json(project, str(old), str(new)))
    from_trig = lines(diff_json(project, str(old / "kg.trig"), str(new / "kg.trig")))
    nquads = tmp_path / "new.nq"
    nquads.write_bytes(ox.serialize(ox.parse(path=str(new / "kg.trig")), format=ox.RdfFormat.N_QUADS))
    from_mixed = lines(diff_json(project, str(old), str(nquads)))
    assert from_runs == from_trig == from_mixed == EXPECTED


def test_unchanged_pair_reports_nothing(builds):
    project, _ = builds
    report = diff_json(project, str(project.out), str(current_run(project.out)))
    assert report["changes"] == [] and report["summary"] == "no change" and report["graphs"]["changed"] == 0
    result = kg("diff", "--project", str(REPO), "--build-dir", str(project.out), str(project.out), str(project.out),
                "--format", "nq")
    assert result.output == "TX .\nTC .\n"


@pytest.mark.server
def test_patch_on_a_server_equals_pushing_the_new_build(builds, tmp_path):
    project, _ = builds
    patch = tmp_path / "changes.nq"
    result = kg("diff", "--project", str(REPO), "--build-dir", str(project.out), "--format", "nq", "-o", str(patch))
    assert result.exit_code == 0, result.output
    rows = patch.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "TX ." and rows[-1] == "TC ." and {r[:2] for r in rows[1:-1]} == {"A ", "D "}
    old = ox.Store.read_only(str(previous_run(project.out) / "store"))
    new = ox.Store.read_only(str(current_run(project.out) / "store"))
    (tmp_path / "server").mkdir()
    with oxigraph_server(tmp_path / "server") as server:
        push(old, server.graph_store)
        result = kg("push", "--project", str(REPO), "--build-dir", str(project.out), "--patch", str(patch),
                    "--endpoint", server.update, "--protocol", "update")
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"patched {server.update}: ")
        request = urllib.request.Request(server.graph_store, headers={"Accept": "application/n-quads"})
        with urllib.request.urlopen(request, timeout=30) as response:
            served = set(map(str, ox.parse(response.read(), format=ox.RdfFormat.N_QUADS)))
    assert served == set(map(str, new)) != set(map(str, old))


def test_patch_needs_sparql_update(builds, tmp_path):
    project, _ = builds
    patch = tmp_path / "p.nq"
    patch.write_text("TX .\nTC .\n", encoding="utf-8")
    result = kg("push", "--project", str(REPO), "--build-dir", str(project.out), "--patch", str(patch),
                "--endpoint", "http://127.0.0.1:9/store")
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "--protocol update" in result.output


# Synthetic files: an entity merged into another, and hostile text in the report.
_G = f"<{RES}source/T>"
_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_LABEL, _ALT = "<http://www.w3.org/2000/01/rdf-schema#label>", "<http://www.w3.org/2004/02/skos/core#altLabel>"
_ORG = "<https://w3id.org/kzcn/ontology#Organization>"


def test_an_alias_moved_to_another_id_is_a_merge(tmp_path):
    old, new = tmp_path / "old.nq", tmp_path / "new.nq"
    old.write_text(f'<{RES}citic> {_TYPE} {_ORG} {_G} .\n<{RES}citic> {_LABEL} "CITIC Group"@en {_G} .\n'
                   f'<{RES}citic-ltd> {_TYPE} {_ORG} {_G} .\n<{RES}citic-ltd> {_LABEL} "Citic Limited"@en {_G} .\n',
                   encoding="utf-8")
    new.write_text(f'<{RES}citic> {_TYPE} {_ORG} {_G} .\n<{RES}citic> {_LABEL} "CITIC Group"@en {_G} .\n'
                   f'<{RES}citic> {_ALT} "Citic Limited" {_G} .\n', encoding="utf-8")
    report = json.loads(kg("diff", str(old), str(new), "--format", "json").output)
    assert report["entities"] == {"added": [], "removed": [f"{RES}citic-ltd"],
                                  "merged": [{"entity": f"{RES}citic-ltd", "into": f"{RES}citic", "name": "Citic Limited"}]}
    text = kg("diff", str(old), str(new)).output
    assert "- merged: Citic Limited (res:citic-ltd) into CITIC Group (res:citic) (the name “Citic Limited” moved)" in text


def test_hostile_text_cannot_shape_the_markdown(tmp_path):
    old, new = tmp_path / "old.trig", tmp_path / "new.trig"
    old.write_text(f"{_G} {{ <{RES}x> {_TYPE} {_ORG} . }}\n", encoding="utf-8")
    new.write_text(f'{_G} {{ <{RES}x> {_TYPE} {_ORG} . <{RES}x> {_LABEL} "<img src=x onerror=alert(1)>\\n# [a](b)" . }}\n',
                   encoding="utf-8")
    text = kg("diff", str(old), str(new)).output
    assert "added: \\<img src=x onerror=alert(1)\\> \\# \\[a\\](b)" in text
    assert " <img" not in text and "\n# [" not in text


@pytest.mark.parametrize("args, says", [
    (["{missing}", "{missing}"], "no such build folder or file"),
    (["{bad}", "{bad}"], "not valid TriG"),
    (["{unknown}", "{unknown}"], "unknown RDF format"),
    ([], "no build in"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, says):
    (tmp_path / "bad.trig").write_text("this is not RDF {", encoding="utf-8")
    (tmp_path / "data.xyz").write_text("", encoding="utf-8")
    paths = {"missing": tmp_path / "nope", "bad": tmp_path / "bad.trig", "unknown": tmp_path / "data.xyz"}
    result = kg("diff", "--build-dir", str(tmp_path / "empty"), *[a.format(**paths) for a in args])
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and says in result.output and "Traceback" not in result.output


def test_no_previous_build_says_so(tmp_path):
    project = Project(root=REPO, seeds=REPO / "tests" / "data" / "seeds", build_dir=tmp_path / "build")
    build(project)
    result = kg("diff", "--build-dir", str(project.out))
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "no previous build" in result.output


def test_previous_points_to_the_build_before(tmp_path):
    project = Project(root=REPO, seeds=tmp_path / "seeds", build_dir=tmp_path / "build")
    shutil.copytree(REPO / "tests" / "data" / "seeds", project.seeds)
    runs = []
    for amount in (10, 11, 12, 13, 14):
        kcp = project.seeds / "reference" / "kcp.yaml"
        text = kcp.read_text(encoding="utf-8").replace(f"amount: {amount - 1}, unit: Mt/yr", f"amount: {amount}, unit: Mt/yr")
        kcp.write_text(text, encoding="utf-8")
        build(project)
        runs.append(current_run(project.out))
    assert previous_run(project.out) == runs[-2] and runs[-2].is_dir()



def test_an_unreadable_previous_build_never_fails_the_build(tmp_path):
    project = Project(root=REPO, seeds=tmp_path / "seeds", build_dir=tmp_path / "build")
    shutil.copytree(REPO / "tests" / "data" / "seeds", project.seeds)
    build(project)
    (current_run(project.out) / "trig-index.json").write_text("{}", encoding="utf-8")  # disagrees with the manifest
    kcp = project.seeds / "reference" / "kcp.yaml"
    kcp.write_text(kcp.read_text(encoding="utf-8").replace("amount: 10, unit: Mt/yr", "amount: 11, unit: Mt/yr"),
                   encoding="utf-8")
    summary = build(project)
    assert summary.changes.startswith("not known: the previous build cannot be read (")
    assert "disagree" in summary.changes


def test_a_file_that_interleaves_graphs_is_read_in_batches(tmp_path):
    """A file whose graphs come back later cannot be read a graph at a time: the same report."""
    g2 = f"<{RES}source/U>"
    rows = [f'<{RES}x> {_LABEL} "X"@en {_G} .', f'<{RES}y> {_LABEL} "Y"@en {g2} .', f"<{RES}x> {_TYPE} {_ORG} {_G} ."]
    old, new, grouped = tmp_path / "old.nq", tmp_path / "new.nq", tmp_path / "grouped.nq"
    old.write_text("\n".join(rows) + "\n", encoding="utf-8")
    new.write_text("\n".join(rows).replace('"X"@en', '"X2"@en') + "\n", encoding="utf-8")
    grouped.write_text("\n".join([rows[0], rows[2], rows[1]]).replace('"X"@en', '"X2"@en') + "\n", encoding="utf-8")
    interleaved, by_graph = (json.loads(kg("diff", str(old), str(n), "--format", "json").output) for n in (new, grouped))
    assert lines(interleaved) == lines(by_graph) == {
        ("changed", "detail", _G[1:-1], f"{RES}x", _LABEL[1:-1], "X @en", "X2 @en")}
