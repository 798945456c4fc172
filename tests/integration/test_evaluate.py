"""`recommender evaluate` end to end on a slice of Amazon Beauty (real Redis, real model, the GraphQL schema),
so the command cannot rot. The full run is a benchmark (BENCHMARKS.md), not a test."""

import asyncio
import json
from pathlib import Path

import pytest

from adapters.embedding_cache import KEY_PREFIX
from adapters.redis.connection import connect
from adapters.redis.embedded import EmbeddedRedis
from eval.scoring import CUTOFFS
from tests.cli_runs import recommender
from tests.conftest import ROOT

BEAUTY = ROOT / "eval" / "datasets" / "amazon-beauty"
USERS = 200
KEYS = [f"HR@{k}" for k in CUTOFFS] + [f"NDCG@{k}" for k in CUTOFFS]
SCENARIOS = [  # ScenarioInput objects, as upsertScenario takes them
    {"name": "session-only", "blend": {"behaviourWeight": 0}},
    {"name": "plain", "variants": [{"name": "no-rerank", "share": 0.5, "rerank": {"enabled": False}}]},
]
CONFIGURATIONS = ["session-only", "plain", "plain.no-rerank"]  # every variant judged on all users


def _check(scores: dict[str, float]) -> None:
    assert list(scores) == KEYS
    assert all(0.0 <= value <= 1.0 for value in scores.values())
    assert scores["HR@20"] >= scores["HR@10"] >= scores["HR@5"]
    assert scores["NDCG@20"] >= scores["NDCG@10"] >= scores["NDCG@5"]
    assert scores["HR@20"] > 0.0  # the session path finds some next purchases
    assert all(scores[f"NDCG@{k}"] <= scores[f"HR@{k}"] for k in CUTOFFS)


def _keys(url: str) -> dict[bytes, bytes | None]:
    """Every key; those under the stores' default prefix with their contents (DUMP), to see them change too."""

    async def scan() -> dict[bytes, bytes | None]:
        client = connect(url)
        try:
            keys = [key async for key in client.client.scan_iter(count=1000)]
            shared = [key for key in keys if key.startswith(b"recommender:")]
            dumps = [await client.client.dump(key) for key in shared]
            return dict.fromkeys(keys) | dict(zip(shared, dumps, strict=True))
        finally:
            await client.aclose()

    return asyncio.run(scan())


def _leftovers(url: str) -> list[bytes]:
    async def scan() -> list[bytes]:
        client = connect(url)
        try:
            found = [key async for key in client.client.scan_iter(match="*evaluate-*", count=1000)]
            indexes = await client.client.execute_command("FT._LIST")
            return found + [name for name in indexes if b"evaluate-" in name]
        finally:
            await client.aclose()

    return asyncio.run(scan())


@pytest.mark.timeout(1200)  # embedding the slice's products is most of it: seconds on an idle machine
def test_evaluate_a_slice_end_to_end(tmp_path: Path, redis_server: EmbeddedRedis) -> None:
    out, scenarios = tmp_path / "result.json", tmp_path / "scenarios.json"
    scenarios.write_text(json.dumps(SCENARIOS))
    before = _keys(redis_server.url)
    args = ["evaluate", str(BEAUTY), "--users", str(USERS), "--products", "2500", "--splits", "both"]
    args += ["--scenarios", str(scenarios), "--json", str(out), "--quiet"]
    done = recommender(*args, "--redis-url", redis_server.url, timeout=1150)
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert list(result) == ["users", "test", "validation", "coverage@10", "latency_ms", "scenarios"]
    assert result["users"] == USERS
    for split in ("test", "validation"):
        _check(result[split])
    assert 0.0 < result["coverage@10"] <= 1.0
    assert list(result["scenarios"]) == CONFIGURATIONS
    for name, figures in result["scenarios"].items():
        assert list(figures) == ["test", "validation", "coverage@10"]
        _check(figures["test"])
        _check(figures["validation"])
        assert 0.0 < figures["coverage@10"] <= 1.0
        assert f"scenario {name}, test target" in done.stdout and f"scenario {name}, validation target" in done.stdout
    assert "recommend test plain.no-rerank (200 users)" in done.stderr  # asked through the scenario
    # the settings reach the answers: leaving co-engagement out changes the lists (a masked setting would not)
    assert result["scenarios"]["session-only"]["validation"] != result["validation"]
    assert 0.0 < result["latency_ms"]["p50"] <= result["latency_ms"]["p99"]
    assert "this service, test target" in done.stdout and "KERec" in done.stdout  # beside the published rows
    assert "dataset: empty title replaced by brand and category: 7" in done.stderr
    assert _leftovers(redis_server.url) == []  # its index and namespaces are gone
    # Nothing written outside them (a split's co-engagement under the shared prefix leaked the test split's
    # links into the validation split, and every run's into the next): only the kept product vectors are new,
    # and no key under the stores' default prefix changed.
    after = _keys(redis_server.url)
    assert {key for key in after.keys() - before.keys() if not key.startswith(KEY_PREFIX.encode())} == set()
    shared = {key: value for key, value in before.items() if value is not None}
    assert {key: after.get(key) for key in shared} == shared  # none under the default prefix changed


def test_evaluate_refuses_a_folder_that_is_not_there(tmp_path: Path) -> None:
    done = recommender("evaluate", str(tmp_path / "missing"))
    assert done.returncode == 1 and "not a folder" in done.stderr


def test_evaluate_refuses_a_dataset_file_that_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "items.jsonl").mkdir()
    (tmp_path / "sequences.txt").write_text("u1 1 2 3\n")
    done = recommender("evaluate", str(tmp_path))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"Is a directory: {tmp_path / 'items.jsonl'}" in done.stderr


def test_evaluate_refuses_a_dataset_that_leaves_no_user(tmp_path: Path) -> None:
    (tmp_path / "items.jsonl").write_text(
        '{"item_id": 1, "title": "Lipstick", "brand": "A", "categories": ["Makeup"]}\n'
    )
    (tmp_path / "sequences.txt").write_text("u1 1 1\nu2 1 7 8\n")  # too short; unknown items dropped
    done = recommender("evaluate", str(tmp_path), "--redis-url", "redis://127.0.0.1:1/0")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "no user in sequences.txt has 3 items that are products of items.jsonl" in done.stderr


def test_evaluate_refuses_a_scenarios_file_that_is_not_a_list_of_scenarios(tmp_path: Path) -> None:
    bad = tmp_path / "scenarios.json"
    bad.write_text('{"name": "not-a-list"}')
    done = recommender("evaluate", str(BEAUTY), "--scenarios", str(bad))
    assert done.returncode == 1 and "not a JSON list of ScenarioInput objects" in done.stderr
