"""Helpers of the `recommender load` tests: a synthetic catalog file, a test's own index and prefix, and what
they hold."""

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import redis

from adapters.catalog_stream import Header, write_jsonl
from adapters.embedder import DIM
from adapters.embedder import MODEL_NAME as MODEL
from adapters.redis.embedded import EmbeddedRedis
from adapters.synthetic_catalog import synthetic_catalog
from tests.conftest import ROOT


def synthetic_file(tmp_path: Path, count: int, seed: int = 0) -> Path:
    path = tmp_path / f"synthetic-{count}.jsonl"
    write_jsonl(path, Header(MODEL, DIM, random_vectors=True), synthetic_catalog(count, seed))
    return path


def store_args(server: EmbeddedRedis, namespace: str) -> list[str]:
    return ["--redis-url", server.url, "--index-name", f"{namespace}idx", "--key-prefix", f"{namespace}p:"]


def stored(server: EmbeddedRedis, namespace: str) -> tuple[int, set[str]]:
    """(num_docs of the index, the product ids under its prefix)."""
    client = redis.Redis(host="127.0.0.1", port=server.port)
    try:
        num_docs = int(client.ft(f"{namespace}idx").info()["num_docs"])
        prefix = f"{namespace}p:"
        ids = {key.decode()[len(prefix) :] for key in client.scan_iter(match=prefix + "*", count=1000)}
        return num_docs, ids
    finally:
        client.close()


def contents(server: EmbeddedRedis) -> tuple[set[str], dict[bytes, bytes]]:
    """Every index, and every key that does not expire with its DUMP: what a refused load must leave as it was.

    Keys with a TTL are left out: another test's may expire meanwhile, and a load writes none."""
    client = redis.Redis(host="127.0.0.1", port=server.port)
    try:
        indexes = {name.decode() for name in client.execute_command("FT._LIST")}
        keys = list(client.scan_iter(count=1000))
        with client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.pttl(key).dump(key)
            replies = pipe.execute()
        return indexes, {
            key: dump for key, ttl, dump in zip(keys, replies[::2], replies[1::2], strict=True) if ttl == -1
        }
    finally:
        client.close()


def checkpoint(server: EmbeddedRedis, namespace: str) -> dict[str, str]:
    client = redis.Redis(host="127.0.0.1", port=server.port, decode_responses=True)
    try:
        return client.hgetall(f"load-checkpoint:{namespace}idx")  # type: ignore[return-value]
    finally:
        client.close()


def started_load(
    server: EmbeddedRedis, namespace: str, path: Path, args: list[str], **popen: Any
) -> "subprocess.Popen[str]":
    """`recommender load PATH ARGS` in a child process, returned once it has committed 300 products."""
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "load", str(path), *args], cwd=ROOT, text=True, **popen
    )
    deadline = time.monotonic() + 90
    try:
        while int(checkpoint(server, namespace).get("loaded", 0)) < 300:
            assert process.poll() is None and time.monotonic() < deadline, "the load ended before it could be stopped"
            time.sleep(0.02)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return process
