"""`recommender serve` as a child process on a free port: what the end-to-end, worker and crash tests
need, and what `make bench` and `make loadtest` import from here. It waits for /readyz by polling and
stops with a signal."""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from adapters.redis.embedded import free_port

ROOT = Path(__file__).resolve().parent.parent


def process_age_s(pid: int) -> float:
    """Seconds since `pid` started, from /proc (Linux): lets a test wait for an age instead of sleeping."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    started = int(stat[stat.rindex(")") + 2 :].split()[19]) / os.sysconf("SC_CLK_TCK")  # field 22, starttime
    return float(Path("/proc/uptime").read_text().split()[0]) - started


class ServerNotReady(RuntimeError):
    pass


def is_ready(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/readyz", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


class ServeProcess:
    """`with ServeProcess(data_dir, "--no-reset") as server: server.base_url` — ready on entry, stopped on exit.

    The server's output goes to `log` (or is discarded); `env` replaces the environment when given.
    """

    def __init__(
        self,
        data_dir: Path,
        *args: str,
        log: Path | None = None,
        env: Mapping[str, str] | None = None,
        ready_timeout: float = 120.0,
    ) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.ready_timeout = ready_timeout
        self.command: Sequence[str] = [
            sys.executable,
            "-m",
            "cli.main",
            "serve",
            "--port",
            str(self.port),
            "--data-dir",
            str(data_dir),
            *args,
        ]
        output = subprocess.DEVNULL if log is None else log.open("wb")
        try:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, env=None if env is None else dict(env)
            )
        finally:
            if log is not None:
                output.close()  # type: ignore[union-attr]

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self) -> "ServeProcess":
        deadline = time.monotonic() + self.ready_timeout
        while not is_ready(self.base_url):
            if self.process.poll() is not None:
                raise ServerNotReady(f"server exited with {self.process.returncode}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise ServerNotReady(f"server not ready after {self.ready_timeout:.0f}s:\n{self.log_tail()}")
            time.sleep(0.1)  # poll interval
        return self

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30.0) -> None:
        """SIGINT is Ctrl-C: uvicorn stops its workers, then serve stops its embedded Redis."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        if self.log is None:
            return "(output discarded)"
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def __enter__(self) -> "ServeProcess":
        try:
            return self.wait_ready()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
