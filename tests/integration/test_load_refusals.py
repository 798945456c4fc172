"""`recommender load` refuses a file it cannot read whole: a bad field, a line JSON cannot read, a byte that is
not UTF-8, a folder. Each names where, and nothing is written."""

import json
from pathlib import Path

import pytest

from adapters.redis.embedded import EmbeddedRedis
from tests.cli_runs import recommender
from tests.load_runs import store_args, stored, synthetic_file


def test_a_bad_line_stops_the_load_before_anything_is_written(
    tmp_path: Path, redis_server: EmbeddedRedis, namespace: str
) -> None:
    path = synthetic_file(tmp_path, 1200)
    lines = path.read_text().splitlines()
    record = json.loads(lines[1000])
    record["in_stock"] = "yes"
    lines[1000] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n")
    done = recommender("load", str(path), *store_args(redis_server, namespace), "--ingest-batch", "100")
    assert done.returncode == 1
    assert "line 1001: product 'g0001000' (#1000): field 'in_stock' must be true or false" in done.stderr
    assert stored(redis_server, namespace) == (0, set())


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
    path = synthetic_file(tmp_path, 5)
    lines = path.read_text().splitlines()
    lines[3] = line
    path.write_text("\n".join(lines) + "\n")
    done = recommender("load", str(path), *store_args(redis_server, namespace))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"catalog error: {path} {message}" in done.stderr
    assert stored(redis_server, namespace) == (0, set())


@pytest.mark.parametrize("number", [2, 40])  # in the header's first read; far past it
def test_a_line_that_is_not_utf8_stops_the_load_with_its_number(
    tmp_path: Path, redis_server: EmbeddedRedis, namespace: str, number: int
) -> None:
    path = synthetic_file(tmp_path, 50)
    lines = path.read_bytes().split(b"\n")
    lines[number - 1] = lines[number - 1].replace(b'"name": "', b'"name": "caf\xe9 ', 1)
    path.write_bytes(b"\n".join(lines))
    done = recommender("load", str(path), *store_args(redis_server, namespace))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"catalog error: {path} line {number}: not UTF-8 text" in done.stderr
    assert stored(redis_server, namespace) == (0, set())


def test_a_folder_is_refused_by_name(tmp_path: Path, redis_server: EmbeddedRedis, namespace: str) -> None:
    folder = tmp_path / "catalog.jsonl"
    folder.mkdir()
    done = recommender("load", str(folder), *store_args(redis_server, namespace))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"catalog error: {folder}: Is a directory" in done.stderr
