"""The fast completion path must answer exactly as graphql-core's executor: same data, same errors, same paths.

Every document runs twice against the same resolvers: on the served schema (FastExecutionContext) and on
an otherwise identical schema that uses Strawberry's default executor.
"""

import asyncio
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from domain.filters import RecommendRequest
from domain.models import Candidate, Explanation, Product, Reason, Recommendations, Strategy, Timings, UserFeatures
from domain.related import RelatedRequest
from gql import fast_execution, product_types
from gql.schema import Context, build_schema

SHOE = Product("p1", "Trail shoe", "grippy", "footwear", "acme", 90.0, 4.5, True)
BOOT = Product("p2", "Snow boot", "warm", "footwear", "acme", 120.0, 4.0, False)


def recommendations(*items: Candidate) -> Recommendations:
    return Recommendations(list(items), "@category:{footwear}", True, False, Timings(1.0, 0.5, 0.01, 1.6))


@dataclass
class StubService:
    """Returns a fixed result, whatever the request: these tests are about the response, not the search."""

    result: Recommendations
    features: UserFeatures = field(default_factory=lambda: UserFeatures("u1", clicks=2, affinities={"footwear": 2.0}))

    async def recommend(self, request: RecommendRequest) -> Recommendations:
        return self.result

    async def user_features(self, user_id: str) -> UserFeatures:
        return self.features

    async def related_products(self, request: RelatedRequest) -> Recommendations:
        return self.result


FAST = build_schema()
DEFAULT_EXECUTOR = build_schema(fast_execution=False)


def run_both(document: str, service: Any, variables: dict[str, Any] | None = None) -> tuple[Any, Any]:
    context = Context(service=service)
    fast = asyncio.run(FAST.execute(document, variable_values=variables, context_value=context))
    plain = asyncio.run(DEFAULT_EXECUTOR.execute(document, variable_values=variables, context_value=context))
    return fast, plain


def errors(result: Any) -> list[tuple[str, Any, Any]]:
    # Unexpected errors are masked with a fresh random id each time: compare everything but the id.
    masked = (re.sub(r"id [0-9a-f]+", "id <id>", e.message) for e in result.errors or [])
    return [
        (message, e.path, (e.extensions or {}).get("code"))
        for message, e in zip(masked, result.errors or [], strict=True)
    ]


def same(fast: Any, plain: Any) -> None:
    assert fast.data == plain.data
    assert errors(fast) == errors(plain)


FULL = """{ recommendations(query: "boots") {
  items { product { id name description category brand price rating inStock } vectorDistance score affinityBonus }
  filterClause usedSession usedRerank timings { embedMs searchMs rerankMs totalMs } } }"""

DOCUMENTS = {
    "every field": FULL,
    "aliases and repeats": """{ recommendations(query: "q") {
        first: items { p: product { id id name } s: score }
        items { product { id } }
        clause: filterClause } }""",
    "fragments": """query { recommendations(query: "q") { ...R } }
        fragment R on Recommendations { items { ...I product { ... on Product { brand } } } timings { totalMs } }
        fragment I on Recommendation { score product { id } }""",
    "typename": """{ recommendations(query: "q") { __typename items { __typename product { __typename id } } } }""",
    "explanations": """{ recommendations(query: "q") { items { product { id } score
        explanation { reason vectorDistance textRank sessionWeight affinityBonus diversityPenalty
        ruleAdjustment } } } }""",
    "nullable fields": """{ userFeatures(userId: "u1") { userId clicks lastClickedId lastClickedCategory
        affinities { category weight } hasSessionVector sessionVectorDim } }""",
}


RELATED = """{ relatedProducts(productId: "p1", relation: BOUGHT_TOGETHER) { __typename
    ... on Recommendations { strategy items { product { id } explanation { reason vectorDistance } } } } }"""


def test_related_products_union_and_its_enum_values() -> None:
    bought = Explanation(Reason.BOUGHT_TOGETHER, 0.4)
    result = replace(recommendations(Candidate(SHOE, 0.4, -1.0, 0.0, bought)), strategy=Strategy.RELATED)
    fast, plain = run_both(RELATED, StubService(result))
    assert not plain.errors and fast.data["relatedProducts"]["strategy"] == "RELATED"
    assert fast.data["relatedProducts"]["items"][0]["explanation"]["reason"] == "BOUGHT_TOGETHER"
    same(fast, plain)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_same_answer_as_graphql_core(name: str) -> None:
    pinned = Candidate(BOOT, 0.3, 0.3, 0.0, Explanation(Reason.PINNED, 0.3))
    boosted = Candidate(SHOE, 0.2, 0.05, 0.0, Explanation(Reason.MATCHES_QUERY, 0.2, rule_adjustment=0.15))
    service = StubService(recommendations(Candidate(SHOE, 0.2, 0.1, 0.1), pinned, boosted))
    fast, plain = run_both(DOCUMENTS[name], service)
    assert not plain.errors
    same(fast, plain)


