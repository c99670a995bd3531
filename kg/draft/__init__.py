"""Drafting: a proposed facts file for a new article, every proposal marked `status: draft`.

Takes an article text and the known entities of the seeds; gives a YAML (or JSON) facts file
to curate.

- `draft`     assembles the proposals and writes the file;
- `mentions`  known entities by their names, new ones by the form of theirs;
- `amounts`   money, quantities with units, progress and years;
- `relations` projects, financings, and who builds, runs, owns and pays for what;
- `spans`     choosing among overlapping spans, fast.
"""
