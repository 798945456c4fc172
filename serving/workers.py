"""`serve --workers N`: one listening socket in the pool, accepted connections dealt to N uvicorn workers.

Why not uvicorn's own `--workers`: there every worker accepts from one shared socket, and the worker
that wakes first accepts every connection waiting in the queue. A few long-lived keep-alive
connections (a frontend's connection pool, a load balancer, a benchmark) then all land on one worker
while the others idle. A socket per worker (SO_REUSEPORT) spreads them by a hash of the client's
address, which is random: 8 connections over 2 workers split 6/2 or worse a third of the time.

So the pool accepts, and hands each connection to the next live worker in turn (round robin, as
Node's cluster module does) over a Unix socket (SCM_RIGHTS). Only the accept goes through the pool:
the worker owns the connection from then on, so requests never pay an extra hop. A connection dealt
to a worker that is still starting waits in its channel until the worker serves it.

The pool restarts a worker that dies after it was up (on the same channel, so connections queued
for it are not lost), stops everything when a worker cannot even start, and on SIGINT or SIGTERM
stops accepting and asks every worker to finish its requests and exit.
"""

import asyncio
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import uvicorn

from adapters.child_process import terminate_with_parent
from serving.lifecycle import DrainingServer

log = logging.getLogger("recommender.workers")

STOP_TIMEOUT_S = 30.0
BACKLOG = 2048


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


def _die_with_parent() -> None:
    # Workers run in their own process group (so a terminal's Ctrl-C reaches only the pool, which
    # then stops each worker once); this keeps them from outliving a pool that was killed outright.
    os.setpgid(0, 0)
    terminate_with_parent()


