"""`recommender serve --workers 2`: one embedded Redis started by the parent, two workers serving."""

import http.client
import json
import os
import re
import socket
from pathlib import Path

from bench.serve_process import ServeProcess

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
        assert len(pids_behind(server.port, connections=16)) == 2  # keep-alive connections reach both workers
    output = log.read_text()
    assert server.process.returncode == 0, output
    assert output.count("Application startup complete") == 2
    assert not any(listening(p) for p in redis_ports)  # the parent stopped its Redis on the way out


def pids_behind(port: int, connections: int) -> set[int]:
    """Open `connections` keep-alive connections at once, then ask each which worker process serves it.

    With one shared listening socket the first worker to wake accepts them all; with a socket per
    worker (SO_REUSEPORT) the kernel spreads them, and 16 all on one of two workers is a 1-in-32768 event.
    """
    opened = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(connections)]
    try:
        for conn in opened:
            conn.connect()
        pids = set()
        for conn in opened:
            conn.request("GET", "/metrics")
            pids.add(json.loads(conn.getresponse().read())["pid"])
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
