"""Each speedup that leans on a library's internals answers exactly as the stock path it replaces.

The setting `document_cache` (docs/operations.md, "Speedups") switches the document cache off; here both paths
run on the same documents and inputs. The fast executor has its own table (test_fast_execution.py),
the pipelined Redis reads theirs on the real Redis, the ONNX session its own on the real model.
"""

import asyncio
from typing import Any

import pytest

from domain.filters import RecommendRequest
from domain.models import Recommendations, Timings
from gql.schema import Context, build_schema


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
