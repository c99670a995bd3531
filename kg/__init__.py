"""kg: the knowledge graph of Kazakh–Chinese economic cooperation.

The flow, one sub-package per stage:

- `kg.seeds`  reads the YAML seeds into located records and checks them, alone and together;
- `kg.build`  compiles them to RDF, validates it with SHACL and writes the build (Oxigraph store,
  TriG dump, view), atomically and incrementally;
- `kg.query`  runs the SPARQL query library on the store or any endpoint and writes the results;
- `kg.view`   draws the offline HTML view of the entity network;
- `kg.serve`  serves a build as a guarded SPARQL endpoint with its pages, and pushes it to servers;
- `kg.report` writes what an analyst hands on: the sourced briefing on one entity (`kg brief`);
- `kg.draft`  proposes a facts file for a new article.

Beside them: `kg.vocab` (namespaces, prefixes, label languages), `kg.project` (the project folder
and the names of a build's outputs), `kg.ontology`, `kg.problems` (errors users see), `kg.export`,
`kg.atomicfile`, and `kg.cli`, the `kg` command: a thin layer that parses arguments and calls one
library function per command.
"""
