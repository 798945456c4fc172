"""Co-engagement's pure rules: which links an event makes, how neighbour lists are fused, forward decay."""

import math

import pytest

from domain.co_engagement import (
    LANDMARK_S,
    CoEngagementPolicy,
    Link,
    Relation,
    fuse,
    growth,
    incoming,
    links,
    recent_seeds,
)
from domain.events import DEFAULT_WEIGHTS, Event, EventKind

V, C, A, P, D = EventKind.VIEW, EventKind.CLICK, EventKind.ADD_TO_CART, EventKind.PURCHASE, EventKind.DISMISS
AV, BT = Relation.ALSO_VIEWED, Relation.BOUGHT_TOGETHER
# The link tests compute by hand with 1/d and a backward link at half the forward one; the defaults have their own test.
POLICY = CoEngagementPolicy(window=10, backward=0.5, distance_power=1.0)


def _history(*pairs: tuple[str, EventKind]) -> list[Event]:
    """Events newest first, as the history gives them."""
    return [Event(pid, kind, 0.0) for pid, kind in pairs]


def _links(pid: str, kind: EventKind, *previous: tuple[str, EventKind], policy: CoEngagementPolicy = POLICY) -> set:
    found = links(Event(pid, kind, 0.0), _history(*previous), weights=DEFAULT_WEIGHTS, policy=policy)
    return {(link.source, link.target, link.relation, round(link.weight, 9)) for link in found}


def test_forward_by_one_over_distance_backward_at_half_that() -> None:
    got = _links("p", C, ("a", V), ("b", C), ("c", V))
    assert got == {
        ("a", "p", AV, 1.0),
        ("p", "a", AV, 0.5),
        ("b", "p", AV, 0.5),
        ("p", "b", AV, 0.25),
        ("c", "p", AV, round(1 / 3, 9)),
        ("p", "c", AV, round(1 / 6, 9)),
    }


def test_the_new_event_kind_sets_the_weight() -> None:
    assert ("a", "p", AV, 0.5) in _links("p", V, ("a", P))
    assert ("a", "p", AV, 3.0) in _links("p", P, ("a", V))


def test_dismiss_links_nothing_and_dismissed_products_are_not_linked_but_count_in_distance() -> None:
    assert _links("p", D, ("a", V), ("b", P)) == set()
    assert _links("p", V, ("x", D), ("a", V)) == {("a", "p", AV, 0.25), ("p", "a", AV, 0.125)}


def test_bought_together_only_between_carts_and_purchases() -> None:
    got = _links("p", P, ("a", V), ("b", A), ("c", P))
    assert {link for link in got if link[2] is BT} == {
        ("b", "p", BT, 1.5),
        ("p", "b", BT, 0.75),
        ("c", "p", BT, 1.0),
        ("p", "c", BT, 0.5),
    }
    assert {link[:2] for link in got if link[2] is AV} == {("a", "p"), ("p", "a"), ("b", "p"), ("p", "b")} | {
        ("c", "p"),
        ("p", "c"),
    }
    assert all(link[2] is AV for link in _links("p", C, ("b", A), ("c", P)))


def test_the_product_itself_and_repeats_are_skipped_window_bounds() -> None:
    got = _links("p", C, ("p", V), ("a", V), ("a", C), ("b", V))
    assert got == {("a", "p", AV, 0.5), ("p", "a", AV, 0.25), ("b", "p", AV, 0.25), ("p", "b", AV, 0.125)}
    narrow = CoEngagementPolicy(window=2, backward=0.0, distance_power=1.0)
    assert _links("p", C, ("a", V), ("b", V), ("c", V), policy=narrow) == {("a", "p", AV, 1.0), ("b", "p", AV, 0.5)}
    assert _links("p", C) == set()


def test_by_default_a_link_weighs_one_over_root_distance_and_backward_is_a_small_share() -> None:
    default = CoEngagementPolicy()
    got = _links("p", C, ("a", V), ("b", V), ("c", V), ("d", V), policy=default)
    forward = {(q, 1 / math.sqrt(d)) for d, q in enumerate("abcd", start=1)}
    backward = {("p", q, AV, round(0.15 * w, 9)) for q, w in forward}
    assert got == {(q, "p", AV, round(w, 9)) for q, w in forward} | backward
    flat = CoEngagementPolicy(backward=0.0, distance_power=0.0)
    assert _links("p", C, ("a", V), ("b", V), policy=flat) == {("a", "p", AV, 1.0), ("b", "p", AV, 1.0)}


