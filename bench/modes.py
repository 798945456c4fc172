"""`make bench-modes`: search-stage p50 of issue 14's paths next to the plain query, at 20k-100k products.

A private embedded Redis holds a synthetic catalog (adapters.synthetic_catalog, random unit vectors) per
size. Each path runs through the service as its GraphQL field would, one client, every path in turn for
each query (drift on a shared machine falls on all alike), timed by the service's own `timings.searchMs`
(the FT.SEARCH round trips; `totalMs` too, which for similarProducts adds the HMGET of its vector).

Query texts are product names, so KEYWORD and HYBRID find products holding every word; the "two names"
row joins two names, so fewer than k products hold every word and the keyword leg searches their union
(as natural-language queries do). Query vectors come from a hashing embedder (random, like the
products'): embedding is not part of the search stage. Results: a table on stdout and
bench-results/modes-<time>.json.
"""

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from itertools import islice
from pathlib import Path
from typing import Any

from adapters.memory import HashingEmbedder, StaticCatalog
from adapters.redis.connection import connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from adapters.redis.popularity import RedisPopularity
from adapters.redis.schema import IndexConfig
from adapters.redis.users import RedisUserFeatureStore
from adapters.synthetic_catalog import synthetic_catalog
from bench.recall import percentile
from domain.diversity import DiversitySettings
from domain.filters import BlendSettings, RecommendRequest, RerankSettings, SearchMode, SimilarRequest
from domain.models import Recommendations
from domain.service import RecommenderService

ROOT = Path(__file__).resolve().parent.parent
NO_BLEND, NO_RERANK = BlendSettings(enabled=False), RerankSettings(enabled=False)


def _request(query: str | None, **kwargs: Any) -> RecommendRequest:
    return RecommendRequest(query=query, k=10, blend=NO_BLEND, rerank=NO_RERANK, **kwargs)


def _paths(service: RecommenderService, names: list[str], ids: list[str]) -> dict[str, Callable[[int], Awaitable[Any]]]:
    def ask(**kwargs: Any) -> Callable[[int], Awaitable[Recommendations]]:
        return lambda i: service.recommend(_request(names[i], **kwargs))

    async def second_page(i: int) -> Recommendations:
        first = await service.recommend(_request(names[i]))
        return await service.recommend(_request(names[i], after=first.page.next_state))

    return {
        "plain query (SEMANTIC, k 10)": ask(),
        "similarProducts (k 10)": lambda i: service.similar_products(SimilarRequest(ids[i], k=10)),
        "diversity 0.5 (pool 40)": ask(diversity=DiversitySettings(0.5)),
        "HYBRID": ask(mode=SearchMode.HYBRID),
        "KEYWORD": ask(mode=SearchMode.KEYWORD),
        # A floor on a list not in distance order fetches the wide pool (40 for k 10) rather than k + 1.
        "HYBRID, maxDistance 1.0 (pool 40)": ask(mode=SearchMode.HYBRID, max_distance=1.0),
        # Two names in one text: fewer than k products hold every word, so the keyword leg searches the union.
        "HYBRID, two names (BM25 union)": lambda i: service.recommend(
            _request(f"{names[i]} {names[(i + 1) % len(names)]}", mode=SearchMode.HYBRID)
        ),
        "second page (after)": second_page,
        "no query, no events (TOP_RATED)": lambda i: service.recommend(_request(None)),
    }


async def _measure(paths: dict[str, Callable[[int], Awaitable[Recommendations]]], n: int) -> dict[str, Any]:
    """Each query through every path in turn, so drift on a shared machine falls on all paths alike."""
    search: dict[str, list[float]] = {label: [] for label in paths}
    total: dict[str, list[float]] = {label: [] for label in paths}
    for i in range(n):
        for label, path in paths.items():
            found = await path(i)
            search[label].append(found.timings.search_ms)
            total[label].append(found.timings.total_ms)
    return {
        label: {
            "search_p50_ms": round(percentile(search[label], 50), 3),
            "total_p50_ms": round(percentile(total[label], 50), 3),
        }
        for label in paths
    }


async def run_size(url: str, count: int, queries: int) -> dict[str, Any]:
    conn = connect(url)
    config = IndexConfig(name=f"modes{count}:idx", prefix=f"modes{count}:p:")
    index = RedisProductIndex(conn, config)
    await index.recreate()
    start = time.perf_counter()
    items = list(synthetic_catalog(count, seed=14))
    for begin in range(0, count, 5000):
        await index.upsert(items[begin : begin + 5000])
    print(f"{count:,} products ingested in {time.perf_counter() - start:.0f}s", flush=True)
    service = RecommenderService(
        embedder=HashingEmbedder(),
        index=index,
        users=RedisUserFeatureStore(conn, prefix=f"modes{count}:u:"),
        catalog=StaticCatalog([]),
        popularity=RedisPopularity(conn, prefix=f"modes{count}:"),
    )
    picks = list(islice(items[:: max(1, count // queries)], queries))
    names, ids = [p.name for p, _ in picks], [p.id for p, _ in picks]
    paths = _paths(service, names, ids)
    await _measure(paths, min(20, len(picks)))  # warm-up
    rows = await _measure(paths, len(picks))
    for label, row in rows.items():
        print(f"  {label:<34} search p50 {row['search_p50_ms']:6.2f} ms", flush=True)
    await conn.aclose()
    return {"count": count, "queries": len(picks), "rows": rows}


def table(results: list[dict[str, Any]]) -> str:
    lines = ["| path | " + " | ".join(f"{r['count']:,}: search p50 ms (x plain)" for r in results) + " |"]
    lines.append("|---|" + "---|" * len(results))
    for label in results[0]["rows"]:
        cells = []
        for r in results:
            plain = r["rows"]["plain query (SEMANTIC, k 10)"]["search_p50_ms"]
            value = r["rows"][label]["search_p50_ms"]
            cells.append(f"{value:.2f} ({value / plain:.2f}x)")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="recommender-modes-") as work, EmbeddedRedis(Path(work)) as server:
        return [await run_size(server.url, count, args.queries) for count in args.counts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[20_000, 100_000], help="catalog sizes")
    parser.add_argument("--queries", type=int, default=200, help="requests per path and size")
    args = parser.parse_args()
    results = asyncio.run(main_async(args))
    print(table(results))
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / f"modes-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
