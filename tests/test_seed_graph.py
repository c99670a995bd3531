"""The seed article's facts are in the built graph: proved by SPARQL over the real Oxigraph store."""

from __future__ import annotations

from decimal import Decimal

import pytest
from testkit import SEEDS

PREFIXES = """
PREFIX kc: <https://w3id.org/kzcn/ontology#>
PREFIX res: <https://w3id.org/kzcn/resource/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX schema: <https://schema.org/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
"""
ARTICLE = "https://w3id.org/kzcn/resource/article/000_617ef15b8252d5c0"


def ask(store, body: str) -> bool:
    return bool(store.query(PREFIXES + "ASK { " + body + " }", use_default_graph_as_union=True))


def select(store, query: str) -> list[dict]:
    rows = store.query(PREFIXES + query, use_default_graph_as_union=True)
    names = [v.value for v in rows.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in rows]


def test_fact_1_meeting_with_cnpc_in_astana_on_2_july(seed_store):
    assert ask(seed_store, """
        GRAPH <%s> {
          ?m a kc:Meeting ; kc:startDate "2024-07-02"^^xsd:date ; kc:heldIn res:astana ;
             kc:participant res:olzhas-bektenov, res:dai-houliang ;
             kc:reportedBy ?press ; kc:topic ?topic .
          FILTER CONTAINS(?topic, "deepening investment cooperation in the energy industry")
          res:prime-minister-of-kazakhstan kc:heldBy res:olzhas-bektenov ; kc:country res:kazakhstan .
          res:cnpc-chairman kc:heldBy res:dai-houliang ; kc:postIn res:cnpc .
        }
        ?press rdfs:label "Press service of the Prime Minister of Kazakhstan"@en .
        res:cnpc rdfs:label "China National Petroleum Corporation"@en ; skos:altLabel "CNPC" .
    """ % ARTICLE)


def test_fact_2_part_of_the_state_visit_of_xi_jinping(seed_store):
    assert ask(seed_store, """
        ?m a kc:Meeting ; kc:participant res:dai-houliang ; kc:partOfEvent ?visit .
        ?visit a kc:Event ; kc:participant res:xi-jinping ; kc:startDate "2024-07-02"^^xsd:date .
        res:president-of-china org:heldBy res:xi-jinping .
        res:xi-jinping schema:sameAs <http://www.wikidata.org/entity/Q15031> .
    """)


def test_fact_3_shymkent_refinery_project(seed_store):
    assert ask(seed_store, """
        ?m kc:discussed ?p ; kc:outcome ?intent .
        ?p a kc:Project ; kc:concerns res:shymkent-refinery ; kc:partner res:cnpc ; kc:status ?status .
        res:shymkent-refinery a kc:Facility, kc:Asset .
        FILTER (CONTAINS(?intent, "accelerate the modernization") && CONTAINS(?status, "timely commissioning"))
        ?m kc:outcome ?reviewed . FILTER CONTAINS(?reviewed, "current stage")
    """)


def test_fact_4_feedstock_and_pipeline_expansion_with_experts(seed_store):
    assert ask(seed_store, """
        ?m kc:discussed ?p ; kc:topic ?t . FILTER CONTAINS(?t, "supply of raw materials")
        ?p kc:concerns res:kenkiyak-atyrau, res:kenkiyak-kumkol ; kc:status ?s ;
           kc:partner res:kazakhstan, res:china .
        FILTER CONTAINS(?s, "calculations")
        res:kenkiyak-atyrau kc:supplies res:shymkent-refinery .
        res:kenkiyak-kumkol kc:supplies res:shymkent-refinery .
    """)


def test_fact_5_first_line_of_the_gas_pipeline(seed_store):
    assert ask(seed_store, """
        res:beineu-bozoi-shymkent a kc:Pipeline ; kc:commodity "natural gas" ; kc:status ?s .
        FILTER CONTAINS(?s, "first line successfully implemented")
        ?m kc:discussed res:beineu-bozoi-shymkent ; kc:topic ?t . FILTER CONTAINS(?t, "gas sector")
    """)


def test_fact_6_cnpc_investment_and_workforce(seed_store):
    rows = select(seed_store, """
        SELECT ?amount ?currency ?qual ?staff ?share ?desc WHERE {
          res:cnpc kc:investment ?i ; kc:employees ?e ; kc:workforceShare ?w ; kc:description ?desc .
          ?i a schema:MonetaryAmount ; schema:value ?amount ; schema:currency ?currency ; kc:qualifier ?qual .
          ?e schema:value ?staff ; schema:unitText "people" .
          ?w schema:value ?share ; schema:unitText "%" .
        }""")
    assert len(rows) == 1
    row = rows[0]
    assert Decimal(row["amount"]) == Decimal("45000000000") and row["currency"] == "USD" and row["qual"] == "over"
    assert Decimal(row["staff"]) == 30000 and Decimal(row["share"]) == Decimal("98.3")
    assert "top three largest oil companies" in row["desc"]


