"""Queries: the SPARQL library, run on the build's store or any SPARQL 1.1 endpoint.

Takes a query (library name, file or text) and parameter values; gives rows or a graph, written
as table, csv, tsv, json, md or Turtle.

- `library`     the `queries/*.rq` files, their YAML headers and the SPARQL lexer they share;
- `run`         parameters bound as RDF terms (never spliced), run on the store or an endpoint;
- `sparqlguard` what a query must pass before an engine sees it (depth, SERVICE, updates);
- `ordering`    ORDER BY done in Python where that gives the engine's order faster;
- `results`     writing results in each format;
- `endpoint`    HTTP to SPARQL services (credentials, errors).
"""
