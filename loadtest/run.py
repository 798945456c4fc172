"""Mixed-traffic load run against a live server (`make loadtest`); not a unit test.

80 % recommendations with random filters, 20 % clicks across 50 users, from 32 concurrent keep-alive
clients for a fixed time. Every page is served by a scenario the run creates through the admin API (a variant
at half the users), and some are followed by an event attributed to them (loadtest/attributed.py). Then
checks: no errors, every acknowledged click counted, every acknowledged attributed event, page and item
counted exactly once, memory stable. Exits non-zero when a check fails.
"""

import argparse
import asyncio
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from loadtest.attributed import Attributed, check_counts, create_scenario, follow_page
from tests.server_process import ServeProcess, ServerNotReady

WORDS = [
    "warm",
    "waterproof",
    "light",
    "trail",
    "running",
    "hiking",
    "winter",
    "summer",
    "coffee",
    "kitchen",
    "speaker",
    "wireless",
    "tent",
    "stove",
    "jacket",
    "boots",
    "bag",
    "backpack",
    "bottle",
    "lamp",
    "knife",
    "pan",
    "headphones",
    "watch",
    "shoes",
    "fleece",
    "gloves",
]
RECOMMEND = """query($q: String!, $u: ID, $f: ProductFilter, $k: Int) {
  recommendations(query: $q, userId: $u, filters: $f, k: $k) {
    id scenario variant items { product { id category } score } usedSession usedRerank timings { totalMs } } }"""
# With --scenario: the pages are served by that scenario (its variants by user).
RECOMMEND_IN_SCENARIO = RECOMMEND.replace("$k: Int)", "$k: Int, $s: String)").replace("k: $k)", "k: $k, scenario: $s)")
CLICK = """mutation($u: ID!, $p: ID!) { recordClick(userId: $u, productId: $p) {
  __typename ... on ClickRecorded { clicks } } }"""
USER = "query($u: ID!) { userFeatures(userId: $u) { clicks } }"


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    acked_clicks: Counter[str] = field(default_factory=Counter)
    attributed: Attributed = field(default_factory=Attributed)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def random_filters(rng: random.Random, categories: list[str], brands: list[str]) -> dict[str, Any]:
    f: dict[str, Any] = {}
    if rng.random() < 0.5:
        f["category"] = rng.choice(categories)
    if rng.random() < 0.2:
        f["brand"] = rng.choice(brands)
    if rng.random() < 0.4:
        f["inStockOnly"] = True
    if rng.random() < 0.3:
        low = rng.choice([0, 20, 50, 100])
        f["minPrice"], f["maxPrice"] = low, low + rng.choice([50, 200, 1000])
    if rng.random() < 0.2:
        f["minRating"] = rng.choice([3.0, 4.0, 4.5])
    if rng.random() < 0.1:
        f["textMatch"] = rng.choice(["waterproof", "stainless steel", "lightweight"])
    return f


async def client_loop(
    worker: int,
    base: str,
    deadline: float,
    tally: Tally,
    users: list[str],
    products: list[str],
    facets: dict[str, list[str]],
    scenario: str | None = None,
) -> None:
    rng = random.Random(worker)
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        while time.monotonic() < deadline:
            click = rng.random() < 0.2
            if click:
                user, product = rng.choice(users), rng.choice(products)
                payload = {"query": CLICK, "variables": {"u": user, "p": product}}
            else:
                text = " ".join(rng.sample(WORDS, rng.randint(1, 4)))
                user = rng.choice(users)
                variables = {"q": text, "u": user, "f": random_filters(rng, **facets), "k": 10}
                if scenario is not None:
                    variables["s"] = scenario
                payload = {"query": RECOMMEND if scenario is None else RECOMMEND_IN_SCENARIO, "variables": variables}
            kind = "click" if click else "recommend"
            started = time.perf_counter()
            try:
                response = await http.post("/graphql", json=payload)
                body = response.json()
            except (httpx.HTTPError, json.JSONDecodeError) as exc:
                tally.errors[f"{kind}: {type(exc).__name__}"] += 1
                continue
            tally.latencies[kind].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200 or body.get("errors"):
                tally.errors[f"{kind}: {response.status_code} {body.get('errors', '')}"[:200]] += 1
            elif click and body["data"]["recordClick"]["__typename"] == "ClickRecorded":
                tally.acked_clicks[user] += 1
            elif not click:
                for error in await follow_page(
                    http, rng, user, body["data"]["recommendations"], tally.attributed, tally.acked_clicks
                ):
                    tally.errors[error] += 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


