"""Input objects reach the service as the client meant them: defaults, explicit nulls, literals and variables.

This pins what each form of ProductFilter, BlendInput and RerankInput turns into.
"""

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest

from domain.filters import BlendSettings, ProductFilter, RecommendRequest, RerankSettings
from domain.models import Recommendations, Timings
from gql.schema import Context, build_schema

SCHEMA = build_schema()
DOCUMENT = """query ($f: ProductFilter, $b: BlendInput, $r: RerankInput) {
  recommendations(query: "q", filters: $f, blend: $b, rerank: $r) { filterClause } }"""


@dataclass
class Recorder:
    requests: list[RecommendRequest] = field(default_factory=list)

    async def recommend(self, request: RecommendRequest) -> Recommendations:
        self.requests.append(request)
        return Recommendations([], "*", False, False, Timings(0, 0, 0, 0))


def sent(document: str, variables: dict[str, Any] | None = None) -> RecommendRequest:
    recorder = Recorder()
    context = Context(service=recorder)  # type: ignore[arg-type]
    result = asyncio.run(SCHEMA.execute(document, variable_values=variables, context_value=context))
    assert not result.errors, result.errors
    [request] = recorder.requests
    return request


@pytest.mark.parametrize(
    ("variables", "filters"),
    [
        ({}, ProductFilter()),
        ({"f": None}, ProductFilter()),
        ({"f": {}}, ProductFilter()),
        ({"f": {"category": "Footwear", "inStockOnly": True}}, ProductFilter(category="Footwear", in_stock_only=True)),
        ({"f": {"inStockOnly": None, "minPrice": None}}, ProductFilter()),  # explicit nulls: no filter
        (
            {"f": {"minPrice": 10, "maxPrice": 20.5, "minRating": 4, "brand": "acme", "textMatch": "warm"}},
            ProductFilter(brand="acme", min_price=10.0, max_price=20.5, min_rating=4.0, text_match="warm"),
        ),
    ],
)
def test_filters_from_variables(variables: dict[str, Any], filters: ProductFilter) -> None:
    assert sent(DOCUMENT, variables).filters == filters


@pytest.mark.parametrize(
    ("variables", "blend", "rerank"),
    [
        ({}, BlendSettings(True, 0.3), RerankSettings(True, 0.15)),
        ({"b": {"weight": 0.5}, "r": {"enabled": False}}, BlendSettings(True, 0.5), RerankSettings(False, 0.15)),
        ({"b": {"enabled": False}, "r": {"weight": 2}}, BlendSettings(False, 0.3), RerankSettings(True, 2.0)),
    ],
)
def test_blend_and_rerank_defaults_fill_in(
    variables: dict[str, Any], blend: BlendSettings, rerank: RerankSettings
) -> None:
    request = sent(DOCUMENT, variables)
    assert (request.blend, request.rerank) == (blend, rerank)


def test_literals_as_well_as_variables() -> None:
    request = sent(
        '{ recommendations(query: "q", filters: {brand: "acme", maxPrice: 99}, blend: {weight: 0.1}) { filterClause } }'
    )
    assert request.filters == ProductFilter(brand="acme", max_price=99.0)
    assert request.blend == BlendSettings(True, 0.1)
