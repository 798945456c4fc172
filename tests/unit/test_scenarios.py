"""Scenario settings in layers (scenario < variant < request), and variant assignment by a stable hash."""

from dataclasses import fields, replace

import pytest

from adapters.memory import InMemoryProductIndex
from adapters.memory_co_engagement import InMemoryCoEngagement
from domain.diversity import DiversitySettings
from domain.errors import InvalidInput
from domain.filters import (
    BlendSettings,
    ExcludeSettings,
    ProductFilter,
    RecommendRequest,
    RerankSettings,
    SimilarRequest,
)
from domain.recommend import recommend_sources
from domain.rules import Rule, RuleAction
from domain.scenario_validation import check_scenario
from domain.scenarios import CONTROL, NO_SCENARIO, SETTING_NAMES, Scenario, Settings, Variant, bucket
from domain.source_kinds import SourceKind

SCENARIO = Settings(
    sources=(SourceKind.POPULAR,),
    filters=ProductFilter(category="bags"),
    exclude=ExcludeSettings(seen=True),
    blend=BlendSettings(weight=0.5),
    rerank=RerankSettings(weight=1.0),
    diversity=DiversitySettings(weight=0.2),
    k=4,
    rules=(Rule(RuleAction.HIDE, product_ids=("p001",)),),
)
VARIANT = Settings(
    sources=(SourceKind.SESSION, SourceKind.TOP_RATED),
    filters=ProductFilter(category="camping"),
    exclude=ExcludeSettings(purchased=True),
    blend=BlendSettings(weight=0.1),
    rerank=RerankSettings(weight=2.0),
    diversity=DiversitySettings(weight=0.9),
    k=7,
    rules=(),
)
REQUEST = RecommendRequest(
    query="tent",
    filters=ProductFilter(category="kitchen"),
    exclude=ExcludeSettings(product_ids=("p009",)),
    blend=BlendSettings(weight=0.9),
    rerank=RerankSettings(enabled=False),
    diversity=DiversitySettings(weight=0.4),
    k=9,
    sources=(SourceKind.QUERY,),
    rules=(Rule(RuleAction.PIN, product_ids=("p002",), position=1),),
)


def test_every_setting_is_a_field_of_the_recommend_request() -> None:
    assert {f.name for f in fields(RecommendRequest)} >= SETTING_NAMES


@pytest.mark.parametrize("name", sorted(SETTING_NAMES))
def test_each_field_layers_scenario_then_variant_then_request(name: str) -> None:
    only_scenario = Scenario("s", SCENARIO)
    with_variant = Scenario("s", SCENARIO, variants=(Variant("v", 1.0, Settings(**{name: getattr(VARIANT, name)})),))
    bare = RecommendRequest()
    # Not given by the request: the scenario's, or the variant's where the variant sets it.
    assert getattr(only_scenario.serving("u").applied(bare, frozenset()), name) == getattr(SCENARIO, name)
    assert getattr(with_variant.serving("u").applied(bare, frozenset()), name) == getattr(VARIANT, name)
    # Given by the request: the request's, whatever the layers below say.
    assert getattr(with_variant.serving("u").applied(REQUEST, frozenset({name})), name) == getattr(REQUEST, name)
    # A field the variant leaves unset keeps the scenario's.
    other = next(n for n in sorted(SETTING_NAMES) if n != name)
    assert getattr(with_variant.serving("u").applied(bare, frozenset()), other) == getattr(SCENARIO, other)


def test_a_similar_request_takes_the_settings_it_has() -> None:
    applied = Scenario("s", SCENARIO).serving("u").applied(SimilarRequest("p001"), frozenset({"k"}))
    assert (applied.k, applied.filters, applied.blend) == (10, SCENARIO.filters, SCENARIO.blend)


def test_no_scenario_changes_nothing() -> None:
    assert NO_SCENARIO.applied(REQUEST, frozenset()) is REQUEST
    applied = Scenario("s", SCENARIO).serving("u").applied(REQUEST, frozenset())
    assert (applied.scenario, applied.variant) == ("s", CONTROL)  # the page it serves names them


def test_over_ten_thousand_users_each_variant_gets_its_share() -> None:
    variants = (Variant("a", 0.1), Variant("b", 0.25), Variant("c", 0.05))
    scenario = Scenario("home", variants=variants)
    counts: dict[str, int] = {}
    for i in range(10_000):
        name = scenario.serving(f"user-{i}").variant
        assert name is not None
        counts[name] = counts.get(name, 0) + 1
    expected = {"a": 0.1, "b": 0.25, "c": 0.05, CONTROL: 0.6}
    for name, share in expected.items():
        assert abs(counts[name] / 10_000 - share) <= 0.02, (name, counts)


def test_a_user_keeps_their_variant_while_the_shares_do_not_change() -> None:
    scenario = Scenario("home", variants=(Variant("a", 0.3), Variant("b", 0.3)))
    first = [scenario.serving(f"u{i}").variant for i in range(500)]
    # Saved again (new time, a changed description and settings): the same assignment.
    again = replace(scenario, updated_at=99.0, description="edited", settings=Settings(k=3))
    assert [again.serving(f"u{i}").variant for i in range(500)] == first
    assert bucket("home", "u1") != bucket("cart", "u1")  # scenarios split users independently
    assert all(0.0 <= bucket("home", f"u{i}") < 1.0 for i in range(500))


def test_a_source_the_server_cannot_serve_is_refused_by_name() -> None:
    """BEHAVIOUR needs a co-engagement store: without one a scenario naming it is not saved."""
    index, co = InMemoryProductIndex(), InMemoryCoEngagement()
    without, with_store = recommend_sources(index, None).kinds, recommend_sources(index, None, co).kinds
    scenario = Scenario("s", Settings(sources=(SourceKind.TRENDING, SourceKind.BEHAVIOUR)))
    with pytest.raises(InvalidInput) as refused:
        check_scenario(scenario, without)
    assert refused.value.argument == "scenario.sources[1]"
    assert check_scenario(scenario, with_store) is scenario


@pytest.mark.parametrize("refused", ["\x00", "\x0b", "\x1b[2J", "\x7f", "\x85", "\x9b"])
def test_a_description_may_run_over_lines_but_holds_no_other_control_character(refused: str) -> None:
    kinds = recommend_sources(InMemoryProductIndex(), None).kinds
    laid_out = Scenario("s", description="Home page:\r\n\tpersonal first")
    assert check_scenario(laid_out, kinds) is laid_out
    with pytest.raises(InvalidInput) as caught:
        check_scenario(replace(laid_out, description=f"Home page {refused}"), kinds)  # at the end too: not trimmed
    assert caught.value.argument == "scenario.description"
