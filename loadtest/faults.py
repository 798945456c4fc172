"""`make loadtest LOADTEST_ARGS="--faults"`: mixed traffic on two API instances over a primary + search
replica while the replica is SIGKILLed and started again and one API instance is restarted.

The clients go through a small balancer, as a load balancer would: it polls each instance's /readyz
and sends only to ready ones; a request refused at connect (never sent) goes to the other instance.
Printed: requests, errors by code, clicks acknowledged vs counted, p50/p99 per phase. Exits non-zero
on any failed request or a click count that differs.
"""

import asyncio
import itertools
import random
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.topology import primary, replica, wait_in_sync
from loadtest.run import CLICK, RECOMMEND, USER, WORDS, percentile, random_filters
from tests.server_process import ServeProcess

USERS = [f"fault-{n:02d}" for n in range(50)]


@dataclass
class Record:
    samples: list[tuple[float, str, float]] = field(default_factory=list)  # (time, kind, ms) of successes
    errors: Counter[str] = field(default_factory=Counter)
    acked: Counter[str] = field(default_factory=Counter)
    rerouted: int = 0
    events: list[tuple[float, str]] = field(default_factory=list)


class Balancer:
    """Round-robin over the instances whose /readyz says 200."""

    def __init__(self, bases: list[str]) -> None:
        self.bases = list(bases)
        self.ready = set(bases)
        self._turn = 0

    def pick(self) -> list[str]:
        ready = [base for base in self.bases if base in self.ready] or list(self.bases)
        self._turn += 1
        return ready[self._turn % len(ready) :] + ready[: self._turn % len(ready)]

    async def watch(self, stop: threading.Event) -> None:
        async with httpx.AsyncClient(timeout=1) as http:
            while not stop.is_set():
                for base in list(self.bases):
                    try:
                        ok = (await http.get(f"{base}/readyz")).status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    (self.ready.add if ok else self.ready.discard)(base)
                await asyncio.sleep(0.1)


async def send(
    http: httpx.AsyncClient, lb: Balancer, payload: Mapping[str, object], kind: str, record: Record
) -> httpx.Response | None:
    for base in lb.pick():
        try:
            return await http.post(f"{base}/graphql", json=payload)
        except httpx.ConnectError:  # refused before anything was sent: safe to send elsewhere
            record.rerouted += 1
        except httpx.HTTPError as exc:
            record.errors[f"{kind}: {type(exc).__name__}"] += 1
            return None
    record.errors[f"{kind}: no instance"] += 1
    return None


async def client(n: int, lb: Balancer, stop: threading.Event, record: Record, facets: dict[str, list[str]]) -> None:
    rng = random.Random(n)
    products = [f"p{i:03d}" for i in range(1, 61)]
    async with httpx.AsyncClient(timeout=30) as http:
        while not stop.is_set():
            click = rng.random() < 0.2
            user = rng.choice(USERS)
            if click:
                payload = {"query": CLICK, "variables": {"u": user, "p": rng.choice(products)}}
            else:
                text = " ".join(rng.sample(WORDS, rng.randint(1, 4)))
                variables = {"q": text, "u": user, "f": random_filters(rng, **facets), "k": 10}
                payload = {"query": RECOMMEND, "variables": variables}
            kind = "click" if click else "recommend"
            started = time.perf_counter()
            response = await send(http, lb, payload, kind, record)
            if response is None:
                continue
            body = response.json()
            if response.status_code != 200 or body.get("errors"):
                code = (body.get("errors") or [{}])[0].get("extensions", {}).get("code", response.status_code)
                record.errors[f"{kind}: {code}"] += 1
                continue
            record.samples.append((time.monotonic(), kind, (time.perf_counter() - started) * 1000))
            if click:
                record.acked[user] += 1


async def drive(lb: Balancer, stop: threading.Event, record: Record, clients: int) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        meta = (await http.post(f"{lb.bases[0]}/graphql", json={"query": "{ categories brands }"})).json()["data"]
    facets = {"categories": meta["categories"], "brands": meta["brands"]}
    await asyncio.gather(lb.watch(stop), *(client(n, lb, stop, record, facets) for n in range(clients)))


def note(record: Record, what: str) -> None:
    record.events.append((time.monotonic(), what))
    print(f"  {time.strftime('%H:%M:%S')} {what}", flush=True)


