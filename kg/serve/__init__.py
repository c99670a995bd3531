"""Serving and pushing a build: a guarded SPARQL 1.1 endpoint with pages, and uploads to servers.

Takes a build; gives a local endpoint (`kg serve`) or a remote server's named graphs (`kg push`).

- `server`  `kg serve`: starts the engine and the front end, stops them cleanly;
- `engine`  the Oxigraph server process on a private loopback port, supervised;
- `front`   the public aiohttp front end: guard, deadlines, CORS and Origin rules;
- `pages`   the HTML of the index and query library pages;
- `resultpages` the query page's results: run once, counted, sent a page at a time with names;
- `push`    upload one named graph at a time (Graph Store Protocol or SPARQL Update), prune.
"""

DEFAULT_PORT = 7878  # the SPARQL endpoint of `kg serve`; its pages listen on the next port