@pytest.mark.parametrize(
    "bad",
    [{"window": 0}, {"backward": -0.1}, {"backward": 1.5}, {"distance_power": -0.1}, {"distance_power": 2.5}],
)
def test_policy_refuses_out_of_range(bad: dict) -> None:
    with pytest.raises(ValueError):
        CoEngagementPolicy(**bad)


def test_incoming_sums_per_relation_and_target() -> None:
    found = [Link("a", "p", AV, 1.0), Link("b", "p", AV, 0.5), Link("p", "a", AV, 0.5), Link("a", "p", BT, 2.0)]
    assert incoming(found) == {(AV, "p"): 1.5, (AV, "a"): 0.5, (BT, "p"): 2.0}


def test_growth_doubles_every_half_life_and_refuses_past_the_horizon() -> None:
    assert growth(LANDMARK_S, 10.0) == 1.0
    assert growth(LANDMARK_S + 30.0, 10.0) == 8.0
    assert growth(LANDMARK_S - 10.0, 10.0) == 0.5
    assert math.isfinite(growth(LANDMARK_S + 1000 * 10.0, 10.0))
    with pytest.raises(ValueError, match="half-lives"):
        growth(LANDMARK_S + 1001 * 10.0, 10.0)


def test_normalisation_puts_a_niche_partner_above_a_best_seller() -> None:
    lists = {"tent": [("best-seller", 10.0), ("tent-pegs", 4.0)]}
    totals = {"best-seller": 10_000.0, "tent-pegs": 16.0}
    assert [c for c, _ in fuse({"tent": 1.0}, lists, totals, exponent=0.0, n=5)] == ["best-seller", "tent-pegs"]
    got = fuse({"tent": 1.0}, lists, totals, exponent=0.5, n=5)
    assert got == [("tent-pegs", 1.0), ("best-seller", pytest.approx((10 / 100) / (4 / 4)))]


def test_fusion_sums_raw_counts_weighted_by_seed_leaving_seeds_out() -> None:
    # No seed's list is scaled on its own: a seed with strong links outweighs one with weak links.
    lists = {"s1": [("a", 8.0), ("b", 4.0), ("s2", 100.0)], "s2": [("b", 1.0), ("c", 0.5)]}
    got = dict(fuse({"s1": 1.0, "s2": 0.5}, lists, {}, exponent=0.0, n=10))
    assert got == {"a": 8.0, "b": pytest.approx(4.0 + 0.5 * 1.0), "c": pytest.approx(0.5 * 0.5)}
    by_weight = fuse({"s1": 0.1, "s2": 1.0}, lists, {}, exponent=0.0, n=2)
    assert by_weight == [("b", pytest.approx(0.1 * 4.0 + 1.0)), ("a", pytest.approx(0.1 * 8.0))]
    assert fuse({"s1": 1.0}, lists, {}, exponent=0.0, n=2) == [("s2", 100.0), ("a", 8.0)]  # s2: not a seed here
    assert fuse({"s1": 1.0}, lists, {}, exponent=0.0, n=0) == []
    assert fuse({"lonely": 1.0}, lists, {}, exponent=0.5, n=5) == []


def test_a_missing_total_counts_as_the_neighbours_own_count() -> None:
    got = fuse({"s": 1.0}, {"s": [("a", 4.0), ("b", 1.0)]}, {"b": 100.0}, exponent=0.5, n=5)
    assert got == [("a", 4.0 / 2.0), ("b", pytest.approx(1.0 / 10.0))]


def test_recent_seeds_decay_over_distinct_products_of_the_relations_kinds() -> None:
    history = _history(("a", V), ("b", P), ("a", C), ("x", D), ("c", A), ("d", V))
    assert recent_seeds(history, relation=AV, limit=3) == {"a": 1.0, "b": 0.45, "c": pytest.approx(0.45**2)}
    assert recent_seeds(history, relation=BT, decay=0.6) == {"b": 1.0, "c": 0.6}
