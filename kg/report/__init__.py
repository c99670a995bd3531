"""What an analyst hands on: reports made from builds of the graph.

- `sides`: one build, run folder, TriG or N-Quads file read as graph IRI -> triple lines, with a
  cheap token per graph so that unchanged graphs are skipped without being read;
- `diff`: what changed between two of them (statements added, removed and changed, articles and
  sources added or withdrawn, entities added, removed or merged), grouped by entity and property;
- `diffout`: that difference as Markdown, JSON or an RDF Patch;
- `patch`: reading an RDF Patch and applying it to a SPARQL server by SPARQL Update.
"""
