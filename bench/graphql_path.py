"""Python cost of one `recommendations` request, layer by layer, in process and without I/O.

The service runs on the in-memory adapters (hashing embedder, in-memory index and user store) with the
benchmark user's clicks, so what is left is the cost of our own code and the frameworks around it:

- service: `RecommenderService.recommend` alone (in-memory search, blend, rerank);
- schema.execute: Strawberry + graphql-core on the benchmark document, service included;
- ASGI: the whole Starlette app as uvicorn would call it (routing, middleware, HTTP view, JSON), no socket.

Each figure is the best of several rounds (ms per request), so a noisy neighbour inflates none of them.
`python -m bench.graphql_path [--rounds 7 --requests 1000]`.
"""

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from adapters.catalog_file import JsonCatalog
from adapters.memory import HashingEmbedder, InMemoryProductIndex, InMemoryUserFeatureStore, StaticCatalog
from bench import queries
from bootstrap.runtime import Settings
from domain.filters import BlendSettings, ProductFilter, RecommendRequest, RerankSettings
from domain.models import Product, Vector
from domain.service import RecommenderService
from gql.schema import Context, build_schema
from serving.app import create_app

CATALOG = Path(__file__).resolve().parent.parent / "catalog.json"


def catalog_items(dim: int) -> list[tuple[Product, Vector]]:
    """catalog.json's products with their stored vectors, checked against the file's own model name."""
    model = json.loads(CATALOG.read_text(encoding="utf-8"))["model"]
    return JsonCatalog(CATALOG, model, dim).load()


async def service() -> RecommenderService:
    embedder = HashingEmbedder()
    items = catalog_items(embedder.dim)  # the stored vectors; queries use the hash
    index = InMemoryProductIndex()
    await index.upsert(items)
    svc = RecommenderService(embedder, index, InMemoryUserFeatureStore(), StaticCatalog(items))
    for product in queries.CLICKED:
        await svc.record_click(queries.USER_ID, product)
    return svc


def variables(text: str) -> dict[str, Any]:
    return {"q": text, "user": queries.USER_ID, "category": queries.CATEGORY, "k": queries.K}


def asgi_call(app: Any, body: bytes) -> Callable[[], Awaitable[list[dict[str, Any]]]]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 8084),
    }

    async def call() -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []
        received = False

        async def receive() -> dict[str, Any]:
            nonlocal received
            if received:  # the app only asks again to watch for a disconnect
                await asyncio.Event().wait()
            received = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app({**scope, "state": {}}, receive, send)
        return sent

    return call


async def best_of(
    rounds: int, requests: int, step: Callable[[], Awaitable[Any]], clock: Callable[[], float] = time.perf_counter
) -> float:
    """ms per `step` (by `clock`: wall time, or process CPU time), best round, after a warm-up."""
    for _ in range(min(requests, 200)):
        await step()
    best = float("inf")
    for _ in range(rounds):
        start = clock()
        for _ in range(requests):
            await step()
        best = min(best, (clock() - start) / requests * 1000.0)
    return best


async def measure(rounds: int, requests: int) -> dict[str, float]:
    svc = await service()
    text = queries.REPEATED[0]
    request = RecommendRequest(
        query=text,
        user_id=queries.USER_ID,
        filters=ProductFilter(category=queries.CATEGORY, in_stock_only=True),
        blend=BlendSettings(True, 0.3),
        rerank=RerankSettings(True, 0.15),
        k=queries.K,
    )
    schema = build_schema()
    context = Context(service=svc)

    async def execute() -> None:
        result = await schema.execute(queries.DOCUMENT, variable_values=variables(text), context_value=context)
        if result.errors:
            raise RuntimeError(result.errors)

    app = create_app(Settings(access_log=False))
    app.state.runtime = SimpleNamespace(service=svc)
    call = asgi_call(app, json.dumps({"query": queries.DOCUMENT, "variables": variables(text)}).encode())
    first = await call()
    if first[0]["status"] != 200 or b'"errors"' in first[1]["body"]:
        raise RuntimeError(f"the benchmark request failed: {first}")
    return {
        "service": await best_of(rounds, requests, lambda: svc.recommend(request)),
        "schema.execute": await best_of(rounds, requests, execute),
        "ASGI": await best_of(rounds, requests, call),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args(argv)
    figures = asyncio.run(measure(args.rounds, args.requests))
    previous = 0.0
    for layer, ms in figures.items():
        print(f"{layer:<15} {ms:6.3f} ms/request   (+{ms - previous:.3f} over the layer inside)")
        previous = ms
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
