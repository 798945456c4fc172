"""Price filters on the ladder's TAG fields against plain NUMERIC ranges, on one loaded index.

Both clauses select the same products; each filter runs as a KNN query (k 10, random unit query vectors,
`NOCONTENT`) with one clause and then the other, for several rounds, so a drift of the VM's speed
shows in both. Load a catalog first, e.g.

    .venv/bin/recommender generate --count 100000 --out big.jsonl --random-vectors --seed 1
    .venv/bin/recommender load big.jsonl --redis-url redis://127.0.0.1:6379/0
    .venv/bin/python -m bench.price_ladder --redis-url redis://127.0.0.1:6379/0
"""

import argparse
import statistics
import time

import numpy as np
import redis

from adapters.redis.codecs import to_bytes
from adapters.redis.schema import IndexConfig
from adapters.redis.search_query import filter_clause
from adapters.synthetic_catalog import random_unit_vectors
from domain.filters import ProductFilter

FILTERS = {
    "footwear, price <= 90, phrase": ProductFilter(category="footwear", max_price=90, text_match="rock plate"),
    "footwear, price <= 87.5, phrase": ProductFilter(category="footwear", max_price=87.5, text_match="rock plate"),
    "footwear, price >= 20, phrase": ProductFilter(category="footwear", min_price=20, text_match="rock plate"),
    "footwear, 10..90, phrase": ProductFilter(category="footwear", min_price=10, max_price=90, text_match="rock plate"),
    "footwear, price <= 90": ProductFilter(category="footwear", max_price=90),
    "outerwear, trailfjord, 150..400": ProductFilter(
        category="outerwear", brand="trailfjord", min_price=150, max_price=400
    ),
}


def p50_ms(client: redis.Redis, config: IndexConfig, clause: str, vectors: list[bytes]) -> float:
    query = config.knn(clause, 10)
    times = []
    for vector in vectors:
        start = time.perf_counter()
        client.execute_command(
            "FT.SEARCH", config.name, query, "PARAMS", 2, "vec", vector, "NOCONTENT", "LIMIT", 0, 10, "DIALECT", 2
        )
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--index-name", default=IndexConfig.name)
    parser.add_argument("--queries", type=int, default=200, help="query vectors per filter, clause and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    client = redis.Redis.from_url(args.redis_url, protocol=2)
    config = IndexConfig(name=args.index_name)
    vectors = [to_bytes(v) for v in random_unit_vectors(np.random.default_rng(5), args.queries, config.dim)]
    print(f"p50 ms per round, {args.queries} KNN queries each (Redis round trip, NOCONTENT)")
    for name, filters in FILTERS.items():
        clauses = {flag: filter_clause(filters, price_ladder=flag) for flag in (False, True)}
        if clauses[False] == clauses[True]:
            print(f"{name:34s} same clause either way: {clauses[True]}")
            continue
        runs: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(args.rounds):
            for flag in (False, True):
                runs[flag].append(p50_ms(client, config, clauses[flag], vectors))
        numeric, ladder = runs[False], runs[True]
        print(
            f"{name:34s} NUMERIC {' / '.join(f'{x:.2f}' for x in numeric)}   ladder "
            f"{' / '.join(f'{x:.2f}' for x in ladder)}   x{statistics.median(numeric) / statistics.median(ladder):.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
