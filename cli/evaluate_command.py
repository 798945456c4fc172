"""`recommender evaluate DIR`: next-item quality of the whole service on a dataset folder (eval/harness.py).

Everything is written under a fresh namespace of the configured Redis (the embedded one by default): an
index of its own and one namespace per split for every store an event or a page writes (users,
popularity, co-engagement, experiment counters), all deleted at the end. A split sharing a store with
another would learn from the other's events: the test split's co-engagement holds the validation
target's links. The product vectors are kept
in the shared embedding cache (docs/operations.md, "The query path's caches"), so a later run on the same
catalog skips the model.
"""

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from tqdm import tqdm

from adapters.embedder import FastEmbedEmbedder
from adapters.sequence_dataset import ITEMS_FILE, MIN_SEQUENCE, SEQUENCES_FILE, read_dataset
from bootstrap.runtime import Runtime, open_runtime, redis_url
from bootstrap.settings import Settings
from domain.service import RecommenderService
from eval import harness
from eval import offline_scenarios as scenarios
from eval.report import published_rows, table
from gql.schema import Context

# Product vectors stay in the shared embedding cache this long, so a second run skips the model.
PRODUCT_VECTOR_TTL_S = 30 * 24 * 3600


class NoUsers(ValueError):
    """The dataset leaves no user to score: nothing to measure, so nothing is loaded."""


@asynccontextmanager
async def _runtime(settings: Settings, embedder: FastEmbedEmbedder, *, fresh_index: bool) -> AsyncIterator[Runtime]:
    async def prepare(service: RecommenderService) -> None:
        await (service.index.recreate() if fresh_index else service.index.ensure())

    async with open_runtime(settings, embedder=embedder, prepare=prepare) as runtime:
        yield runtime


async def _drop(runtime: Runtime, root: str) -> None:
    assert runtime.redis is not None
    client = runtime.redis.client
    await client.execute_command("FT.DROPINDEX", runtime.service.index.name, "DD")
    for pattern in (f"{root}*", f"events-import:{root}*"):
        async for key in client.scan_iter(match=pattern, count=1000):
            await client.delete(key)


def _bars(quiet: bool) -> tuple[harness.Progress, list["tqdm[None]"]]:
    bars: list[tqdm[None]] = []

    def start(phase: str, total: int) -> Callable[[int], object]:
        bar = tqdm(desc=phase, total=total, disable=quiet, file=sys.stderr, leave=False)
        bars.append(bar)
        advance: Callable[[int], object] = bar.update
        return advance

    return start, bars


async def _run_split(
    runtime: Runtime,
    split: harness.Split,
    *,
    user_prefix: str,
    args: argparse.Namespace,
    configurations: list[dict[str, Any]],
    progress: harness.Progress,
    phases: dict[str, float],
) -> dict[str | None, harness.SplitResult]:
    """Import the split once, save the scenarios, then ask each user once per configuration (None: default)."""
    clock = time.perf_counter()
    events = sum(map(len, split.inputs.values()))
    await harness.import_split(runtime, split, user_prefix, progress(f"import {split.name}", events))
    phases[f"import {split.name} ({events} events)"] = time.perf_counter() - clock
    for configuration in configurations:
        await scenarios.save(Context(runtime.service, is_admin=True), configuration)
    results = {}
    for name in [None, *(c["name"] for c in configurations)]:
        clock, label = time.perf_counter(), f"{split.name}{'' if name is None else ' ' + name}"
        advance = progress(f"ask {label}", len(split.targets))
        results[name] = await harness.query_split(
            runtime, split, concurrency=args.concurrency, advance=advance, scenario=name
        )
        phases[f"recommend {label} ({len(split.targets)} users)"] = time.perf_counter() - clock
    return results


def _result(users: int, results: dict[str, dict[str | None, harness.SplitResult]], catalog: int) -> dict[str, Any]:
    def of(split: str, name: str | None) -> harness.SplitResult | None:
        return results[split][name] if split in results else None

    names = [name for name in next(iter(results.values())) if name is not None]
    result = harness.summary(users, of("test", None), of("validation", None), catalog)
    if names:
        result["scenarios"] = {
            name: harness.figures(of("test", name), of("validation", name), catalog) for name in names
        }
    return result


async def _evaluate(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    configurations = (
        [] if args.scenarios is None else scenarios.all_materialised(scenarios.read_scenarios(args.scenarios))
    )
    dataset = read_dataset(args.dir)
    for repair, count in sorted(dataset.repairs.items()):
        print(f"dataset: {repair}: {count}", file=sys.stderr)
    users = harness.choose_users(dataset, args.users)
    if not users:
        raise NoUsers(f"no user in {SEQUENCES_FILE} has {MIN_SEQUENCE} items that are products of {ITEMS_FILE}")
    products = harness.choose_products(dataset, users, args.products)
    test, validation = harness.splits(dataset, users)
    chosen = [validation] if args.splits == "validation" else [test] if args.splits == "test" else [test, validation]
    root = f"evaluate-{uuid.uuid4().hex[:8]}:"
    progress, bars = _bars(args.quiet)
    phases: dict[str, float] = {}
    embedder = FastEmbedEmbedder(settings.model_dir, threads=settings.onnx_threads_per_worker())
    with redis_url(settings) as url:
        common = {"redis_url": url, "index_name": f"{root}idx", "key_prefix": f"{root}product:", "reset": False}
        common |= {"embed_cache_redis": True, "embed_cache_ttl_s": PRODUCT_VECTOR_TTL_S}
        spaces = {split.name: f"{root}{split.name}:" for split in chosen}
        named = {name: settings.model_copy(update=common).namespaced(space) for name, space in spaces.items()}
        async with AsyncExitStack() as stack:
            runtimes: dict[str, Runtime] = {}
            for split in chosen:
                fresh = not runtimes
                runtimes[split.name] = await stack.enter_async_context(
                    _runtime(named[split.name], embedder, fresh_index=fresh)
                )
                if fresh:
                    stack.push_async_callback(_drop, runtimes[split.name], root)
            first = runtimes[chosen[0].name]
            clock = time.perf_counter()
            await harness.load_products(first, products, progress("load products", len(products)))
            phases["load products"] = time.perf_counter() - clock
            results = {}
            for split in chosen:
                results[split.name] = await _run_split(
                    runtimes[split.name],
                    split,
                    user_prefix=f"{spaces[split.name]}user:",
                    args=args,
                    configurations=configurations,
                    progress=progress,
                    phases=phases,
                )
    for bar in bars:
        bar.close()
    for phase, seconds in phases.items():
        print(f"{phase}: {seconds:.1f}s", file=sys.stderr)
    return _result(len(users), results, len(products))


def evaluate(args: argparse.Namespace, settings: Settings) -> int:
    if not args.dir.is_dir():
        print(f"{args.dir}: not a folder", file=sys.stderr)
        return 1
    try:
        result = asyncio.run(_evaluate(args, settings))
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:  # items.jsonl or sequences.txt
        print(f"{args.dir}: {exc.strerror}: {exc.filename}", file=sys.stderr)
        return 1
    except scenarios.ScenarioFileError as exc:
        print(f"--scenarios: {exc}", file=sys.stderr)
        return 1
    except NoUsers as exc:
        print(f"{args.dir}: {exc}; nothing was evaluated", file=sys.stderr)
        return 1
    print(table(result, published_rows(args.dir / "README.md")))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0
