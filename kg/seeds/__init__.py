"""The seeds: what people write (`seeds/articles/`, `seeds/reference/`), read and checked.

Takes the YAML facts files and article texts; gives located, validated records
(`facts.Document`) and problems that name the file and line.

- `yamlfile`  safe YAML reading that keeps the line of every value;
- `facts`     one file into a `Document` (entities, statements, quantities, sources, units);
- `checks`    checks within and across documents (ids resolve, one type per id, quotes verbatim);
- `quotes`    finding a quote in its article text and its character span.
"""
