"""`serve --workers N`: N uvicorn processes, each serving its own listening socket on the same port.

Why not uvicorn's own `--workers`: there every worker accepts from one shared socket, and the worker
that wakes first accepts every connection waiting in the queue. A few long-lived keep-alive
connections (a frontend's connection pool, a load balancer, a benchmark) then all land on one worker
while the others idle. With SO_REUSEPORT each worker has its own accept queue and the kernel spreads
new connections over them by a hash of the client's address and port.

The pool opens all the sockets before any worker starts and hands socket i to worker i (and to its
replacement): connections are spread over every queue from the first moment, even while a worker
is still loading the model, instead of all going to whichever worker listens first.

The pool restarts a worker that dies after it was up, stops everything when a worker cannot even
start, and on SIGINT or SIGTERM asks every worker to finish its requests and exit.
"""

import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from contextlib import suppress
from multiprocessing.process import BaseProcess
from types import FrameType

log = logging.getLogger("recommender.workers")

PR_SET_PDEATHSIG = 1
STARTUP_GRACE_S = 10.0  # a worker that dies sooner than this is broken, not unlucky: no restart
STOP_TIMEOUT_S = 30.0


def listening_sockets(host: str, port: int, count: int, backlog: int = 2048) -> list[socket.socket]:
    """`count` sockets listening on one port (SO_REUSEPORT); port 0 picks a free port for all of them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = sock.getsockname()[1]
            sock.listen(backlog)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _die_with_parent() -> None:
    # Workers run in their own process group (so a terminal's Ctrl-C reaches only the pool, which
    # then stops each worker once); this keeps them from outliving a pool that was killed outright.
    os.setpgid(0, 0)
    with suppress(OSError):  # not Linux: nothing to arrange
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def worker_main(app_factory: str, sock: socket.socket, log_level: str, access_log: bool) -> None:
    """One worker process: one uvicorn server on its own listening socket, the app from `app_factory`."""
    _die_with_parent()
    import uvicorn

    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(app_factory, factory=True, host=host, port=port, log_level=log_level, access_log=access_log)
    uvicorn.Server(config).run(sockets=[sock])


class WorkerPool:
    def __init__(self, app_factory: str, host: str, port: int, workers: int, log_level: str, access_log: bool) -> None:
        self.app_factory = app_factory
        self.host = host
        self.port = port
        self.workers = workers
        self.log_level = log_level
        self.access_log = access_log
        self._context = multiprocessing.get_context("spawn")
        self._stop = threading.Event()
        self._processes: list[tuple[BaseProcess, float]] = []
        self._sockets: list[socket.socket] = []

    def run(self) -> int:
        """Serve until SIGINT/SIGTERM; 0 on a clean stop, 1 when a worker could not start."""
        # Fails here, with one clear message, if the port is taken.
        self._sockets = listening_sockets(self.host, self.port, self.workers)
        self.port = self._sockets[0].getsockname()[1]
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)
        failed = False
        try:
            self._processes = [self._spawn(i) for i in range(self.workers)]
            log.info("%d workers on http://%s:%d (SO_REUSEPORT)", self.workers, self.host, self.port)
            while not self._stop.wait(0.25):
                failed = self._replace_dead()
                if failed:
                    break
            self._stop_all()
        finally:
            for sock in self._sockets:
                sock.close()
        return 1 if failed else 0

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stop.set()

    def _spawn(self, slot: int) -> tuple[BaseProcess, float]:
        process = self._context.Process(
            target=worker_main,
            args=(self.app_factory, self._sockets[slot], self.log_level, self.access_log),
            name=f"recommender-worker-{slot}",
        )
        process.start()
        return process, time.monotonic()

    def _replace_dead(self) -> bool:
        for i, (process, started) in enumerate(self._processes):
            if process.is_alive() or self._stop.is_set():
                continue
            if time.monotonic() - started < STARTUP_GRACE_S:
                log.error("worker %s exited with code %s while starting; stopping", process.pid, process.exitcode)
                return True
            log.warning("worker %s exited with code %s; starting another", process.pid, process.exitcode)
            self._processes[i] = self._spawn(i)
        return False

    def _stop_all(self) -> None:
        for process, _ in self._processes:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)  # uvicorn: finish in-flight requests, run shutdown
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for process, _ in self._processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                log.warning("worker %s did not stop in %.0f s; killing it", process.pid, STOP_TIMEOUT_S)
                process.kill()
                process.join()
