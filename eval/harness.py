"""Next-item evaluation of the whole service on a dataset folder (docs/evaluation.md).

Leave-one-out: each user's last item is the test target, the second to last the validation target. The
products go into a fresh index; each split's inputs (`items[:-1]` for test, `items[:-2]` for validation)
are imported as PURCHASE events through the import path into a namespace of their own; then each user's
"recommended for you" is asked of the GraphQL schema, in process, exactly as a client would ask it:
k = 20, no query, purchased products excluded, and the input items older than the history window
excluded by id so the whole input history is removed from the ranking, as the protocol wants.
"""

import asyncio
import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from adapters.event_file import PastEvent
from adapters.event_import import apply_events
from adapters.import_checkpoints import ImportCheckpoint, ImportCheckpoints
from adapters.sequence_dataset import Dataset
from bootstrap.runtime import Runtime
from domain.events import HISTORY_LENGTH, EventKind
from domain.models import Product
from eval.scoring import DEPTH, Scores, coverage
from gql.schema import Context, schema

MAX_EXCLUDED_IDS = 1000  # the API's bound on exclude.productIds
UPSERT_BATCH = 500  # the API's bound on one upsert
# Only k and exclude are sent: a request's own arguments override a scenario's, so sending blend or rerank
# would mask the settings of the scenario being evaluated.
RECOMMENDED_FOR_YOU = """query ($user: ID!, $k: Int!, $older: [ID!], $scenario: String) {
  recommendations(userId: $user, k: $k, exclude: {purchased: true, productIds: $older}, scenario: $scenario) {
    items { product { id } }
  }
}"""

Progress = Callable[[str, int], Callable[[int], object]]  # (phase, total) -> advance(count)


@dataclass(frozen=True)
class Split:
    name: str
    inputs: dict[str, list[str]]  # user -> product ids the user bought before the target, oldest first
    targets: dict[str, str]


@dataclass
class SplitResult:
    scores: Scores = field(default_factory=Scores)
    lists: list[list[str]] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    truncated_exclusions: int = 0  # users with more older items than the API excludes by id


def splits(dataset: Dataset, users: Sequence[str]) -> tuple[Split, Split]:
    ids = {user: [dataset.product_id(item) for item in dataset.sequences[user]] for user in users}
    test = Split("test", {u: items[:-1] for u, items in ids.items()}, {u: items[-1] for u, items in ids.items()})
    validation = Split(
        "validation", {u: items[:-2] for u, items in ids.items()}, {u: items[-2] for u, items in ids.items()}
    )
    return test, validation


def choose_users(dataset: Dataset, limit: int | None) -> list[str]:
    """The first `limit` users in file order (all without a limit): the same slice on every run."""
    users = list(dataset.sequences)
    return users if limit is None else users[:limit]


def choose_products(dataset: Dataset, users: Sequence[str], limit: int | None, seed: int = 0) -> list[Product]:
    """Every product, or the products the users touch plus a seeded random sample up to `limit`."""
    if limit is None:
        return list(dataset.products.values())
    touched = {item for user in users for item in dataset.sequences[user]}
    rest = sorted(set(dataset.products) - touched)
    extra = np.random.default_rng(seed).permutation(rest)[: max(0, limit - len(touched))]
    return [dataset.products[int(item)] for item in sorted(touched | {int(x) for x in extra})]


async def load_products(runtime: Runtime, products: Sequence[Product], advance: Callable[[int], object]) -> None:
    """Through the service's catalog upsert (validated, embedded in batches), two batches in flight."""
    slots = asyncio.Semaphore(2)

    async def one(batch: Sequence[Product]) -> None:
        async with slots:
            await runtime.service.upsert_products([dataclasses.asdict(p) for p in batch])
        advance(len(batch))

    batches = [products[start : start + UPSERT_BATCH] for start in range(0, len(products), UPSERT_BATCH)]
    await asyncio.gather(*(one(batch) for batch in batches))


def past_events(split: Split) -> list[PastEvent]:
    events, line = [], 0
    for user, items in split.inputs.items():
        for product in items:
            line += 1
            events.append(PastEvent(line, user, product, EventKind.PURCHASE, None))
    return events


async def import_split(runtime: Runtime, split: Split, user_prefix: str, advance: Callable[[int], object]) -> int:
    assert runtime.redis is not None
    service, events = runtime.service, past_events(split)
    checkpoints = ImportCheckpoints(runtime.redis, user_prefix)
    end = await apply_events(
        service, checkpoints, events, ImportCheckpoint(f"evaluate:{split.name}", service.clock()), progress=advance
    )
    return end.applied


def older_items(inputs: Sequence[str]) -> list[str]:
    """Input items the service's history window no longer holds, newest first (the ones kept when capped)."""
    window = set(inputs[-HISTORY_LENGTH:])
    return list(dict.fromkeys(item for item in reversed(inputs) if item not in window))


async def ask(runtime: Runtime, user: str, older: list[str], scenario: str | None) -> tuple[list[str], float]:
    variables: dict[str, Any] = {"user": user, "k": DEPTH, "older": older or None, "scenario": scenario}
    context = Context(runtime.service)
    start = time.perf_counter()
    result = await schema.execute(RECOMMENDED_FOR_YOU, variable_values=variables, context_value=context)
    elapsed_ms = (time.perf_counter() - start) * 1000.0
    if result.errors or result.data is None:
        raise RuntimeError(f"recommendations for {user!r} failed: {result.errors}")
    return [item["product"]["id"] for item in result.data["recommendations"]["items"]], elapsed_ms


async def query_split(
    runtime: Runtime, split: Split, *, concurrency: int, advance: Callable[[int], object], scenario: str | None = None
) -> SplitResult:
    """Each user's "recommended for you", by default or as the named scenario gives it."""
    result, slots = SplitResult(), asyncio.Semaphore(concurrency)
    found: dict[str, list[str]] = {}

    async def one(user: str) -> None:
        older = older_items(split.inputs[user])
        if len(older) > MAX_EXCLUDED_IDS:
            result.truncated_exclusions += 1
        async with slots:
            found[user], elapsed_ms = await ask(runtime, user, older[:MAX_EXCLUDED_IDS], scenario)
        result.latencies_ms.append(elapsed_ms)
        advance(1)

    await asyncio.gather(*(one(user) for user in split.targets))
    for user, target in split.targets.items():  # scored in user order, whatever order the answers came in
        result.scores.add(found[user], target)
        result.lists.append(found[user])
    return result


def figures(test: SplitResult | None, validation: SplitResult | None, catalog_size: int) -> dict[str, Any]:
    """One configuration's scores; a split that was not run is null. Coverage is that of the test lists, or of
    the validation lists without them."""
    lists = test.lists if test is not None else validation.lists if validation is not None else []
    return {
        "test": None if test is None else test.scores.metrics(),
        "validation": None if validation is None else validation.scores.metrics(),
        "coverage@10": coverage(lists, catalog_size, k=10),
    }


def summary(users: int, test: SplitResult | None, validation: SplitResult | None, catalog_size: int) -> dict[str, Any]:
    """The `--json` document of the default request: exactly these keys."""
    latencies = np.asarray([ms for split in (test, validation) if split is not None for ms in split.latencies_ms])
    return {
        "users": users,
        **figures(test, validation, catalog_size),
        "latency_ms": {"p50": float(np.percentile(latencies, 50)), "p99": float(np.percentile(latencies, 99))},
    }
