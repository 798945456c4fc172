"""The `recommender` command line, run as a user would (a subprocess), on the real Redis and model."""

import asyncio
import json
from pathlib import Path

import pytest

from adapters.catalog_file import JsonCatalog, write_catalog
from adapters.redis.connection import connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from adapters.redis.schema import IndexConfig
from domain.models import Product, Vector
from tests.cli_runs import recommender
from tests.conftest import ROOT


def test_prepare_model_is_cached() -> None:
    done = recommender("prepare-model")
    assert done.returncode == 0, done.stderr
    assert "already exported" in done.stdout


def test_load_ingests_a_catalog_into_the_configured_index(
    tmp_path: Path, redis_server: EmbeddedRedis, namespace: str, catalog_items: list[tuple[Product, Vector]]
) -> None:
    path = tmp_path / "small.json"
    write_catalog(path, "sentence-transformers/all-MiniLM-L6-v2", catalog_items[:7])
    index_name, prefix = f"{namespace}cli", f"{namespace}cli:"
    done = recommender(
        "load", str(path), "--redis-url", redis_server.url, "--index-name", index_name, "--key-prefix", prefix
    )
    assert done.returncode == 0, done.stderr
    assert "loaded 7 products" in done.stdout

    async def count() -> int:
        client = connect(redis_server.url)
        try:
            return (await RedisProductIndex(client, IndexConfig(name=index_name, prefix=prefix)).info()).num_docs
        finally:
            await client.aclose()

    assert asyncio.run(count()) == 7


def test_load_rejects_a_malformed_catalog(tmp_path: Path, redis_server: EmbeddedRedis, namespace: str) -> None:
    path = tmp_path / "bad.json"
    document = json.loads((ROOT / "catalog.json").read_text())
    document["products"][1]["rating"] = "great"
    path.write_text(json.dumps(document))
    done = recommender("load", str(path), "--redis-url", redis_server.url, "--index-name", f"{namespace}bad")
    assert done.returncode == 1
    assert "product 'p002' (#2): field 'rating'" in done.stderr


def test_build_catalog_reproduces_the_committed_vectors(tmp_path: Path) -> None:
    out = tmp_path / "rebuilt.json"
    done = recommender("build-catalog", "--source", str(ROOT / "catalog.json"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    model = "sentence-transformers/all-MiniLM-L6-v2"
    rebuilt = JsonCatalog(out, model, 384).load()
    committed = JsonCatalog(ROOT / "catalog.json", model, 384).load()
    assert [p for p, _ in rebuilt] == [p for p, _ in committed]
    assert min(float(a @ b) for (_, a), (_, b) in zip(rebuilt, committed, strict=True)) > 0.99999


@pytest.mark.parametrize("args", [["serve", "--port", "notaport"], ["nope"]])
def test_bad_arguments_exit_with_usage(args: list[str]) -> None:
    done = recommender(*args)
    assert done.returncode == 2 and "usage:" in done.stderr
