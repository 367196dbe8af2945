"""The `openbay` command: a client of the API like any other (plus `serve`)."""