def phases(record: Record, end: float) -> list[tuple[str, float, float]]:
    first = record.samples[0][0] if record.samples else 0.0
    marks = [(first, "before the faults"), *((t, f"since: {what}") for t, what in record.events), (end, "end")]
    return [(name, start, stop) for (start, name), (stop, _) in itertools.pairwise(marks)]


def report(record: Record, counted: dict[str, int], elapsed: float) -> bool:
    print(f"\n{len(record.samples)} successful requests in {elapsed:.0f} s; rerouted at connect {record.rerouted}")
    print(f"  {'phase':40s} {'requests':>8s} {'p50 ms':>8s} {'p99 ms':>8s}")
    for name, start, stop in phases(record, time.monotonic()):
        window = [ms for t, _, ms in record.samples if start <= t < stop]
        print(f"  {name:40s} {len(window):8d} {percentile(window, 0.5):8.1f} {percentile(window, 0.99):8.1f}")
    errors = sum(record.errors.values())
    print(f"  errors: {errors} {dict(record.errors)}")
    acked = sum(record.acked.values())
    mismatched = [u for u in USERS if record.acked[u] != counted[u]]
    print(f"  clicks acknowledged {acked}, counted {sum(counted.values())}, users mismatched {len(mismatched)}")
    return errors == 0 and not mismatched


def run_faults(duration: float, clients: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        main, standby = primary(data / "primary"), None
        with main:
            standby = replica(data / "replica", main.port).start()
            try:
                wait_in_sync(standby.port)
                return scenario(data, main.url, standby, duration, clients)
            finally:
                standby.stop()


def serve(data: Path, redis_url: str, replica_url: str, name: str, *extra: str) -> ServeProcess:
    args = ("--redis-url", redis_url, "--search-replica-url", replica_url, "--onnx-threads", "1", "--no-access-log")
    return ServeProcess(data / name, *args, *extra, log=data / f"{name}.log").wait_ready()


def scenario(data: Path, redis_url: str, standby: EmbeddedRedis, duration: float, clients: int) -> int:
    first = serve(data, redis_url, standby.url, "api-a")
    second = serve(data, redis_url, standby.url, "api-b", "--no-reset")
    lb, record, stop = Balancer([first.base_url, second.base_url]), Record(), threading.Event()
    load = threading.Thread(target=asyncio.run, args=(drive(lb, stop, record, clients),), daemon=True)
    start = time.monotonic()
    print(f"faults run: {clients} clients, {duration:.0f} s, two API instances, primary + search replica")
    load.start()
    try:
        time.sleep(0.15 * duration)
        standby.kill()
        note(record, "replica killed (SIGKILL)")
        time.sleep(0.2 * duration)
        standby.start()
        note(record, "replica started again")
        time.sleep(0.2 * duration)
        note(record, "API instance B: SIGTERM, restart")
        second.stop(signal.SIGTERM)
        second = serve(data, redis_url, standby.url, "api-b2", "--no-reset")
        lb.bases[1] = second.base_url
        note(record, "API instance B ready again")
        time.sleep(max(0.0, start + duration - time.monotonic()))
    finally:
        stop.set()
        load.join(60)
    with httpx.Client(timeout=30) as http:
        counted = {}
        for user in USERS:
            body = http.post(f"{first.base_url}/graphql", json={"query": USER, "variables": {"u": user}}).json()
            counted[user] = body["data"]["userFeatures"]["clicks"]
        reads = [http.get(f"{base}/metrics.json").json().get("search_reads") for base in lb.bases]
    ok = report(record, counted, time.monotonic() - start)
    print(f"  search reads (primary / replica), per instance: {[summary(r) for r in reads]}")
    for server in (first, second):
        server.stop()
    print("RESULT:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


def summary(reads: dict[str, object] | None) -> str:
    if not reads:
        return "-"
    replicas = reads.get("replicas", {})
    served = sum(int(r["commands"]) for r in replicas.values()) if isinstance(replicas, dict) else 0
    return f"{reads.get('primary')} / {served}"


if __name__ == "__main__":
    sys.exit(run_faults(float(sys.argv[1]) if len(sys.argv) > 1 else 120.0, 16))
