"""Memory of the co-engagement lists and totals under synthetic shopping traffic, written by the Redis store
itself: `python -m bench.co_engagement [--products N] [--users N] [--events N] [--kinds mixed|purchase]`.

Traffic: products in categories of 100; a shopper keeps mostly to one category, products and categories
drawn by popularity (Zipf), about events/users events each; kinds mixed (views, clicks, carts, purchases,
dismissals) or all purchases (a shop importing orders, as the evaluation does). Each event's links come from
`domain.co_engagement.links` over the shopper's own history and go through `RedisCoEngagement.add`, the
path `recordEvent` takes. Memory is MEMORY USAGE (SAMPLES 0: every element) of every co-engagement key,
and `used_memory` before and after; prints one line per figure.
"""

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import numpy as np

from adapters.redis.co_engagement import RedisCoEngagement
from adapters.redis.connection import RedisConnection, connect
from adapters.redis.embedded import EmbeddedRedis
from domain.co_engagement import CoEngagementPolicy, links
from domain.events import DEFAULT_WEIGHTS, HISTORY_LENGTH, Event, EventKind

PREFIX = "bench:"
CATEGORY_SIZE = 100
HOME_SHARE = 0.8  # share of a shopper's events in their own category
MIXED = {
    EventKind.VIEW: 0.5,
    EventKind.CLICK: 0.25,
    EventKind.ADD_TO_CART: 0.12,
    EventKind.PURCHASE: 0.08,
    EventKind.DISMISS: 0.05,
}
SPAN_S = 30 * 24 * 3600.0  # the traffic's time span, ending now
CONCURRENT_SHOPPERS = 64


def _zipf(n: int, rng: np.random.Generator, size: int, exponent: float = 1.1) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    return rng.choice(n, size=size, p=weights / weights.sum())


def shoppers(products: int, users: int, events: int, kinds: str, seed: int = 7) -> list[list[Event]]:
    """Every shopper's events, oldest first."""
    rng = np.random.default_rng(seed)
    categories = max(products // CATEGORY_SIZE, 1)
    lengths = 1 + rng.poisson(max(events / users - 1, 0.0), size=users)
    home = _zipf(categories, rng, users)
    names, shares = list(MIXED), np.array(list(MIXED.values()))
    start = time.time() - SPAN_S
    out = []
    for user in range(users):
        n = int(lengths[user])
        own = home[user] * CATEGORY_SIZE + _zipf(CATEGORY_SIZE, rng, n)
        anywhere = _zipf(products, rng, n)
        chosen = np.where(rng.random(n) < HOME_SHARE, own, anywhere) % products
        drawn = rng.choice(len(names), size=n, p=shares) if kinds == "mixed" else np.full(n, 3)
        t0 = start + rng.random() * SPAN_S * 0.9
        pairs = enumerate(zip(chosen, drawn, strict=True))
        out.append([Event(f"p{p:06d}", names[k], t0 + 60.0 * i) for i, (p, k) in pairs])
    return out


async def replay(store: RedisCoEngagement, history: list[Event], policy: CoEngagementPolicy) -> int:
    previous: list[Event] = []  # newest first, as the user store keeps it
    for event in history:
        found = links(event, previous, weights=DEFAULT_WEIGHTS, policy=policy)
        await store.add_many([(found, event.at)])
        previous = [event, *previous][:HISTORY_LENGTH]
    return len(history)


async def memory(client: RedisConnection) -> dict[str, float]:
    redis = client.client
    keys = [key async for key in redis.scan_iter(match=f"{PREFIX}co:*", count=1000)]
    async with redis.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.memory_usage(key, samples=0)
            pipe.zcard(key) if b":totals:" not in key else pipe.hlen(key)
        replies = await pipe.execute()
    usage, sizes = replies[::2], replies[1::2]
    lists = [(u, s) for key, u, s in zip(keys, usage, sizes, strict=True) if b":totals:" not in key]
    totals = [u for key, u in zip(keys, usage, strict=True) if b":totals:" in key]
    return {
        "lists": len(lists),
        "list_bytes": sum(u for u, _ in lists),
        "members": sum(s for _, s in lists),
        "lists_over_128": sum(1 for _, s in lists if s > 128),
        "totals_bytes": sum(totals),
    }


async def run(args: argparse.Namespace, url: str) -> None:
    client = connect(url)
    try:
        store = RedisCoEngagement(client, PREFIX, cap=args.cap)
        before = int((await client.client.info("memory"))["used_memory"])
        traffic = shoppers(args.products, args.users, args.events, args.kinds)
        started, written = time.perf_counter(), 0
        policy = CoEngagementPolicy()
        for at in range(0, len(traffic), CONCURRENT_SHOPPERS):
            chunk = traffic[at : at + CONCURRENT_SHOPPERS]
            written += sum(await asyncio.gather(*(replay(store, h, policy) for h in chunk)))
        elapsed = time.perf_counter() - started
        after = int((await client.client.info("memory"))["used_memory"])
        figures = await memory(client)
    finally:
        await client.aclose()
    total = figures["list_bytes"] + figures["totals_bytes"]
    print(f"traffic: {args.products} products, {args.users} shoppers, {written} events ({args.kinds}), cap {args.cap}")
    print(f"written in {elapsed:.1f} s: {written / elapsed:.0f} events/s (one store.add per event; box shared)")
    print(f"lists: {figures['lists']} keys, {figures['members']} members, {figures['lists_over_128']} over 128")
    print(f"MEMORY USAGE: lists {figures['list_bytes']} B, totals {figures['totals_bytes']} B, sum {total} B")
    per_list = figures["list_bytes"] / max(figures["lists"], 1)
    print(f"per catalog product: {total / args.products:.0f} B; per list: {per_list:.0f} B")
    print(f"used_memory grew by {after - before} B ({(after - before) / args.products:.0f} B per catalog product)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=12_000)
    parser.add_argument("--users", type=int, default=22_000)
    parser.add_argument("--events", type=int, default=180_000)
    parser.add_argument("--cap", type=int, default=200)
    parser.add_argument("--kinds", choices=["mixed", "purchase"], default="mixed")
    parser.add_argument("--redis-url", help="an empty Redis to write to (default: an embedded one)")
    args = parser.parse_args()
    if args.redis_url:
        asyncio.run(run(args, args.redis_url))
        return
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp)) as server:
        asyncio.run(run(args, server.url))


if __name__ == "__main__":
    main()
