"""Embedded Redis topologies from the same wheels: a primary with replicas, a Sentinel, a small cluster.

For the tests, the fault load run and local experiments (docs/scaling.md); production points
`--redis-url` / `--search-replica-url` / `--redis-sentinel` at servers it does not start.
"""

import functools
import time
from collections.abc import Callable
from pathlib import Path

import redis

from adapters.redis.embedded import EmbeddedRedis, EmbeddedRedisError, free_port, server_binary
from adapters.redis.replicas import in_sync

SLOTS = 16384
# A full sync starts at once instead of after the default 5 s pause meant to batch replicas together.
PRIMARY_ARGS = ("--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0")


def replica_args(primary_port: int) -> list[str]:
    return ["--replicaof", "127.0.0.1", str(primary_port), *PRIMARY_ARGS]  # ready to be promoted as it is


def primary(data_dir: Path, port: int | None = None) -> EmbeddedRedis:
    return EmbeddedRedis(data_dir, port, extra_args=PRIMARY_ARGS)


def replica(data_dir: Path, primary_port: int, port: int | None = None) -> EmbeddedRedis:
    return EmbeddedRedis(data_dir, port, extra_args=replica_args(primary_port))


def info(port: int, *sections: str) -> dict[str, str]:
    with redis.Redis(host="127.0.0.1", port=port, socket_timeout=2) as client:
        return {k: str(v) for section in sections for k, v in client.info(section).items()}


def poll(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except (redis.ConnectionError, redis.TimeoutError):
            pass
        time.sleep(0.05)
    raise EmbeddedRedisError(f"{what} not within {timeout:.0f}s")


def settled(port: int) -> bool:
    """In sync, and done writing the AOF that follows a full sync (SIGTERM is refused until then)."""
    state = info(port, "replication", "persistence")
    return in_sync(state) and state.get("aof_rewrite_in_progress") == "0" and state.get("aof_rewrite_scheduled") == "0"


def wait_in_sync(port: int, timeout: float = 30.0) -> None:
    poll(lambda: settled(port), timeout, f"replica on {port} in sync")


def cluster_nodes(base_dir: Path, count: int = 3) -> list[EmbeddedRedis]:
    """`count` primaries in cluster mode, slots split evenly, met and agreed (`cluster_state:ok`)."""
    nodes, buses = [], []
    for n in range(count):
        args = ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"]
        buses.append(free_port())  # the default bus port, port + 10000, may be past 65535
        args += ["--cluster-port", str(buses[-1])]
        nodes.append(EmbeddedRedis(base_dir / f"node{n}", extra_args=args))
    try:
        for node in nodes:
            node.start()
        for n, node in enumerate(nodes):
            with redis.Redis(host="127.0.0.1", port=node.port) as client:
                first, last = n * SLOTS // count, (n + 1) * SLOTS // count - 1
                client.execute_command("CLUSTER", "ADDSLOTSRANGE", first, last)
                if n:
                    client.execute_command("CLUSTER", "MEET", "127.0.0.1", nodes[0].port, buses[0])
        for node in nodes:
            poll(functools.partial(info_cluster_ok, node.port, count), 30.0, f"cluster node {node.port} ok")
    except BaseException:
        for node in nodes:
            node.stop()
        raise
    return nodes


def info_cluster_ok(port: int, count: int) -> bool:
    with redis.Redis(host="127.0.0.1", port=port, socket_timeout=2) as client:
        state = client.cluster("INFO")
    return bool(state.get("cluster_state") == "ok" and str(state.get("cluster_known_nodes")) == str(count))


class EmbeddedSentinel(EmbeddedRedis):
    """`redis-server --sentinel` watching one primary as `name`; quorum 1 (one Sentinel: tests only)."""

    def __init__(self, data_dir: Path, primary_port: int, name: str = "recommender", down_after_ms: int = 1000):
        super().__init__(data_dir, free_port())
        self.name = name
        self.primary_port = primary_port
        self.down_after_ms = down_after_ms

    def command(self) -> list[str]:
        config = self.data_dir.resolve() / "sentinel.conf"  # Sentinel rewrites it as the topology changes
        config.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndir {self.data_dir.resolve()}\n"
            f"sentinel monitor {self.name} 127.0.0.1 {self.primary_port} 1\n"
            f"sentinel down-after-milliseconds {self.name} {self.down_after_ms}\n"
            f"sentinel failover-timeout {self.name} 10000\n"
            f"logfile {(self.data_dir / 'redis.log').resolve()}\n"
        )
        return [str(server_binary()), str(config), "--sentinel"]