def test_fact_7_meeting_with_citic_chairman(seed_store):
    assert ask(seed_store, """
        ?m a kc:Meeting ; kc:participant res:olzhas-bektenov, res:xi-guohua ; kc:topic ?a, ?b .
        FILTER (CONTAINS(?a, "joint Kazakh-Chinese projects") && CONTAINS(?b, "energy and industry"))
        res:citic-chairman kc:heldBy res:xi-guohua ; kc:postIn res:citic .
    """)


def test_fact_8_taldykorgan_oskemen_works_and_progress(seed_store):
    rows = select(seed_store, """
        SELECT ?done ?whole ?unit WHERE {
          GRAPH <%s> { res:taldykorgan-oskemen kc:progress ?q . ?q schema:value ?done ; schema:unitText ?unit .
                       OPTIONAL { ?q kc:outOf ?whole } }
        } ORDER BY ?unit""" % ARTICLE)
    assert [(Decimal(r["done"]), r["whole"] and Decimal(r["whole"]), r["unit"]) for r in rows] == [
        (Decimal(48), None, "%"), (Decimal(748), Decimal(768), "km")]
    assert ask(seed_store, """
        GRAPH <%s> {
          ?p a kc:Project ; kc:concerns res:taldykorgan-oskemen ; kc:partner res:china ;
             kc:worksScope ?sections, ?km .
          ?sections schema:value 24.0 ; schema:unitText "sections" .
          ?km schema:value 1131.0 ; schema:unitText "km" .
          ?st rdf:subject ?p ; rdf:object ?km ; kc:onAsset res:taldykorgan-oskemen .
        }""" % ARTICLE)


def test_fact_9_karagandy_balkhash_progress(seed_store):
    assert ask(seed_store, """
        res:karagandy-balkhash kc:progress ?low, ?up .
        ?low schema:value 363.0 ; kc:outOf 363.0 ; schema:unitText "km" .
        ?up schema:value 49.0 ; schema:unitText "%" ; kc:aspect ?a . FILTER CONTAINS(?a, "upper layer")
    """)


def test_fact_10_caspi_bitum_target_capacity(seed_store):
    assert ask(seed_store, """
        GRAPH <%s> {
          ?p kc:concerns res:caspi-bitum-plant ; kc:targetCapacity ?c ; kc:description ?why .
          ?c schema:value 750000.0 ; schema:unitText "t/yr" ; kc:aspect "bitumen" .
          FILTER CONTAINS(?why, "peak construction season")
        }""" % ARTICLE)


def test_fact_11_citic_founded_1979_and_sectors(seed_store):
    rows = select(seed_store, """
        SELECT ?sector WHERE { GRAPH <%s> { res:citic kc:foundingYear "1979"^^xsd:gYear ; kc:sector ?sector } }
        ORDER BY ?sector""" % ARTICLE)
    assert [r["sector"] for r in rows] == ["chemical industry", "energy", "finance", "infrastructure"]


@pytest.mark.parametrize("asset, stops, commodity", [
    ("kenkiyak-atyrau", ["kenkiyak", "atyrau"], "crude oil"),
    ("kenkiyak-kumkol", ["kenkiyak", "kumkol"], "crude oil"),
    ("beineu-bozoi-shymkent", ["beineu", "bozoi", "shymkent"], "natural gas"),
    ("taldykorgan-oskemen", ["taldykorgan", "oskemen"], None),
    ("karagandy-balkhash", ["karagandy", "balkhash"], None),
])
def test_fact_12_routes_in_order_through_places_in_kazakhstan(seed_store, asset, stops, commodity):
    rows = select(seed_store, """
        SELECT DISTINCT ?i ?place WHERE {
          res:%s kc:routeStop ?s . ?s kc:stopIndex ?i ; kc:stopPlace ?place .
          ?place a kc:Place ; kc:locatedIn res:kazakhstan .
        } ORDER BY ?i""" % asset)
    assert [r["place"].rsplit("/", 1)[1] for r in rows] == stops
    if commodity:
        assert ask(seed_store, f'res:{asset} kc:commodity "{commodity}"')


