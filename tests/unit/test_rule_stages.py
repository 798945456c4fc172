"""The rule stages on hand-made pools: hiding filters, the rule adjuster beside the affinity one, tiers of a
topped-up pool, and the pins' slots."""

import pytest

from domain.filters import ProductFilter
from domain.models import Candidate, Product, Reason, Strategy
from domain.pipeline.adjusters import AffinityBoost
from domain.pipeline.pins import Pins, slots
from domain.pipeline.ranking import Adjustment, Ranking
from domain.pipeline.rules import hiding, pins_wanted, rule_boost
from domain.pipeline.selectors import TopK
from domain.pipeline.stages import Entry, Pool, Scale, Trace
from domain.rules import Rule, RuleAction

NOW = 1_000.0


def product(pid: str, category: str = "tents", brand: str = "acme") -> Product:
    return Product(pid, pid, "", category, brand, 10.0, 4.0, True)


def entry(pid: str, base: float, category: str = "tents", tier: int = 0) -> Entry:
    return Entry(product(pid, category), base, Reason.MATCHES_QUERY, base, tier=tier)


def distance_pool(*entries: Entry) -> Pool:
    return Pool(list(entries), "*", Strategy.QUERY)


def test_hiding_adds_ids_and_filters_of_active_rules_only() -> None:
    filters = ProductFilter(category="tents", excluded_ids=("a",))
    assert hiding(filters, (), NOW) is filters  # no rules: the very same filters, nothing built
    rules = (
        Rule(RuleAction.HIDE, match=ProductFilter(brand="x"), product_ids=("b",)),
        Rule(RuleAction.HIDE, product_ids=("c",), active_from=NOW + 1),
        Rule(RuleAction.BOOST, match=ProductFilter(brand="y"), weight=1.0),
    )
    hidden = hiding(filters, rules, NOW)
    assert hidden.excluded_ids == ("a", "b") and hidden.hidden == (ProductFilter(brand="x"),)
    assert hidden.category == "tents"


def test_boost_and_bury_add_up_and_sit_beside_the_affinity_bonus() -> None:
    rules = (
        Rule(RuleAction.BOOST, match=ProductFilter(category="bags"), weight=0.3),
        Rule(RuleAction.BURY, product_ids=("b",), weight=0.1),
        Rule(RuleAction.BOOST, product_ids=("c",), weight=9.0, active_until=NOW),  # over
    )
    boost = rule_boost(rules, NOW)
    assert boost is not None and rule_boost(rules[2:], NOW) is None
    pool = distance_pool(entry("a", 0.2), entry("b", 0.3, "bags"), entry("c", 0.45, "bags"))
    ranking = Ranking(TopK(3, whole_pool=True), (AffinityBoost({"tents": 1.0}, 0.1), boost))
    items, _ = ranking.page(pool, Trace())
    adjustments = {c.product.id: c.explanation.rule_adjustment for c in items if c.explanation}
    assert adjustments == pytest.approx({"a": 0.0, "b": 0.2, "c": 0.3})
    assert [c.product.id for c in items] == ["b", "a", "c"]  # 0.3 - 0.2, 0.2 - 0.1·ln 2, 0.45 - 0.3
    assert items[1].affinity_bonus > 0 and items[1].explanation is not None
    assert items[1].explanation.affinity_bonus == items[1].affinity_bonus
    assert items[1].score == pytest.approx(0.2 - items[1].affinity_bonus)
    assert ranking.adjusts(Adjustment.AFFINITY) and ranking.adjusts(Adjustment.RULES)


def test_only_the_whole_pool_selector_lifts_from_beyond_k() -> None:
    pool = distance_pool(entry("a", 0.1), entry("b", 0.2), entry("c", 0.3))
    boost = rule_boost((Rule(RuleAction.BOOST, product_ids=("c",), weight=0.25),), NOW)
    assert boost is not None
    near, more = Ranking(TopK(2), (boost,)).page(pool, Trace())
    assert [c.product.id for c in near] == ["a", "b"] and more
    wide, more = Ranking(TopK(2, whole_pool=True), (boost,)).page(pool, Trace())
    assert [c.product.id for c in wide] == ["c", "a"] and more


def test_a_boost_never_lifts_a_top_up_above_the_pools_own_entries() -> None:
    pool = Pool([entry("a", -3.0), entry("b", -1.0), entry("c", -4.9, tier=1)], "*", Strategy.POPULAR, Scale.ENGAGEMENT)
    boost = rule_boost((Rule(RuleAction.BOOST, product_ids=("b",), weight=2.5),), NOW)
    items, _ = Ranking(TopK(3, whole_pool=True), (boost,) if boost else ()).page(pool, Trace())
    assert [c.product.id for c in items] == ["b", "a", "c"]


@pytest.mark.parametrize(
    ("wanted", "k", "expected"),
    [
        ([(2, "x")], 5, [(2, "x")]),
        ([(2, "x"), (2, "y")], 5, [(2, "x"), (3, "y")]),  # a taken position: the next, in rule order
        ([(3, "y"), (1, "x"), (3, "z")], 5, [(1, "x"), (3, "y"), (4, "z")]),
        ([(1, "x"), (2, "x")], 5, [(1, "x")]),  # a product is pinned once
        ([(4, "x"), (4, "y"), (9, "z")], 4, [(4, "x")]),  # beyond the page: not on this page
    ],
)
def test_slots(wanted: list[tuple[int, str]], k: int, expected: list[tuple[int, str]]) -> None:
    assert slots(wanted, k) == expected


def test_pins_wanted_lists_each_product_at_its_rules_position() -> None:
    rules = (
        Rule(RuleAction.PIN, product_ids=("x", "y"), position=2),
        Rule(RuleAction.PIN, product_ids=("z",), position=1, active_from=NOW + 5),
        Rule(RuleAction.HIDE, product_ids=("x",)),
    )
    assert pins_wanted(rules, NOW) == [(2, "x"), (2, "y")]


def test_pins_on_a_short_page_go_last_and_a_pool_entry_keeps_its_score() -> None:
    pinned = Entry(product("p"), 0.0, Reason.PINNED, 0.7)
    pins = Pins(5, ((4, pinned),))
    items, more = Ranking(TopK(5), pins=pins).page(distance_pool(entry("a", 0.1), entry("b", 0.2)), Trace())
    assert [c.product.id for c in items] == ["a", "b", "p"] and not more
    assert items[2].score == 0.7 and items[2].explanation is not None
    assert items[2].explanation.reason is Reason.PINNED
    in_pool = Pins(2, ((1, Entry(product("b"), 0.0, Reason.PINNED, 0.2)),))
    pool = distance_pool(entry("a", 0.1), entry("b", 0.2), entry("c", 0.3))
    items, more = Ranking(TopK(2), pins=in_pool).page(pool, Trace())
    assert [(c.product.id, c.score) for c in items] == [("b", 0.2), ("a", 0.1)] and more


def test_place_cuts_the_page_back_to_k() -> None:
    a, b, p = (Candidate(product(pid), 0.1, 0.1) for pid in "abp")
    pins = Pins(2, ((1, Entry(product("p"), 0.0, Reason.PINNED)),))
    assert pins.place([a, b], [p], more=False) == ([p, a], True)
