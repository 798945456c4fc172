"""SIGTERM under load: /readyz turns 503 at once, requests keep being answered while draining, the process exits."""

import http.client
import json
import os
import signal
import threading
from pathlib import Path

import pytest

from tests.polling import wait_until
from tests.server_process import ServeProcess

QUERY = json.dumps({"query": '{ recommendations(query: "warm boots", k: 3) { items { product { id } } } }'}).encode()


def call(port: int, method: str, path: str, body: bytes | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
        return conn.getresponse().status
    finally:
        conn.close()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigterm_drains_then_exits_without_failing_accepted_requests(tmp_path: Path, workers: str) -> None:
    env = {**os.environ, "REDIS_URL": ""}
    server = ServeProcess(
        tmp_path / "redis", "--workers", workers, "--drain-s", "2", "--no-access-log", log=tmp_path / "log", env=env
    )
    with server:
        answered: list[int] = []
        refused: list[str] = []
        stop = threading.Event()

        def load() -> None:
            while not stop.is_set():
                try:
                    answered.append(call(server.port, "POST", "/graphql", QUERY))
                except (ConnectionRefusedError, ConnectionResetError):
                    # Not accepted: the listener is closed (refused), or the connection was still in the
                    # kernel's backlog when it closed (reset before any byte of a response). A balancer retries.
                    refused.append("not accepted")
                    return
                except (OSError, http.client.HTTPException) as exc:  # a partial or garbled response: a failure
                    refused.append(repr(exc))
                    return

        threads = [threading.Thread(target=load) for _ in range(4)]
        for thread in threads:
            thread.start()
        assert wait_until(lambda: len(answered) >= 8)
        server.process.send_signal(signal.SIGTERM)
        answered_at_signal = len(answered)
        assert wait_until(lambda: call(server.port, "GET", "/readyz") == 503, timeout=5)
        assert wait_until(lambda: len(answered) > answered_at_signal + 4)  # still serving while draining
        server.process.wait(30)
        stop.set()
        for thread in threads:
            thread.join(15)
    assert server.process.returncode in (0, -signal.SIGTERM), server.log_tail()
    assert answered and set(answered) == {200}, answered  # every accepted request was answered, and well
    assert all(r == "not accepted" for r in refused), refused  # no response cut short