class HandedConnectionsServer(DrainingServer):
    """A uvicorn server without a listening socket: its connections arrive accepted, over `channel`."""

    def __init__(self, config: uvicorn.Config, channel: socket.socket) -> None:
        super().__init__(config)
        self.channel = channel
        self._handovers: set[asyncio.Task[Any]] = set()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])  # lifespan (model, Redis) first; no listener of its own
        self.channel.setblocking(False)
        asyncio.get_running_loop().add_reader(self.channel.fileno(), self._take_connections)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        asyncio.get_running_loop().remove_reader(self.channel.fileno())
        await super().shutdown(sockets=sockets)

    def _protocol(self) -> asyncio.Protocol:
        # What uvicorn's own startup builds for each connection of its listening sockets.
        return self.config.http_protocol_class(  # type: ignore[call-arg]
            config=self.config, server_state=self.server_state, app_state=self.lifespan.state
        )

    def _take_connections(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                message, fds, _, _ = socket.recv_fds(self.channel, 1, 1)
            except BlockingIOError:
                return
            except OSError:
                message, fds = b"", []
            if not message and not fds:  # the pool is gone: finish what is running and exit
                loop.remove_reader(self.channel.fileno())
                self.should_exit = True
                return
            for fd in fds:
                connection = socket.socket(fileno=fd)
                task = loop.create_task(loop.connect_accepted_socket(self._protocol, connection))
                self._handovers.add(task)
                task.add_done_callback(self._handed_over)

    def _handed_over(self, task: "asyncio.Task[Any]") -> None:
        self._handovers.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("could not serve a handed-over connection: %s", task.exception())


def worker_main(app_factory: str, channel: socket.socket, log_level: str, access_log: bool, drain_s: float) -> None:
    """One worker process: uvicorn serving the connections the pool hands over `channel`."""
    _die_with_parent()
    config = uvicorn.Config(app_factory, factory=True, log_level=log_level, access_log=access_log)
    server = HandedConnectionsServer(config, channel)
    server.drain_s = drain_s
    server.run()


class WorkerPool:
    def __init__(
        self,
        app_factory: str,
        host: str,
        port: int,
        workers: int,
        log_level: str,
        access_log: bool,
        startup_grace_s: float,
        drain_s: float = 0.0,
    ) -> None:
        self.app_factory = app_factory
        self.startup_grace_s = startup_grace_s  # a worker that dies sooner is broken, not unlucky: no restart
        self.host = host
        self.port = port
        self.workers = workers
        self.log_level = log_level
        self.access_log = access_log
        self._context = multiprocessing.get_context("spawn")
        self._stop = threading.Event()
        self._processes: list[tuple[BaseProcess, float]] = []
        # (pool end, worker end) per slot: the worker end outlives a worker, for its replacement.
        self._channels = [socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET) for _ in range(workers)]
        for pool_end, _ in self._channels:
            pool_end.setblocking(False)  # a stuck worker must not stall the dealer
        self._turn = 0
        self.drain_s = drain_s
        self._signalled: set[int] = set()  # workers already sent SIGTERM (a second one would force their exit)

    def run(self) -> int:
        """Serve until SIGINT/SIGTERM; 0 on a clean stop, 1 when a worker could not start."""
        listener = listening_socket(self.host, self.port)  # fails here, with one message, if the port is taken
        self.port = listener.getsockname()[1]
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)
        failed = False
        try:
            self._processes = [self._spawn(i) for i in range(self.workers)]
            dealer = threading.Thread(target=self._deal, args=(listener,), name="connection-dealer", daemon=True)
            dealer.start()
            log.info("%d workers on http://%s:%d", self.workers, self.host, self.port)
            while not self._stop.wait(0.25):
                failed = self._replace_dead()
                if failed:
                    break
            self._stop.set()
            dealer.join()
            self._stop_all()
        finally:
            listener.close()
            for pool_end, worker_end in self._channels:
                pool_end.close()
                worker_end.close()
        return 1 if failed else 0

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if signum != signal.SIGTERM or self.drain_s <= 0 or self._signalled:
            self._stop.set()
            return
        # Drain: the workers answer /readyz with 503 at once, and connections are still dealt until they stop.
        self._signal_workers()
        timer = threading.Timer(self.drain_s, self._stop.set)
        timer.daemon = True
        timer.start()

    def _signal_workers(self) -> None:
        for process, _ in self._processes:
            if process.is_alive() and process.pid is not None and process.pid not in self._signalled:
                self._signalled.add(process.pid)
                os.kill(process.pid, signal.SIGTERM)  # uvicorn: finish in-flight requests, run shutdown

    def _spawn(self, slot: int) -> tuple[BaseProcess, float]:
        process = self._context.Process(
            target=worker_main,
            args=(self.app_factory, self._channels[slot][1], self.log_level, self.access_log, self.drain_s),
            name=f"recommender-worker-{slot}",
        )
        process.start()
        return process, time.monotonic()

    def _deal(self, listener: socket.socket) -> None:
        listener.settimeout(0.25)  # wakes up to notice a stop
        while not self._stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError as exc:  # e.g. out of file descriptors: keep accepting once it passes
                if not self._stop.is_set():
                    log.error("accept failed: %s", exc)
                    time.sleep(0.1)
                continue
            with connection:  # the worker holds its own duplicate once sent
                self._hand_over(connection)

    def _hand_over(self, connection: socket.socket) -> None:
        order = [(self._turn + k) % self.workers for k in range(self.workers)]
        self._turn = (self._turn + 1) % self.workers
        live = [slot for slot in order if self._processes[slot][0].is_alive()]
        # The next live worker in turn; with none alive (all restarting), its channel keeps it for later.
        for slot in live or order[:1]:
            try:
                socket.send_fds(self._channels[slot][0], [b"c"], [connection.fileno()])
                return
            except OSError as exc:  # that worker's channel is full or gone: try the next one
                log.warning("could not hand a connection to worker slot %d: %s", slot, exc)
        log.error("no worker could take a connection; it is closed")

    def _replace_dead(self) -> bool:
        for i, (process, started) in enumerate(self._processes):
            if process.is_alive() or self._stop.is_set() or process.pid in self._signalled:
                continue
            if time.monotonic() - started < self.startup_grace_s:
                log.error("worker %s exited with code %s while starting; stopping", process.pid, process.exitcode)
                return True
            log.warning("worker %s exited with code %s; starting another", process.pid, process.exitcode)
            self._processes[i] = self._spawn(i)
        return False

    def _stop_all(self) -> None:
        self._signal_workers()
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for process, _ in self._processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                log.warning("worker %s did not stop in %.0f s; killing it", process.pid, STOP_TIMEOUT_S)
                process.kill()
                process.join()
