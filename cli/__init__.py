"""The `recommender` command line."""
