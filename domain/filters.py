"""The request model: one typed filter, blend and re-rank settings, validated on construction."""

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from domain.diversity import DiversitySettings
from domain.errors import InvalidInput
from domain.pipeline.pager import PageState
from domain.text import check_phrase
from domain.validation import check_finite, check_id, check_ids, check_no_control_chars, check_range, check_text

if TYPE_CHECKING:
    from domain.rules import Rule
    from domain.source_kinds import SourceKind

MAX_QUERY_CHARS = 512
MAX_TAG_CHARS = 64
MAX_TEXT_MATCH_CHARS = 256
MIN_K, MAX_K = 1, 100
DEFAULT_K = 10
# HNSW candidates per query, bounded so one request cannot make Redis walk the graph at length: the bound is
# well past where recall@10 stops improving at 100k products (docs/benchmarks-history.md, "Recall@10 per
# EF_RUNTIME").
MIN_EF_RUNTIME, MAX_EF_RUNTIME = 1, 1000
MAX_RATING = 5.0
DEFAULT_BLEND_WEIGHT = 0.3
DEFAULT_DISMISSED_WEIGHT = 0.2
# Ids a request may exclude by name; the history adds at most HISTORY_LENGTH more. RediSearch runs a
# negated TAG set of this size inside the KNN pre-filter (docs/benchmarks-history.md, "Events, exclusion and
# replication").
MAX_EXCLUDED_IDS = 1000
DEFAULT_RERANK_WEIGHT = 0.15
MAX_RERANK_WEIGHT = 10.0
DEFAULT_USER_ID = "demo"
MAX_DISTANCE = 2.0  # cosine distance of unit vectors


class SearchMode(enum.Enum):
    SEMANTIC = "SEMANTIC"  # KNN on the query vector
    HYBRID = "HYBRID"  # both, fused by reciprocal rank
    KEYWORD = "KEYWORD"  # BM25 over name and description


def _optional_text(argument: str, value: str | None, max_chars: int) -> str | None:
    # An empty string is rejected rather than read as "no filter": silently widening the result set
    # is worse than telling the caller to omit the field.
    return None if value is None else check_text(argument, value, max_chars)


def _optional_tag(argument: str, value: str | None) -> str | None:
    text = _optional_text(argument, value, MAX_TAG_CHARS)
    return None if text is None else check_no_control_chars(argument, text)


def _optional_number(argument: str, value: float | None, low: float, high: float) -> float | None:
    return None if value is None else check_range(argument, value, low, high)


def _check_hidden(hidden: tuple["ProductFilter", ...]) -> None:
    # One level of field filters: an empty one would hide every product, and ids go to excluded_ids.
    for i, each in enumerate(hidden):
        if each.is_empty or each.excluded_ids or each.hidden:
            raise InvalidInput(f"filters.hidden[{i}]", "must set at least one field, and no ids or hidden filters")


