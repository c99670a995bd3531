"""What an analyst hands on: documents written from the graph and its builds, every line traced to its source.

Takes a build (its store, or any SPARQL endpoint) or two builds; gives a briefing on one entity
(`kg brief`) or what changed between the two (`kg diff`).

- `brief`: the briefing on one entity: names, identity, key figures, relations by kind,
  timeline, disagreements between sources and numbered source notes, built from SPARQL through
  a `kg.query` runner (the build's store or any endpoint);
- `render`: the briefing as Markdown, self-contained HTML (`templates/brief.html`) or JSON, a
  registry keyed by format;
- `sides`: one build, run folder, TriG or N-Quads file read as graph IRI -> triple lines, with a
  cheap token per graph so that unchanged graphs are skipped without being read;
- `diff`: what changed between two of them (statements added, removed and changed, articles and
  sources added or withdrawn, entities added, removed or merged), grouped by entity and property;
- `diffout`: that difference as Markdown, JSON or an RDF Patch;
- `patch`: reading an RDF Patch and applying it to a SPARQL server by SPARQL Update.
"""
