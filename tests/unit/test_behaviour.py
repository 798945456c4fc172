"""The pure parts of behaviour: b's scaling, the weight a request gets, the seeds, the adjusters summed, the
settings that carry every weight."""

import pytest

from adapters.memory_co_engagement import InMemoryCoEngagement
from bootstrap.settings import Settings
from domain.co_engagement import CoEngagementPolicy
from domain.errors import InvalidInput
from domain.events import Event, EventKind
from domain.filters import BlendSettings
from domain.models import Product, Reason, Strategy
from domain.pipeline.adjusters import AffinityBoost
from domain.pipeline.behaviour import BehaviourBonus, BehaviourWeights, UserBehaviour, max_scaled
from domain.pipeline.ranking import Ranking
from domain.pipeline.selectors import TopK
from domain.pipeline.stages import Entry, Pool, Trace

BEHAVIOUR = UserBehaviour(InMemoryCoEngagement(), BehaviourWeights(weight=0.7, seeds=2, seed_decay=0.5))


def test_b_is_scaled_so_the_best_is_one() -> None:
    assert max_scaled([("a", 4.0), ("b", 1.0), ("c", 0.0)]) == {"a": 1.0, "b": 0.25}
    assert max_scaled([]) == {} and max_scaled([("a", 0.0)]) == {}


def test_b_divides_by_the_floor_when_the_best_is_weaker() -> None:
    assert max_scaled([("a", 3.0), ("b", 1.5)], floor=6.0) == {"a": 0.5, "b": 0.25}
    assert max_scaled([("a", 12.0), ("b", 3.0)], floor=6.0) == {"a": 1.0, "b": 0.25}  # strong: max-scaled
    assert max_scaled([("a", 0.0)], floor=6.0) == {}


def test_the_weight_is_the_request_s_else_the_setting_and_off_without_blending() -> None:
    assert BEHAVIOUR.weight(BlendSettings()) == 0.7
    assert BEHAVIOUR.weight(BlendSettings(behaviour_weight=0.0)) == 0.0
    assert BEHAVIOUR.weight(BlendSettings(behaviour_weight=0.2)) == 0.2
    assert BEHAVIOUR.weight(BlendSettings(enabled=False, behaviour_weight=1.0)) == 0.0  # anonymous callers too


@pytest.mark.parametrize("weight", [-0.1, 1.5, float("nan")])
def test_a_weight_outside_zero_to_one_names_the_argument(weight: float) -> None:
    with pytest.raises(InvalidInput) as raised:
        BlendSettings(behaviour_weight=weight)
    assert raised.value.argument == "blend.behaviour_weight"


def test_seeds_are_the_latest_distinct_engaged_products_decayed() -> None:
    history = [Event("c", EventKind.DISMISS, 5.0), Event("b", EventKind.VIEW, 4.0), Event("a", EventKind.PURCHASE, 3.0)]
    history += [Event("b", EventKind.CLICK, 2.0), Event("z", EventKind.VIEW, 1.0)]
    assert BEHAVIOUR.seeds(history) == (("b", 1.0), ("a", 0.5))


def test_affinity_and_behaviour_bonuses_add_up_in_the_affinity_bonus() -> None:
    shoe = Product("s", "Shoe", "", "footwear", "acme", 1.0, 4.0, True)
    pool = Pool([Entry(shoe, 0.3, Reason.MATCHES_QUERY, distance=0.3)], "*", Strategy.QUERY)
    affinity, behaviour = AffinityBoost({"footwear": 1.0}, 0.1), BehaviourBonus({"s": 0.5}, 0.2)
    [item], _ = Ranking(TopK(1), (affinity, behaviour)).page(pool, Trace())
    assert item.affinity_bonus == pytest.approx(0.1 * 0.6931472 + 0.1)
    assert item.score == pytest.approx(0.3 - item.affinity_bonus)
    assert item.explanation is not None and item.explanation.rule_adjustment == 0.0


def test_every_weight_is_a_setting_with_the_documented_default() -> None:
    defaults = Settings()
    assert defaults.behaviour_weights() == BehaviourWeights(1.0, 0.65, 0.05, 10, 0.45, 100, 16.0)
    assert defaults.co_engagement_policy() == CoEngagementPolicy(window=10, backward=0.15, distance_power=0.5)
    assert (defaults.co_engagement_cap, defaults.co_engagement_exponent) == (100, 0.0)
    linking = Settings(co_engagement_backward=0.5, co_engagement_distance_power=1.0).co_engagement_policy()
    assert (linking.backward, linking.distance_power) == (0.5, 1.0)
    tuned = Settings(behaviour_weight=0.4, behaviour_session_weight=2.0, behaviour_query_bonus=0.1)
    assert tuned.behaviour_weights().weight == 0.4 and tuned.behaviour_weights().session_weight == 2.0