@dataclass(frozen=True)
class ProductFilter:
    """Pre-filters applied inside the KNN search. Every field is optional; all given ones must hold."""

    category: str | None = None
    brand: str | None = None
    min_price: float | None = None
    max_price: float | None = None
    min_rating: float | None = None
    in_stock_only: bool = False
    text_match: str | None = None
    # Never these products (ids checked by ExcludeSettings or taken from the user's history).
    excluded_ids: tuple[str, ...] = ()
    # And none that passes one of these (merchandising HIDE rules): "and not (f1) and not (f2) ...".
    hidden: tuple["ProductFilter", ...] = ()

    def __post_init__(self) -> None:
        def put(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        put("excluded_ids", tuple(sorted(set(self.excluded_ids))))
        _check_hidden(self.hidden)

        put("category", _optional_tag("filters.category", self.category))
        put("brand", _optional_tag("filters.brand", self.brand))
        text_match = _optional_text("filters.text_match", self.text_match, MAX_TEXT_MATCH_CHARS)
        put("text_match", None if text_match is None else check_phrase("filters.text_match", text_match))
        inf = float("inf")
        put("min_price", _optional_number("filters.min_price", self.min_price, 0.0, inf))
        put("max_price", _optional_number("filters.max_price", self.max_price, 0.0, inf))
        put("min_rating", _optional_number("filters.min_rating", self.min_rating, 0.0, MAX_RATING))
        if self.min_price is not None and self.max_price is not None and self.min_price > self.max_price:
            raise InvalidInput(
                "filters.min_price",
                f"must not exceed filters.max_price ({self.min_price:g} > {self.max_price:g})",
            )

    @property
    def is_empty(self) -> bool:
        return self == EVERYTHING


EVERYTHING = ProductFilter()  # no filter at all: each store renders it in its own syntax


@dataclass(frozen=True)
class BlendSettings:
    """Mix the user's session vector into the query vector and push it away from the dismissed vector:
    normalise((1-w)·q + w·s - w_d·d) (domain.vectors.blend); and weigh what shoppers do (co-engagement of the
    user's recent products) by `behaviour_weight` (domain.pipeline.behaviour)."""

    enabled: bool = True
    weight: float = DEFAULT_BLEND_WEIGHT
    dismissed_weight: float = DEFAULT_DISMISSED_WEIGHT
    behaviour_weight: float | None = None  # None: the server's setting; 0 leaves behaviour out

    def __post_init__(self) -> None:
        check_range("blend.weight", self.weight, 0.0, 1.0)
        check_range("blend.dismissed_weight", self.dismissed_weight, 0.0, 1.0)
        if self.behaviour_weight is not None:
            check_range("blend.behaviour_weight", self.behaviour_weight, 0.0, 1.0)

    @property
    def active(self) -> bool:
        return self.enabled and (self.weight > 0 or self.dismissed_weight > 0)


@dataclass(frozen=True)
class ExcludeSettings:
    """Products kept out of the results: by the user's history (the last HISTORY_LENGTH events) and by id."""

    seen: bool = False  # viewed or clicked
    dismissed: bool = True
    purchased: bool = False
    product_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_ids("exclude.product_ids", self.product_ids, MAX_EXCLUDED_IDS)

    @property
    def uses_history(self) -> bool:
        return self.seen or self.dismissed or self.purchased


@dataclass(frozen=True)
class RerankSettings:
    """Subtract weight·ln(1 + affinity) from the distance of products in categories the user clicked."""

    enabled: bool = True
    weight: float = DEFAULT_RERANK_WEIGHT

    def __post_init__(self) -> None:
        check_range("rerank.weight", self.weight, 0.0, MAX_RERANK_WEIGHT)

    @property
    def active(self) -> bool:
        return self.enabled and self.weight > 0


def check_k(k: int) -> None:
    check_finite("k", k)
    if not MIN_K <= k <= MAX_K:
        raise InvalidInput("k", f"must be between {MIN_K} and {MAX_K}, got {k}")


def _check_max_distance(max_distance: float | None) -> None:
    if max_distance is not None:
        check_range("max_distance", max_distance, 0.0, MAX_DISTANCE)


@dataclass(frozen=True)
class RecommendRequest:
    query: str | None = None  # None: "recommended for you" (the session, else popular, else top rated)
    user_id: str = DEFAULT_USER_ID
    filters: ProductFilter = field(default_factory=ProductFilter)
    blend: BlendSettings = field(default_factory=BlendSettings)
    rerank: RerankSettings = field(default_factory=RerankSettings)
    k: int = 10
    ef_runtime: int | None = None  # None: the index's (or the server's) EF_RUNTIME
    exclude: ExcludeSettings | None = None
    mode: SearchMode = SearchMode.SEMANTIC  # applies when a query is given
    diversity: DiversitySettings | None = None
    max_distance: float | None = None
    after: PageState | None = None  # the previous page's state, verified by the API
    rules: tuple["Rule", ...] = ()  # merchandising rules (a scenario's), applied in the pipeline
    scenario: str | None = None  # the scenario serving the request (set with its settings), for attribution
    variant: str | None = None  # the scenario's variant serving it
    sources: tuple["SourceKind", ...] | None = None  # a scenario's fallback order; None: the default order

    def __post_init__(self) -> None:
        if self.query is not None:
            object.__setattr__(self, "query", check_text("query", self.query, MAX_QUERY_CHARS))
        check_id("user_id", self.user_id)
        check_k(self.k)
        if self.ef_runtime is not None and not MIN_EF_RUNTIME <= self.ef_runtime <= MAX_EF_RUNTIME:
            raise InvalidInput(
                "ef_runtime", f"must be between {MIN_EF_RUNTIME} and {MAX_EF_RUNTIME}, got {self.ef_runtime}"
            )
        _check_max_distance(self.max_distance)


@dataclass(frozen=True)
class SimilarRequest:
    """Products like one product; `blend` None is pure item-to-item, given it mixes the session in."""

    product_id: str
    user_id: str = DEFAULT_USER_ID
    filters: ProductFilter = field(default_factory=ProductFilter)
    exclude: ExcludeSettings | None = None
    blend: BlendSettings | None = None
    diversity: DiversitySettings | None = None
    k: int = 10
    max_distance: float | None = None
    after: PageState | None = None  # the previous page's state, verified by the API
    rules: tuple["Rule", ...] = ()  # merchandising rules (a scenario's), applied in the pipeline
    scenario: str | None = None  # the scenario serving the request (set with its settings), for attribution
    variant: str | None = None  # the scenario's variant serving it

    def __post_init__(self) -> None:
        check_id("product_id", self.product_id)
        check_id("user_id", self.user_id)
        check_k(self.k)
        _check_max_distance(self.max_distance)
