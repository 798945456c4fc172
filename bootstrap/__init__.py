"""Composition root and settings: what the server and the CLI are built from."""