async def run(
    base: str, server_pid: int, duration: float, clients: int, scenario: str | None = None, admin_token: str = ""
) -> int:
    admin = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
    if scenario is not None:
        await create_scenario(base, scenario, admin)
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        meta = (
            await http.post("/graphql", json={"query": "{ categories brands products(limit: 1000) { id } }"})
        ).json()
    facets = {"categories": meta["data"]["categories"], "brands": meta["data"]["brands"]}
    products = [p["id"] for p in meta["data"]["products"]]
    users = [f"load-{n:02d}" for n in range(50)]
    tally = Tally()
    memory: list[tuple[float, float]] = []
    start = time.monotonic()
    deadline = start + duration

    async def sample_memory() -> None:
        while time.monotonic() < deadline:
            memory.append((time.monotonic() - start, rss_mb(server_pid)))
            await asyncio.sleep(5)

    await asyncio.gather(
        sample_memory(),
        *(client_loop(w, base, deadline, tally, users, products, facets, scenario) for w in range(clients)),
    )
    elapsed = time.monotonic() - start

    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        counted = {}
        for user in users:
            body = (await http.post("/graphql", json={"query": USER, "variables": {"u": user}})).json()
            counted[user] = body["data"]["userFeatures"]["clicks"]
    memory.append((elapsed, rss_mb(server_pid)))

    total = sum(len(v) for v in tally.latencies.values())
    print(f"\n{clients} clients, {elapsed:.0f} s, {total} requests, {total / elapsed:.1f} req/s")
    for kind, values in sorted(tally.latencies.items()):
        print(
            f"  {kind:9s} n={len(values):6d}  p50 {percentile(values, 0.5):7.1f} ms  "
            f"p90 {percentile(values, 0.9):7.1f} ms  p99 {percentile(values, 0.99):7.1f} ms  "
            f"mean {statistics.fmean(values):7.1f} ms"
        )
    errors = sum(tally.errors.values())
    print(f"  errors: {errors}")
    for message, count in tally.errors.most_common(5):
        print(f"    {count} x {message}")
    acked = sum(tally.acked_clicks.values())
    mismatched = {u: (tally.acked_clicks[u], counted[u]) for u in users if tally.acked_clicks[u] != counted[u]}
    print(f"  clicks acknowledged {acked}, counted {sum(counted.values())}, users mismatched {len(mismatched)}")
    # Memory: compare the steady state (after the first quarter: caches and pools warm) with the end.
    steady = [mb for t, mb in memory if t >= elapsed / 4] or [memory[-1][1]]
    growth = steady[-1] - steady[0]
    print(
        f"  server RSS MB: start {memory[0][1]:.0f}, after warm-up {steady[0]:.0f}, end {steady[-1]:.0f} "
        f"(growth after warm-up {growth:+.1f} MB), max {max(mb for _, mb in memory):.0f}"
    )
    attributed_ok = await check_counts(base, tally.attributed, [scenario] if scenario else [], admin)
    ok = errors == 0 and not mismatched and attributed_ok and growth < max(20.0, 0.1 * steady[0])
    print("RESULT:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of traffic")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument(
        "--scenario", default="load", help="the scenario created (with a variant at half the users) to serve every page"
    )
    parser.add_argument("--plain", action="store_true", help="pages without a scenario: no event is attributed")
    parser.add_argument(
        "--faults", action="store_true", help="two API instances, a replica, faults (loadtest/faults.py)"
    )
    args = parser.parse_args()
    if args.faults:
        from loadtest.faults import run_faults

        return run_faults(args.duration, args.clients)
    scenario = None if args.plain else args.scenario
    token = secrets.token_urlsafe(16)  # the admin API (scenario, stats) as in production: behind a token
    env = {**os.environ, "RECOMMENDER_ADMIN_TOKEN": token}
    with tempfile.TemporaryDirectory() as data:
        try:
            with ServeProcess(Path(data), env=env) as server:
                traffic = run(server.base_url, server.pid, args.duration, args.clients, scenario, admin_token=token)
                return asyncio.run(traffic)
        except ServerNotReady as exc:
            print(exc, file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
