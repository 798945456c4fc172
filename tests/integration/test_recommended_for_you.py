""" "Recommended for you" with behaviour, on both stores: the co-engagement of the user's recent products fused
with the session KNN; behaviourWeight 0 is exactly the session-only page; a query gains a bonus only."""

from dataclasses import replace

import pytest

from domain.events import EventKind
from domain.filters import BlendSettings, ExcludeSettings, RecommendRequest
from domain.models import Reason, Strategy
from domain.service import RecommenderService
from domain.source_kinds import SourceKind
from tests.graphql_client import GraphQLClient

pytestmark = pytest.mark.anyio
PARKA, KNIFE = "p001", "p035"  # nothing alike: only shoppers' purchases pair them
BEHAVIOUR, QUERY = SourceKind.BEHAVIOUR, SourceKind.QUERY


async def _bought_together_by_others(service: RecommenderService, shoppers: int = 3) -> None:
    for shopper in (f"s{n}" for n in range(1, shoppers + 1)):
        await service.record_event(shopper, PARKA, EventKind.PURCHASE)
        await service.record_event(shopper, KNIFE, EventKind.PURCHASE)


def _ids(page: object) -> list[str]:
    return [c.product.id for c in page.items]  # type: ignore[attr-defined]


async def test_purchases_bring_a_co_purchased_product_the_session_alone_would_not(
    service: RecommenderService,
) -> None:
    await _bought_together_by_others(service)
    await service.record_event("u", PARKA, EventKind.PURCHASE)
    fused = await service.recommend(RecommendRequest(user_id="u", k=10))
    session_only = await service.recommend(RecommendRequest(user_id="u", k=10, blend=BlendSettings(behaviour_weight=0)))
    assert KNIFE not in _ids(session_only) and session_only.strategy is Strategy.SESSION
    assert fused.strategy is Strategy.SESSION and fused.used_session
    knife = next(c for c in fused.items if c.product.id == KNIFE)
    assert knife.explanation is not None and knife.explanation.reason is Reason.ALSO_VIEWED
    assert {c.explanation.reason for c in fused.items if c.product.id != KNIFE} == {Reason.SIMILAR_TO_SESSION}  # type: ignore[union-attr]
    # Three purchases of the knife just after the parka link them with 3 each: 9, under the default floor of
    # 16, so b = 9/16 and not the 1 max-scaling would give. The score is -(b + 0.65 cos) before the reranker.
    b = -(knife.score + knife.affinity_bonus) - 0.65 * (1.0 - knife.vector_distance)
    assert b == pytest.approx(9 / 16, abs=1e-3)


async def test_behaviour_weight_zero_is_exactly_the_session_only_page(service: RecommenderService) -> None:
    # The parka is the older of the user's two seeds (weight 0.45): twelve shoppers' pairs (12 * 3 * 0.45 = 16.2)
    # carry the knife past the floor, so the default page holds it.
    await _bought_together_by_others(service, shoppers=12)
    await service.record_event("u", PARKA, EventKind.PURCHASE)
    await service.record_event("u", "p009", EventKind.CLICK)
    without = replace(service, co_engagement=None)  # the same stores, no behaviour at all
    request = RecommendRequest(user_id="u", k=8, blend=BlendSettings(behaviour_weight=0.0))
    off, plain = await service.recommend(request), await without.recommend(RecommendRequest(user_id="u", k=8))
    assert _ids(off) == _ids(plain) and [c.score for c in off.items] == [c.score for c in plain.items]
    assert KNIFE in _ids(await service.recommend(RecommendRequest(user_id="u", k=8)))


async def test_pages_of_the_fused_list_never_repeat(service: RecommenderService) -> None:
    await _bought_together_by_others(service)
    await service.record_event("u", PARKA, EventKind.PURCHASE)
    first = await service.recommend(RecommendRequest(user_id="u", k=4))
    second = await service.recommend(RecommendRequest(user_id="u", k=4, after=first.page.next_state))
    assert not set(_ids(first)) & set(_ids(second)) and len(_ids(second)) == 4


async def test_with_a_query_behaviour_only_adds_a_bonus(service: RecommenderService) -> None:
    await _bought_together_by_others(service)
    await service.record_event("u", PARKA, EventKind.PURCHASE)
    # As GraphQL asks by default: the history exclusion reads gives the seeds (no read is added for them).
    ask = RecommendRequest(query="kitchen knife for cooking", user_id="u", k=5, exclude=ExcludeSettings())
    found = await service.recommend(ask)
    assert found.strategy is Strategy.QUERY and KNIFE in _ids(found)
    knife = next(c for c in found.items if c.product.id == KNIFE)
    assert knife.affinity_bonus > 0.0  # the behaviour bonus, b = 1
    fresh = await service.recommend(replace(ask, user_id="nobody"))
    assert all(c.affinity_bonus == 0.0 for c in fresh.items)


async def test_a_scenario_naming_behaviour_before_the_query_still_serves_the_query(
    service: RecommenderService,
) -> None:
    """With a query, behaviour is the query's bonus (as the session is blended in): the BEHAVIOUR source steps
    aside whether or not an exclusion happened to read the history its seeds come from."""
    await _bought_together_by_others(service)
    await service.record_event("u", PARKA, EventKind.PURCHASE)
    ask = RecommendRequest(query="kitchen knife for cooking", user_id="u", k=5, sources=(BEHAVIOUR, QUERY))
    for exclude in (None, ExcludeSettings()):  # the second reads the history (and excludes nothing here)
        found = await service.recommend(replace(ask, exclude=exclude))
        assert found.strategy is Strategy.QUERY, exclude
        assert {c.explanation.reason for c in found.items} == {Reason.MATCHES_QUERY}  # type: ignore[union-attr]
    without_text = await service.recommend(replace(ask, query=None))
    assert KNIFE in _ids(without_text)  # without text, BEHAVIOUR serves


async def test_user_with_only_dismissals_gets_no_behaviour(service: RecommenderService) -> None:
    await _bought_together_by_others(service)
    await service.record_event("d", PARKA, EventKind.DISMISS)
    found = await service.recommend(RecommendRequest(user_id="d", k=5))
    # A dismissal seeds nothing and moves no session: the chain goes on to the popular products.
    assert found.strategy is Strategy.POPULAR


def test_behaviour_weight_outside_zero_to_one_is_bad_user_input(gql: GraphQLClient) -> None:
    query = "query { recommendations(blend: {behaviourWeight: 1.5}) { items { product { id } } } }"
    error = gql.error(query)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == "blend.behaviourWeight"
