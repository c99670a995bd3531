"""kg: the knowledge graph of Kazakh–Chinese economic cooperation.

Stages (one module each): `facts` reads the seeds, `checks` checks them together, `compile`
makes RDF, `shacl` validates it, `store` writes the build, `build` runs them in order; the
`cli` module is the `kg` command over them.
"""
