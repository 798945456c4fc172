import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

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
