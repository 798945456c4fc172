"""`recommender serve --workers 2`: one embedded Redis started by the parent, two workers serving."""

import http.client
import json
import os
import re
import signal
import socket
from collections import Counter
from pathlib import Path

from tests.polling import wait_until
from tests.server_process import ServeProcess, process_age_s

GRACE_S = 1.0  # RECOMMENDER_WORKER_STARTUP_GRACE_S for the restart test: a worker older than this is restarted

QUERY = '{ recommendations(query: "warm boots", filters: {category: "footwear"}, k: 3) { items { product { id } } } }'


def get(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, dict]:  # type: ignore[type-arg]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_two_workers_share_one_embedded_redis(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    env = {**os.environ, "REDIS_URL": ""}  # no URL: the parent starts the embedded Redis
    with ServeProcess(tmp_path / "redis", "--workers", "2", "--no-access-log", log=log, env=env) as server:
        for _ in range(6):  # fresh connections: the workers take turns accepting them
            status, body = get(server.port, "POST", "/graphql", json.dumps({"query": QUERY}).encode())
            assert status == 200 and len(body["data"]["recommendations"]["items"]) == 3, body
        redis_ports = redis_ports_under(server.pid)
        assert len(redis_ports) == 1  # one Redis for the whole server, not one per worker
        # 16 keep-alive connections opened at once are dealt in turn: 8 to each worker.
        assert sorted(Counter(pids_behind(server.port, connections=16)).values()) == [8, 8]
    output = log.read_text()
    assert server.process.returncode == 0, output
    assert output.count("Application startup complete") == 2
    assert not any(listening(p) for p in redis_ports)  # the parent stopped its Redis on the way out


def test_a_worker_that_dies_is_replaced(tmp_path: Path) -> None:
    env = {**os.environ, "RECOMMENDER_WORKER_STARTUP_GRACE_S": str(GRACE_S)}
    with ServeProcess(
        tmp_path / "redis", "--workers", "2", "--no-access-log", log=tmp_path / "serve.log", env=env
    ) as server:
        before = set(pids_behind(server.port, connections=4))
        assert len(before) == 2
        # Past start-up: a worker killed sooner would count as broken, and the server would stop.
        assert wait_until(lambda: min(map(process_age_s, before)) > GRACE_S + 0.2)
        victim = before.pop()  # `before` keeps the survivor
        os.kill(victim, signal.SIGKILL)
        now: set[int] = set()

        def replaced() -> bool:
            nonlocal now
            now = set(pids_behind(server.port, connections=4))  # every request is answered meanwhile
            return len(now) == 2 and victim not in now

        assert wait_until(replaced, timeout=60, interval=0.5)
        assert before <= now and victim not in now and len(now) == 2, now  # the survivor and a new worker


def pids_behind(port: int, connections: int) -> list[int]:
    """Open `connections` keep-alive connections at once, then ask each which worker process serves it.

    With one listening socket shared by the workers, the first to wake accepts them all.
    """
    opened = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(connections)]
    try:
        for conn in opened:
            conn.connect()
        pids = []
        for conn in opened:
            conn.request("GET", "/metrics.json")
            pids.append(json.loads(conn.getresponse().read())["pid"])
        return pids
    finally:
        for conn in opened:
            conn.close()


def redis_ports_under(root: int) -> list[int]:
    """Ports of the redis-server processes anywhere under `root` (read from /proc)."""
    parents, titles = {}, {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            # Redis rewrites its process title to "redis-server 127.0.0.1:PORT".
            titles[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue
        parents[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])

    def under(pid: int) -> bool:
        while pid > 1:
            if pid == root:
                return True
            pid = parents.get(pid, 0)
        return False

    found = (re.search(r"redis-server \S*:(\d+)", title) for pid, title in titles.items() if under(pid))
    return [int(match.group(1)) for match in found if match]
