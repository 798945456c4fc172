"""`import-events` refuses a bad event file before writing anything, naming the line and the field;
from the command line it imports, counts unknown products and resumes (real Redis)."""

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from adapters.catalog_stream import fingerprint
from adapters.event_file import EventFileError, read_events
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from bootstrap.settings import Settings
from tests.cli_runs import recommender
from tests.clock import START
from tests.event_lines import UNKNOWN, event_lines, write_events
from tests.load_runs import contents

pytestmark = pytest.mark.anyio


BAD_LINES: list[tuple[Callable[[dict[str, Any]], Any], str]] = [
    (lambda line: "{not json", "line 3: not valid JSON"),
    (lambda line: "[" * 100_000 + "]" * 100_000, "line 3: not valid JSON (arrays or objects nested too deeply)"),
    (lambda line: '{"n": ' + "9" * 5000 + "}", "line 3: not valid JSON (a number with too many digits)"),
    (lambda line: [line], "line 3: must be a JSON object"),
    (lambda line: {**line, "user": None}, "line 3: field 'user' must be a string"),
    (lambda line: {k: v for k, v in line.items() if k != "user"}, "line 3: field 'user' is missing"),
    (lambda line: {**line, "user": ""}, "line 3: field 'user' must be 1-64 characters"),
    (lambda line: {**line, "product": "p" * 65}, "line 3: field 'product' must be 1-64 characters"),
    (lambda line: {**line, "product": "a:b"}, "line 3: field 'product' must be 1-64 characters"),
    (lambda line: {**line, "kind": "LIKE"}, "line 3: field 'kind' must be one of VIEW, CLICK"),
    (lambda line: {**line, "at": "yesterday"}, "line 3: field 'at' must be an ISO 8601 time"),
    (lambda line: {**line, "at": 1700000000}, "line 3: field 'at' must be an ISO 8601 time"),
    (lambda line: {**line, "at": "2999-01-01T00:00:00Z"}, "line 3: field 'at' must not be in the future"),
    (lambda line: {**line, "at": "1900-01-01T00:00:00Z"}, "line 3: field 'at' must not be before 1970"),
    (lambda line: {**line, "at": "0001-01-01T00:00:00+14:00"}, "line 3: field 'at' must not be before 1970"),
]


def _bad_file(tmp_path: Path, spoil: Callable[[dict[str, Any]], Any]) -> Path:
    lines = [json.dumps(line) for line in event_lines(users=2, per_user=3)]
    bad = spoil(json.loads(lines[2]))
    lines[2] = bad if isinstance(bad, str) else json.dumps(bad)
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("spoil", "message"), BAD_LINES)
def test_a_bad_line_is_named_by_number_and_field(
    tmp_path: Path, spoil: Callable[[dict[str, Any]], Any], message: str
) -> None:
    with pytest.raises(EventFileError) as raised:
        read_events(_bad_file(tmp_path, spoil), START + 10 * 365 * 86400)
    assert str(raised.value).startswith(message) and raised.value.line == 3


async def test_the_command_refuses_a_bad_file_before_writing_anything(
    tmp_path: Path, redis_server: EmbeddedRedis, redis_index: RedisProductIndex
) -> None:
    path = _bad_file(tmp_path, lambda line: {**line, "kind": "LIKE"})
    root = f"{redis_index.name}-cli:"
    before = contents(redis_server)  # every key and its value: a write outside `root` counts too
    done = recommender(*_cli_args(path, redis_server, redis_index, root), env=_namespaced(root))
    assert done.returncode == 1
    assert "line 3: field 'kind' must be one of" in done.stderr and "nothing was imported" in done.stderr
    assert contents(redis_server) == before


def test_the_command_refuses_a_folder_by_name(tmp_path: Path) -> None:
    folder = tmp_path / "events.jsonl"
    folder.mkdir()
    done = recommender("import-events", str(folder), "--quiet")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{folder}: Is a directory" in done.stderr


