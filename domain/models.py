"""Value objects of the recommender. Vectors are float32 numpy arrays of the model's dimension."""

import enum
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from domain.pipeline.pager import PageInfo

Vector = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    description: str
    category: str
    brand: str
    price: float
    rating: float
    in_stock: bool

    @property
    def embedding_text(self) -> str:
        """The text a product's vector is computed from; the catalog and refreshes agree on it."""
        return f"{self.name}. {self.description}"


class Strategy(enum.Enum):
    """Which path produced a page of recommendations."""

    QUERY = "QUERY"
    SESSION = "SESSION"
    SIMILAR_PRODUCT = "SIMILAR_PRODUCT"
    POPULAR = "POPULAR"
    TRENDING = "TRENDING"
    TOP_RATED = "TOP_RATED"
    RELATED = "RELATED"  # relatedProducts: co-engaged products, topped up with similar ones
    BEHAVIOUR = "BEHAVIOUR"  # no text: the co-engagement of the user's recent products alone (no session)


class Reason(enum.Enum):
    """Why one item is on the page."""

    MATCHES_QUERY = "MATCHES_QUERY"
    MATCHES_KEYWORDS = "MATCHES_KEYWORDS"
    SIMILAR_TO_SESSION = "SIMILAR_TO_SESSION"
    SIMILAR_TO_PRODUCT = "SIMILAR_TO_PRODUCT"
    POPULAR = "POPULAR"
    TRENDING = "TRENDING"
    TOP_RATED = "TOP_RATED"
    ALSO_VIEWED = "ALSO_VIEWED"  # engaged with close to the seed products by other shoppers
    BOUGHT_TOGETHER = "BOUGHT_TOGETHER"  # put in the cart or bought close to the seed products
    PINNED = "PINNED"  # placed at its position by a merchandising PIN rule


@dataclass(frozen=True)
class Explanation:
    reason: Reason
    vector_distance: float | None = None  # None: no vector was compared (POPULAR, TRENDING, TOP_RATED)
    text_rank: int | None = None  # 1-based rank in the keyword (BM25) list, when the item was in it
    session_weight: float = 0.0  # share of the session vector in the search vector
    affinity_bonus: float = 0.0
    diversity_penalty: float = 0.0
    rule_adjustment: float = 0.0  # subtracted from the score by BOOST (+weight) and BURY (-weight) rules


@dataclass(frozen=True)
class Candidate:
    """A product as ranked for one request: its cosine distance to the search vector, then its adjusted score."""

    product: Product
    vector_distance: float
    score: float
    affinity_bonus: float = 0.0
    explanation: Explanation | None = None  # None: ranked by the query alone (MATCHES_QUERY)


@dataclass(frozen=True)
class UserFeatures:
    """`affinities` are as stored at `affinity_times` (seconds since the epoch, per category): read them
    through domain.session.decay_to, which applies the half-life. `clicks` counts CLICK events only,
    `events` every kind; `dismissed_vector` is the EWMA of dismissed products."""

    user_id: str
    clicks: int = 0
    session_vector: Vector | None = None
    affinities: dict[str, float] = field(default_factory=dict)
    last_clicked_id: str | None = None
    last_clicked_category: str | None = None
    events: int = 0
    dismissed_vector: Vector | None = None
    affinity_times: dict[str, float] = field(default_factory=dict)

    def affinity(self, category: str) -> float:
        return self.affinities.get(category, 0.0)

    def sorted_affinities(self) -> list[tuple[str, float]]:
        """Strongest first; ties by name so the order is stable across requests."""
        return sorted(self.affinities.items(), key=lambda item: (-item[1], item[0]))


@dataclass(frozen=True)
class IndexInfo:
    index_name: str
    num_docs: int
    indexing_failures: int
    vector_index_size_mb: float


@dataclass(frozen=True)
class Timings:
    embed_ms: float
    search_ms: float
    rerank_ms: float
    total_ms: float


@dataclass(frozen=True)
class Recommendations:
    items: list[Candidate]
    filter_clause: str
    used_session: bool
    used_rerank: bool
    timings: Timings
    strategy: Strategy = Strategy.QUERY
    page: PageInfo = field(default_factory=PageInfo)
    scenario: str | None = None  # the named scenario that served the page, if any
    variant: str | None = None  # the scenario's A/B variant that served it ("control" for its own settings)
    recommendation_id: str | None = None  # the page's signed id (domain.attribution); None without ids
