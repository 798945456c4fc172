"""Benchmarks of the query path (`make bench`): a dev tool run from the repository, not shipped."""
