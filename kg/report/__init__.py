"""What an analyst hands on: documents written from the graph, every line traced to its source.

- `brief`: the briefing on one entity (`kg brief ENTITY`): names, identity, key figures,
  relations by kind, timeline, disagreements between sources and numbered source notes, built
  from SPARQL through a `kg.query` runner (the build's store or any endpoint).
- `render`: the briefing as Markdown, self-contained HTML (`templates/brief.html`) or JSON, a
  registry keyed by format.
"""
