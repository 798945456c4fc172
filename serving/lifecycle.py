"""Graceful shutdown: on SIGTERM the process first drains (/readyz 503, requests still served) for
`drain_s`, then stops accepting and exits once the requests in flight are answered.

The flag is per process, as signals are: a worker that got SIGTERM drains whatever app it serves.
"""

import logging
import signal
import threading
from types import FrameType

import uvicorn

log = logging.getLogger("recommender")

_draining = threading.Event()


def draining() -> bool:
    return _draining.is_set()


def start_draining() -> None:
    _draining.set()


class DrainingServer(uvicorn.Server):
    """uvicorn, except that the first SIGTERM drains for `drain_s` before uvicorn's own graceful stop
    (stop accepting, answer what is in flight, run the lifespan shutdown). SIGINT (Ctrl-C) stops at once."""

    drain_s = 0.0

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig == signal.SIGTERM and self.drain_s > 0 and not draining():
            start_draining()
            log.info("SIGTERM: draining for %.1f s (/readyz answers 503), then stopping", self.drain_s)
            timer = threading.Timer(self.drain_s, super().handle_exit, (sig, frame))
            timer.daemon = True
            timer.start()
            return
        super().handle_exit(sig, frame)
