"""Each speedup that leans on a library's internals answers exactly as the stock path it replaces.

The settings `document_cache` and `plain_inputs` (README, "Speedups") switch them off; here both paths
run on the same documents and inputs. The fast executor has its own table (test_fast_execution.py),
the pipelined Redis reads theirs on the real Redis, the ONNX session its own on the real model.
"""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from domain.filters import RecommendRequest
from domain.models import Recommendations, Timings
from gql.schema import Context, build_schema
from gql.types import use_plain_inputs


class Recorder:
    def __init__(self) -> None:
        self.requests: list[RecommendRequest] = []

    async def recommend(self, request: RecommendRequest) -> Recommendations:
        self.requests.append(request)
        return Recommendations([], "*", False, False, Timings(0, 0, 0, 0))

    async def categories(self) -> list[str]:
        return ["footwear", "outerwear"]


DOCUMENTS = [
    ("{ categories }", None),
    ('{ recommendations(query: "q", k: 3) { filterClause usedSession } }', None),
    ('query ($k: Int) { recommendations(query: "q", k: $k) { filterClause } }', {"k": 500}),  # BAD_USER_INPUT
    ('query ($k: Int) { recommendations(query: "q", k: $k) { filterClause } }', {"k": "many"}),  # not coercible
    ("{ categories ", None),  # does not parse
    ("{ nope }", None),  # does not validate
    ('{ recommendations(query: "q", filters: {nope: 1}) { filterClause } }', None),
]


def outcome(result: Any) -> tuple[Any, list[tuple[str, Any, Any]]]:
    errors = [(e.message, e.path, (e.extensions or {}).get("code")) for e in result.errors or []]
    return result.data, errors


@pytest.mark.parametrize(("document", "variables"), DOCUMENTS)
def test_the_document_cache_answers_as_strawberry_does(document: str, variables: dict[str, Any] | None) -> None:
    cached, stock = build_schema(document_cache=True), build_schema(document_cache=False)
    context = Context(service=Recorder())  # type: ignore[arg-type]
    for _ in range(2):  # the second run is answered from the cache
        answers = [
            outcome(asyncio.run(schema.execute(document, variable_values=variables, context_value=context)))
            for schema in (cached, stock)
        ]
        assert answers[0] == answers[1]
    if not document.endswith(" "):
        assert cached.documents.parse.cache_info().hits == 1


@pytest.fixture
def restore_plain_inputs() -> Iterator[None]:
    yield
    use_plain_inputs(True)  # what every served schema uses


INPUTS = [
    {},
    {"f": None, "b": None, "r": None},
    {"f": {"category": "Footwear", "maxPrice": 90, "inStockOnly": True}},
    {"f": {"minPrice": 10.5, "minRating": 4, "textMatch": "rock plate", "brand": "acme"}},
    {"b": {"weight": 0.5}, "r": {"enabled": False}},
    {"b": {"enabled": False}, "r": {"weight": 2}},
    {"f": {"minPrice": 50, "maxPrice": 10}},  # invalid: the same InvalidInput either way
]


@pytest.mark.parametrize("variables", INPUTS)
def test_plain_inputs_build_what_strawberrys_conversion_builds(
    variables: dict[str, Any], restore_plain_inputs: None
) -> None:
    document = """query ($f: ProductFilter, $b: BlendInput, $r: RerankInput) {
      recommendations(query: "q", filters: $f, blend: $b, rerank: $r) { filterClause } }"""
    seen = []
    for plain in (True, False):
        schema = build_schema(plain_inputs=plain)
        recorder = Recorder()
        context = Context(service=recorder)  # type: ignore[arg-type]
        result = asyncio.run(schema.execute(document, variable_values=variables, context_value=context))
        errors = [(e.extensions or {}).get("argument") for e in result.errors or []]
        seen.append((recorder.requests, errors))
    assert seen[0] == seen[1]
    assert seen[0][0] or seen[0][1] == ["filters.minPrice"]
