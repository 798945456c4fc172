"""`recommender load` at scale: JSON Lines, checkpoints, resuming a killed or interrupted load, generate."""

import asyncio
import json
import re
import shlex
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.bulk_load import Checkpoint, LoadCheckpoints, bulk_load
from adapters.catalog_stream import JsonLinesCatalog, Record, fingerprint
from adapters.redis.connection import connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from adapters.redis.schema import IndexConfig
from adapters.synthetic_catalog import synthetic_catalog
from tests.cli_runs import recommender
from tests.load_runs import DIM, MODEL, checkpoint, started_load, store_args, stored, synthetic_file


def test_jsonl_load_round_trip(tmp_path: Path, redis_server: EmbeddedRedis, namespace: str) -> None:
    path = synthetic_file(tmp_path, 300)
    done = recommender("load", str(path), *store_args(redis_server, namespace), "--ingest-batch", "64")
    assert done.returncode == 0, done.stderr
    assert "loaded 300 products" in done.stdout and "300 of 300" in done.stdout
    assert "holds random vectors" in done.stderr
    assert re.search(r"load: 100%.*300/300", done.stderr)  # the progress bar's last state

    num_docs, ids = stored(redis_server, namespace)
    assert num_docs == 300 and ids == {f"g{n:07d}" for n in range(1, 301)}

    async def first_product() -> object:
        client = connect(redis_server.url)
        try:
            index = RedisProductIndex(client, IndexConfig(name=f"{namespace}idx", prefix=f"{namespace}p:"))
            return await index.get_vector("g0000001")
        finally:
            await client.aclose()

    [(product, vector)] = [r for r in synthetic_catalog(1)]
    got = asyncio.run(first_product())
    assert isinstance(got, tuple) and got[0] == product and (got[1] == vector).all()

    again = recommender("load", str(path), *store_args(redis_server, namespace), "--resume")
    assert again.returncode == 0 and "already loaded" in again.stdout


def test_a_killed_load_resumes_without_duplicates_or_gaps(
    tmp_path: Path, redis_server: EmbeddedRedis, namespace: str
) -> None:
    count = 3000
    path = synthetic_file(tmp_path, count)
    args = [*store_args(redis_server, namespace), "--ingest-batch", "20", "--pipelines", "1", "--quiet"]
    process = started_load(redis_server, namespace, path, args)
    process.kill()
    process.wait()
    at_kill = checkpoint(redis_server, namespace)
    assert at_kill["complete"] == "0" and 300 <= int(at_kill["loaded"]) < count

    done = recommender("load", str(path), *args, "--resume")
    assert done.returncode == 0, done.stderr
    assert f"{count} of {count}" in done.stdout
    assert f"loaded {count - int(at_kill['loaded'])} products" in done.stdout
    num_docs, ids = stored(redis_server, namespace)
    assert num_docs == count and ids == {f"g{n:07d}" for n in range(1, count + 1)}
    assert checkpoint(redis_server, namespace)["complete"] == "1"


def test_an_interrupted_load_prints_the_command_that_resumes_it(
    tmp_path: Path, redis_server: EmbeddedRedis, namespace: str
) -> None:
    """Ctrl-C's hint repeats every option given (here the index, prefix and Redis): pasted, it finishes
    the same load, not one into the default index."""
    count = 3000
    path = synthetic_file(tmp_path, count)
    args = [*store_args(redis_server, namespace), "--ingest-batch", "20", "--pipelines", "1", "--quiet"]
    process = started_load(redis_server, namespace, path, args, stderr=subprocess.PIPE)
    try:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    hint = re.search(r"`(recommender load .*)` continues from there", stderr)
    assert hint is not None, stderr
    words = shlex.split(hint.group(1))
    assert words[1:] == ["load", str(path), *args, "--resume"]

    done = recommender(*words[1:])
    assert done.returncode == 0, done.stderr
    assert f"{count} of {count}" in done.stdout
    assert stored(redis_server, namespace)[0] == count


