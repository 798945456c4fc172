"""The settings of behaviour: how events link products (co-engagement) and how much what shoppers do weighs in
a recommendation (domain.pipeline.behaviour). Every weight is here so a study can set it."""

from pydantic_settings import BaseSettings

from adapters.redis.neighbour_cache import DEFAULT_TTL_S as DEFAULT_CACHE_S
from bootstrap.setting_fields import EVENTS, QUERY_PATH, WEEK_S, option
from domain import co_engagement as co
from domain.events import HISTORY_LENGTH
from domain.pipeline.behaviour import BehaviourWeights

DEFAULTS = BehaviourWeights()


class BehaviourSettings(BaseSettings):
    """Part of bootstrap.settings.Settings (which sets the environment prefix and the rest)."""

    # Co-engagement (domain/co_engagement.py). Its counts double every half-life after a fixed landmark and
    # stay finite for 1000 half-lives: hence a week at least.
    co_engagement: bool = option(True, "keep co-engagement lists, updated by every event", EVENTS)
    co_engagement_key: str = option("recommender:", "key prefix of co-engagement lists, no braces", pattern=r"^[^{}]*$")
    co_engagement_window: int = option(
        co.DEFAULT_WINDOW, "user's earlier events an event links with", EVENTS, ge=1, le=HISTORY_LENGTH
    )
    co_engagement_backward: float = option(
        co.DEFAULT_BACKWARD, "weight of a backward link relative to its forward one", EVENTS, ge=0, le=1
    )
    co_engagement_distance_power: float = option(
        co.DEFAULT_DISTANCE_POWER, "a link between events d apart weighs 1/d^this", EVENTS, ge=0, le=2
    )
    co_engagement_cap: int = option(co.DEFAULT_CAP, "neighbours kept per product and relation", EVENTS, ge=1, le=10**4)
    co_engagement_half_life_s: float = option(
        co.DEFAULT_HALF_LIFE_S, "co-engagement counts halve over this age", EVENTS, ge=WEEK_S, le=1000 * WEEK_S
    )
    co_engagement_cache_s: float = option(
        DEFAULT_CACHE_S,
        "a worker reuses a neighbour list it read for this long (its own writes show at once; 0: off)",
        QUERY_PATH,
        ge=0,
        le=3600,
    )
    co_engagement_exponent: float = option(
        co.DEFAULT_EXPONENT, "a neighbour scores count / total^this when read (0: raw counts)", EVENTS, ge=0, le=1
    )

    # Behaviour in recommendations: "recommended for you" scores w_b * b + w_s * cos(session, item) over the
    # co-engaged and the session's candidates; with a query, a co-engaged candidate's distance drops by
    # w_b * b * behaviour_query_bonus.
    behaviour_weight: float = option(
        DEFAULTS.weight, "w_b: weight of co-engagement, the default of blend.behaviourWeight", QUERY_PATH, ge=0, le=1
    )
    behaviour_session_weight: float = option(
        DEFAULTS.session_weight, "w_s: weight of the session cosine beside co-engagement", QUERY_PATH, ge=0, le=10
    )
    behaviour_query_bonus: float = option(
        DEFAULTS.query_bonus,
        "with a query: a co-engaged item's distance drops by w_b*b*this",
        QUERY_PATH,
        ge=0,
        le=1,
    )
    behaviour_seeds: int = option(
        DEFAULTS.seeds, "the user's latest products co-engagement starts from", QUERY_PATH, ge=1, le=HISTORY_LENGTH
    )
    behaviour_seed_decay: float = option(
        DEFAULTS.seed_decay, "each older seed weighs this much of the next newer one", QUERY_PATH, gt=0, le=1
    )
    behaviour_depth: int = option(
        DEFAULTS.depth, "co-engaged products read per request before filtering", QUERY_PATH, ge=1, le=1000
    )
    behaviour_floor: float = option(
        DEFAULTS.floor,
        "for you: b is a neighbour's fused count over the larger of this and the best one's (0: max-scaled)",
        QUERY_PATH,
        ge=0,
        le=10**6,
    )

    def co_engagement_policy(self) -> co.CoEngagementPolicy:
        return co.CoEngagementPolicy(
            window=self.co_engagement_window,
            backward=self.co_engagement_backward,
            distance_power=self.co_engagement_distance_power,
        )

    def behaviour_weights(self) -> BehaviourWeights:
        return BehaviourWeights(
            weight=self.behaviour_weight,
            session_weight=self.behaviour_session_weight,
            query_bonus=self.behaviour_query_bonus,
            seeds=self.behaviour_seeds,
            seed_decay=self.behaviour_seed_decay,
            depth=self.behaviour_depth,
            floor=self.behaviour_floor,
        )
