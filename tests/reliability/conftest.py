import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette

from adapters.redis.embedded import free_port
from tests.polling import wait_until


@contextmanager
def live_server(app: Starlette) -> Iterator[str]:
    """Serve `app` with uvicorn on a free loopback port in a background thread; yields the base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    assert wait_until(lambda: httpx.get(f"{base}/healthz").status_code == 200), "server did not start"
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@contextmanager
def in_background(load: Callable[[threading.Event], Coroutine[Any, Any, None]]) -> Iterator[None]:
    """Run `load(stop)` on its own event loop in a thread for the duration of the block.

    Servers must be killed and started from the test's own thread: the embedded Redis gets SIGTERM when
    the thread that started it ends (PR_SET_PDEATHSIG), and an executor's threads end with their loop.
    """
    stop = threading.Event()
    thread = threading.Thread(target=asyncio.run, args=(load(stop),), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)