@pytest.mark.anyio
async def test_checkpoint_never_passes_an_unacknowledged_batch(
    tmp_path: Path, redis_server: EmbeddedRedis, namespace: str
) -> None:
    path = synthetic_file(tmp_path, 500)
    catalog = JsonLinesCatalog(path, MODEL, DIM)
    client = connect(redis_server.url)
    index = RedisProductIndex(client, IndexConfig(name=f"{namespace}idx", prefix=f"{namespace}p:"))
    checkpoints = LoadCheckpoints(client, index.config)
    source = fingerprint(path)
    loaded = 0

    async def committed(position: int, count: int) -> None:
        nonlocal loaded
        loaded += count
        await checkpoints.save(Checkpoint(source, position, loaded))

    def crashing(after: int) -> Iterator[Record]:
        for n, record in enumerate(catalog.records(after), start=1):
            if n > 250:
                raise RuntimeError("crash")
            yield record

    try:
        await index.recreate()
        with pytest.raises(RuntimeError, match="crash"):
            await bulk_load(index, crashing(0), committed, batch_size=100, in_flight=2)
        saved = await checkpoints.read()
        # Batch 2 was on the wire but not yet settled when the input failed: the checkpoint stays at
        # batch 1 (line 101 = product 100) and a resume writes batch 2 again, over the same keys.
        assert saved is not None and (saved.position, saved.loaded) == (101, 100)
        await bulk_load(index, catalog.records(saved.position), committed, batch_size=100, in_flight=2)
        assert (await index.info()).num_docs == 500 and loaded == 500
    finally:
        await client.client.execute_command("FT.DROPINDEX", index.name, "DD")
        await checkpoints.clear()
        await client.aclose()


def test_resume_refuses_a_checkpoint_of_another_file(
    tmp_path: Path, redis_server: EmbeddedRedis, namespace: str
) -> None:
    assert recommender("load", str(synthetic_file(tmp_path, 50)), *store_args(redis_server, namespace)).returncode == 0
    other = synthetic_file(tmp_path, 60, seed=1)
    done = recommender("load", str(other), *store_args(redis_server, namespace), "--resume")
    assert done.returncode == 1 and "belongs to another file" in done.stderr


def test_generate_writes_a_loadable_catalog(tmp_path: Path) -> None:
    out = tmp_path / "gen.jsonl"
    done = recommender("generate", "--count", "1500", "--out", str(out), "--random-vectors", "--seed", "9")
    assert done.returncode == 0, done.stderr
    assert "wrote 1500 products" in done.stdout
    lines = out.read_text().splitlines()
    assert len(lines) == 1501 and json.loads(lines[0])["vectors"] == "random"
    assert [r.product.id for r in JsonLinesCatalog(out, MODEL, DIM).validate()][-1] == "g0001500"
    again = tmp_path / "again.jsonl"
    assert (
        recommender("generate", "--count", "1500", "--out", str(again), "--random-vectors", "--seed", "9").returncode
        == 0
    )
    assert again.read_bytes() == out.read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["load", "x.jsonl", "--algorithm", "FLAT", "--ef-runtime", "50"], "EF_RUNTIME applies to HNSW only"),
        (["load", "x.jsonl", "--hybrid-policy", "ADHOC_BF", "--batch-size", "9"], "BATCH_SIZE applies to"),
        (["serve", "--ef-runtime", "0"], "--ef-runtime: Input should be greater than or equal to 1"),
        (["serve", "--algorithm", "IVF"], "invalid choice"),
        (["generate", "--count", "5", "--out", "x.json"], "must end in .jsonl"),
        (["load", "x.jsonl", "--key-prefix", "load-"], "key prefix 'load-' would make the index treat"),
    ],
)
def test_bad_scale_options_are_refused(args: list[str], message: str) -> None:
    done = recommender(*args)
    assert done.returncode == 2 and message in done.stderr


def test_recreating_the_index_forgets_its_load_checkpoint(
    tmp_path: Path, redis_server: EmbeddedRedis, namespace: str
) -> None:
    """Recreating an index (resetIndex, `serve --reset`) deletes its products: a checkpoint kept over that would
    make `--resume` skip the products it deleted, or call the file already loaded."""
    path = synthetic_file(tmp_path, 50)
    assert recommender("load", str(path), *store_args(redis_server, namespace)).returncode == 0

    async def recreate() -> None:
        client = connect(redis_server.url)
        try:
            await RedisProductIndex(client, IndexConfig(name=f"{namespace}idx", prefix=f"{namespace}p:")).recreate()
        finally:
            await client.aclose()

    asyncio.run(recreate())
    assert stored(redis_server, namespace) == (0, set()) and not checkpoint(redis_server, namespace)
    again = recommender("load", str(path), *store_args(redis_server, namespace), "--resume")
    assert again.returncode == 0 and "loaded 50 products" in again.stdout
    assert stored(redis_server, namespace)[0] == 50