def test_every_article_statement_has_its_quote_at_its_offsets(seed_store):
    rows = select(seed_store, """
        SELECT ?st ?quote ?start ?end ?span ?text WHERE {
          GRAPH ?a { ?st a rdf:Statement ; kc:quote ?quote ; kc:charStart ?start ; kc:charEnd ?end ;
                         kc:evidence ?span ; prov:wasDerivedFrom ?a .
                     ?a a kc:Article ; kc:articleText ?text . }
        }""")
    assert len(rows) > 80
    for r in rows:
        start, end = int(r["start"]), int(r["end"])
        assert r["text"][start:end] == r["quote"]
        assert r["span"] == f"{ARTICLE}#char={start},{end}"


def test_every_fact_of_the_article_lives_in_its_graph_with_a_quote(seed_store):
    # no reified statement of the article graph lacks a quote, and every kc: triple of the
    # article graph has its reified statement
    assert not ask(seed_store, """
        GRAPH <%s> { ?s ?p ?o . FILTER (STRSTARTS(STR(?p), STR(kc:)) && ?p NOT IN (kc:articleText, kc:dateline,
                       kc:quote, kc:evidence, kc:charStart, kc:charEnd, kc:role, kc:note, kc:onAsset, kc:asOf,
                       kc:outOf, kc:aspect, kc:qualifier, kc:share))
                     ?s a kc:Entity .
                     FILTER NOT EXISTS { ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kc:quote ?q } }
    """ % ARTICLE)


def test_which_source_asserts_a_fact(seed_store):
    rows = select(seed_store, """
        SELECT ?g WHERE { GRAPH ?g { res:cnpc kc:foundingYear ?y } }""")
    assert [r["g"] for r in rows] == ["https://w3id.org/kzcn/resource/source/WP"]
    rows = select(seed_store, """
        SELECT DISTINCT ?g WHERE { GRAPH ?g { res:citic kc:foundingYear "1979"^^xsd:gYear } } ORDER BY ?g""")
    assert [r["g"] for r in rows] == [ARTICLE, "https://w3id.org/kzcn/resource/source/WP"]


def test_disagreeing_claims_coexist_with_their_sources(seed_store):
    rows = select(seed_store, """
        SELECT ?g (COUNT(DISTINCT ?asset) AS ?n) WHERE {
          GRAPH ?g { res:national-roads-reconstruction kc:worksScope ?q . ?q schema:value 1131.0 .
                     ?st rdf:object ?q ; kc:onAsset ?asset . }
        } GROUP BY ?g ORDER BY ?g""")
    assert [(r["g"].rsplit("/", 1)[1], int(r["n"])) for r in rows] == [("000_617ef15b8252d5c0", 1), ("PM", 2)]
    rows = select(seed_store, """
        SELECT ?g ?km WHERE { GRAPH ?g { res:kenkiyak-kumkol kc:length ?q . ?q schema:value ?km } } ORDER BY ?km""")
    assert [(r["g"].rsplit("/", 1)[1], Decimal(r["km"])) for r in rows] == [("KCP", 761), ("KMG", 794)]


def test_labels_in_four_languages_and_coordinates(seed_store):
    rows = select(seed_store, """
        SELECT DISTINCT ?lang ?label WHERE { res:cnpc rdfs:label ?label . BIND (LANG(?label) AS ?lang) } ORDER BY ?lang""")
    assert sorted({r["lang"] for r in rows}) == ["en", "kk", "ru", "zh"]
    assert ask(seed_store, 'res:cnpc skos:altLabel "中石油"')
    assert ask(seed_store, """
        res:shymkent schema:latitude 42.317 ; schema:longitude 69.596 ; geo:hasGeometry/geo:asWKT ?wkt .
        FILTER (STR(?wkt) = "POINT(69.596 42.317)")
    """)


def test_rdfs_closure_lets_plain_sparql_see_superclasses(seed_store):
    rows = select(seed_store, "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a kc:Asset }")
    kinds = select(seed_store, """SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {
        VALUES ?kind { kc:Pipeline kc:Road kc:Railway kc:Facility kc:Deposit } ?a a ?kind }""")
    assert int(rows[0]["n"]) == int(kinds[0]["n"]) >= 7  # the seed's 3 pipelines, 2 roads, 2 facilities at least
    assert ask(seed_store, "res:meeting-bektenov-dai-2024-07-02 a schema:Event . res:cnpc a org:Organization")


def test_one_named_graph_per_article_and_per_source(seed_store):
    graphs = sorted(g.value for g in seed_store.named_graphs())
    assert ARTICLE in graphs
    sources = sorted(g.rsplit("/", 1)[1] for g in graphs if "/source/" in g)
    assert {"BSGP", "KCP", "KMG", "NEWS", "PM", "REF", "WD", "WP"} <= set(sources)
    files = sorted((SEEDS / "reference").rglob("*.yaml"))
    assert len(sources) == len(files)  # one graph per reference file
