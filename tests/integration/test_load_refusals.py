"""`recommender load` refuses a file it cannot read whole: a bad field, a line JSON cannot read, a byte that is
not UTF-8, another model's header, a folder. Each names where, and Redis is left as it was: no index is
created, and a loaded one keeps every key."""

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.redis.embedded import EmbeddedRedis
from tests.cli_runs import recommender
from tests.load_runs import MODEL, contents, store_args, synthetic_file


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("in_stock", "yes", "must be true or false"),
        ("name", "Parka\u0000", "must not contain control characters"),
        ("description", "Warm.\n\u001b[2J", "must not contain control characters other than tab, line feed and"),
    ],
)
def test_a_bad_line_stops_the_load_before_anything_is_written(
    tmp_path: Path, redis_server: EmbeddedRedis, namespace: str, field: str, value: str, message: str
) -> None:
    path = synthetic_file(tmp_path, 1200)
    lines = path.read_text().splitlines()
    record = json.loads(lines[1000])
    record[field] = value
    lines[1000] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n")
    before = contents(redis_server)
    done = recommender("load", str(path), *store_args(redis_server, namespace), "--ingest-batch", "100")
    assert done.returncode == 1
    assert f"line 1001: product 'g0001000' (#1000): field '{field}' {message}" in done.stderr
    assert contents(redis_server) == before


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            '{"x": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "line 4: not valid JSON (arrays or objects nested too deeply)",
        ),
        ('{"x": ' + "9" * 5000 + "}", "line 4: not valid JSON (a number with too many digits)"),
    ],
)
def test_a_line_json_cannot_read_stops_the_load_with_its_number(
    tmp_path: Path, redis_server: EmbeddedRedis, namespace: str, line: str, message: str
) -> None:
    path = _spoiled(tmp_path, 4, line)
    before = contents(redis_server)
    done = recommender("load", str(path), *store_args(redis_server, namespace))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"catalog error: {path} {message}" in done.stderr
    assert contents(redis_server) == before


@pytest.mark.parametrize("number", [2, 40])  # in the header's first read; far past it
def test_a_line_that_is_not_utf8_stops_the_load_with_its_number(
    tmp_path: Path, redis_server: EmbeddedRedis, namespace: str, number: int
) -> None:
    path = synthetic_file(tmp_path, 50)
    lines = path.read_bytes().split(b"\n")
    lines[number - 1] = lines[number - 1].replace(b'"name": "', b'"name": "caf\xe9 ', 1)
    path.write_bytes(b"\n".join(lines))
    before = contents(redis_server)
    done = recommender("load", str(path), *store_args(redis_server, namespace))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"catalog error: {path} line {number}: not UTF-8 text" in done.stderr
    assert contents(redis_server) == before


def test_a_folder_is_refused_by_name(tmp_path: Path, redis_server: EmbeddedRedis, namespace: str) -> None:
    folder = tmp_path / "catalog.jsonl"
    folder.mkdir()
    done = recommender("load", str(folder), *store_args(redis_server, namespace))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"catalog error: {folder}: Is a directory" in done.stderr


def test_a_pipe_is_refused_by_name(tmp_path: Path, redis_server: EmbeddedRedis, namespace: str) -> None:
    """A resumable run reads its file twice (the fingerprint, then the load): a stream cannot be read twice."""
    pipe = tmp_path / "catalog.jsonl"
    os.mkfifo(pipe)
    done = recommender("load", str(pipe), *store_args(redis_server, namespace), timeout=30)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"catalog error: {pipe}: not a regular file" in done.stderr


def _spoiled(folder: Path, line: int, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = synthetic_file(folder, 5, seed=1)
    lines = path.read_text().splitlines()
    lines[line - 1] = text
    path.write_text("\n".join(lines) + "\n")
    return path


def _bad_json_catalog(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "catalog.json"
    path.write_text(json.dumps({"model": MODEL, "dim": 384, "products": [{"id": "x"}]}))
    return path


REFUSED: dict[str, Callable[[Path], Path]] = {
    "a bad product": lambda folder: _spoiled(folder, 3, '{"id": "g1"}'),
    "another model": lambda folder: _spoiled(folder, 1, '{"model": "other", "dim": 384}'),
    "a bad catalog.json": _bad_json_catalog,
}


@pytest.mark.parametrize("refused", REFUSED.values(), ids=REFUSED.keys())
def test_a_refused_load_creates_no_index(
    tmp_path: Path, redis_server: EmbeddedRedis, namespace: str, refused: Callable[[Path], Path]
) -> None:
    path = refused(tmp_path)
    before = contents(redis_server)
    done = recommender("load", str(path), *store_args(redis_server, namespace))
    assert done.returncode == 1 and f"catalog error: {path}" in done.stderr
    assert f"{namespace}idx" not in contents(redis_server)[0]
    assert contents(redis_server) == before


def test_a_refused_load_leaves_a_loaded_index_and_its_products_as_they_were(
    tmp_path: Path, redis_server: EmbeddedRedis, namespace: str
) -> None:
    loaded = recommender("load", str(synthetic_file(tmp_path, 20)), *store_args(redis_server, namespace))
    assert loaded.returncode == 0, loaded.stderr
    before = contents(redis_server)
    for name, refused in REFUSED.items():
        done = recommender("load", str(refused(tmp_path / name)), *store_args(redis_server, namespace))
        assert done.returncode == 1 and "catalog error" in done.stderr, name
    another_file = _spoiled(tmp_path / "another file", 2, "")  # valid, but not the checkpoint's file
    done = recommender("load", str(another_file), *store_args(redis_server, namespace), "--resume")
    assert done.returncode == 1 and "belongs to another file" in done.stderr
    assert contents(redis_server) == before
