"""The sources a scenario names, in the order they are tried (domain/recommend.py maps each to a pipeline source)."""

import enum


class SourceKind(enum.Enum):
    QUERY = "QUERY"  # the query text, matched by the request's search mode; only when a query is given
    SESSION = "SESSION"  # near the user's session vector; only when no query text drives the search
    BEHAVIOUR = "BEHAVIOUR"  # products engaged with together with the user's recent ones
    POPULAR = "POPULAR"  # the most engaged products of the last days, topped up with the best rated
    TRENDING = "TRENDING"  # products whose recent engagement is high against their own baseline
    TOP_RATED = "TOP_RATED"  # the best rated; always answers