def _namespaced(root: str) -> dict[str, str]:
    """The environment that puts every key the command's stores write under `root` (Settings.namespaced), and
    no model folder: an import must not need the model."""
    plain = Settings()
    moved = plain.namespaced(root)
    env = {f"RECOMMENDER_{name.upper()}": value for name, value in moved if value != getattr(plain, name)}
    return env | {"RECOMMENDER_MODEL_DIR": f"/nonexistent/{root}model"}


def _cli_args(path: Path, redis_server: EmbeddedRedis, index: RedisProductIndex, root: str) -> list[str]:
    return [
        "import-events",
        str(path),
        "--quiet",
        "--redis-url",
        redis_server.url,
        "--index-name",
        index.name,
        "--key-prefix",
        index.config.prefix,
    ]


def _import(
    tmp_path: Path, redis_server: EmbeddedRedis, redis_index: RedisProductIndex, root: str, *extra: str
) -> tuple[list[dict[str, Any]], Path, subprocess.CompletedProcess[str]]:
    """Three users' events written to a file and imported by the command under `root`; `extra` its flags."""
    lines = event_lines(users=3, per_user=4)
    path = write_events(tmp_path / "events.jsonl", lines)
    return lines, path, recommender(*_cli_args(path, redis_server, redis_index, root), *extra, env=_namespaced(root))


async def test_the_command_imports_counts_unknown_products_and_resumes(
    tmp_path: Path, redis_server: EmbeddedRedis, redis_index: RedisProductIndex, redis_client: aioredis.Redis
) -> None:
    root = f"{redis_index.name}-cli:"
    lines, path, done = _import(tmp_path, redis_server, redis_index, root)
    unknown = sum(1 for line in lines if line["product"] == UNKNOWN)
    assert done.returncode == 0, done.stderr
    assert f"imported {len(lines) - unknown} events" in done.stdout and f"{unknown} named a product" in done.stdout
    events = await redis_client.lrange(f"{root}user:{{u0}}:events", 0, -1)
    assert len(events) == sum(1 for line in lines if line["user"] == "u0" and line["product"] != UNKNOWN)
    assert [key async for key in redis_client.scan_iter(match=f"{root}co:*")]  # the counts are under the root too
    again = recommender(*_cli_args(path, redis_server, redis_index, root), "--resume", env=_namespaced(root))
    assert again.returncode == 0 and "already imported" in again.stdout
    assert (await redis_client.hgetall(f"events-import:{root}user:"))[b"source"].decode() == fingerprint(path)


async def test_a_resume_after_a_crash_while_counts_were_sent_says_so_and_applies_nothing_twice(
    tmp_path: Path, redis_server: EmbeddedRedis, redis_index: RedisProductIndex, redis_client: aioredis.Redis
) -> None:
    root = f"{redis_index.name}-counting:"
    lines, path, done = _import(tmp_path, redis_server, redis_index, root)
    assert done.returncode == 0
    history = await redis_client.lrange(f"{root}user:{{u0}}:events", 0, -1)
    # What a run killed while sending its only batch's counts leaves: every user written, the batch not passed.
    checkpoint = f"events-import:{root}user:"
    state = {"position": 0, "complete": 0, "batch_end": len(lines), "counting": len(lines)}
    await redis_client.hset(checkpoint, mapping=state)
    again = recommender(*_cli_args(path, redis_server, redis_index, root), "--resume", env=_namespaced(root))
    assert again.returncode == 0, again.stderr
    assert f"counts of lines 1-{len(lines)} were being sent" in again.stderr
    assert await redis_client.lrange(f"{root}user:{{u0}}:events", 0, -1) == history  # not applied again
    saved = await redis_client.hgetall(checkpoint)
    assert (saved[b"complete"], saved[b"counting"], saved[b"position"]) == (b"1", b"0", str(len(lines)).encode())
