"""Implementations of the domain ports: Redis Search, fastembed, the embedded Redis, catalog files."""