def test_rule_explanations_are_served() -> None:
    pinned = Candidate(BOOT, 0.3, 0.3, 0.0, Explanation(Reason.PINNED, 0.3))
    boosted = Candidate(SHOE, 0.2, 0.05, 0.0, Explanation(Reason.MATCHES_QUERY, 0.2, rule_adjustment=0.15))
    fast, _ = run_both(DOCUMENTS["explanations"], StubService(recommendations(pinned, boosted)))
    items = fast.data["recommendations"]["items"]
    assert [(i["explanation"]["reason"], i["explanation"]["ruleAdjustment"]) for i in items] == [
        ("PINNED", 0.0),
        ("MATCHES_QUERY", 0.15),
    ]


@pytest.mark.parametrize("show", [True, False])
def test_skip_and_include_follow_the_variables(show: bool) -> None:
    document = """query ($show: Boolean!) { recommendations(query: "q") {
        items { product { id name @include(if: $show) brand @skip(if: $show) } score @skip(if: $show) } } }"""
    service = StubService(recommendations(Candidate(SHOE, 0.2, 0.2)))
    fast, plain = run_both(document, service, {"show": show})
    same(fast, plain)
    item = fast.data["recommendations"]["items"][0]
    assert ("name" in item["product"]) is show and ("score" in item) is not show


def test_plans_are_reused_across_requests_of_one_document() -> None:
    service = StubService(recommendations(Candidate(SHOE, 0.2, 0.2)))
    run_both(FULL, service)
    plans = dict(fast_execution.SHARED_PLANS)
    assert plans
    run_both(FULL, service)
    # The second request found every plan it needed: no plan was built again.
    assert {key: id(entry) for key, entry in fast_execution.SHARED_PLANS.items() if key in plans} == {
        key: id(entry) for key, entry in plans.items()
    }
    assert len(fast_execution.SHARED_PLANS) == len(plans)


@pytest.mark.parametrize(
    "broken",
    [
        Candidate(SHOE, math.nan, 0.1),  # Float refuses NaN: a field error at the right path
        Candidate(Product("p3", None, "", "c", "b", 1.0, 1.0, True), 0.1, 0.1),  # type: ignore[arg-type]
        Candidate(Product("p4", "Odd", "", "c", "b", math.inf, 1.0, True), 0.1, 0.1),
    ],
    ids=["nan-float", "null-in-non-null-leaf", "infinite-float"],
)
def test_errors_are_graphql_cores(broken: Candidate) -> None:
    service = StubService(recommendations(Candidate(BOOT, 0.3, 0.3), broken))
    fast, plain = run_both(FULL, service)
    assert plain.errors
    same(fast, plain)


def test_a_failing_read_is_reported_by_graphql_core_at_its_field(monkeypatch: pytest.MonkeyPatch) -> None:
    # A field whose attribute cannot be read: the plan gives up and graphql-core reports the field's error.
    from_domain = product_types.Product.from_domain

    def without_brand(product: Product) -> Any:
        shown = from_domain(product)
        del shown.brand
        return shown

    monkeypatch.setattr(product_types.Product, "from_domain", staticmethod(without_brand))
    fast, plain = run_both(FULL, StubService(recommendations(Candidate(SHOE, 0.2, 0.2))))
    assert [e.path for e in plain.errors] == [["recommendations", "items", 0, "product", "brand"]]
    same(fast, plain)


def test_a_bug_in_the_fast_path_surfaces_instead_of_falling_back(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Only the plan's own signal (a value it cannot complete) means "let graphql-core do it"; anything else
    # raised by the fast path is a bug, reported (masked, logged) rather than hidden by a silent re-run.
    def broken(plan: Any, source: Any) -> Any:
        raise RuntimeError("a bug in the fast path")

    monkeypatch.setattr(fast_execution, "_run", broken)
    fast, plain = run_both(FULL, StubService(recommendations(Candidate(SHOE, 0.2, 0.2))))
    assert not plain.errors
    assert fast.data is None and [(e.extensions or {}).get("code") for e in fast.errors] == ["INTERNAL_SERVER_ERROR"]
    assert "a bug in the fast path" in caplog.text


@pytest.mark.parametrize(("scenario", "variant"), [("home", "b"), (None, None)])
def test_page_ids_scenarios_and_variants_take_the_fast_path(scenario: str | None, variant: str | None) -> None:
    found = Recommendations([Candidate(SHOE, 0.1, 0.1)], "*", False, False, Timings(1, 1, 1, 3))
    page = StubService(replace(found, scenario=scenario, variant=variant, recommendation_id="page-1"))
    fast, plain = run_both('{ recommendations(query: "q") { id scenario variant items { product { id } } } }', page)
    same(fast, plain)
    assert fast.data["recommendations"] == {"id": "page-1", "scenario": scenario, "variant": variant, **ITEM}
    planned = [
        {node.name.value for node in nodes}
        for parent, nodes, plan in fast_execution.SHARED_PLANS.values()
        if parent.name == "Recommendations" and plan is not None
    ]
    assert {"id", "scenario", "variant", "items"} in planned  # completed by the plan, not by graphql-core


ITEM = {"items": [{"product": {"id": "p1"}}]}
