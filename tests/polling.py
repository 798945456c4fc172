"""Wait by polling a condition, never by a fixed sleep."""

import time
from collections.abc import Callable

import httpx


def wait_until(condition: Callable[[], bool], timeout: float = 30.0, interval: float = 0.05) -> bool:
    """True as soon as `condition()` holds; False after `timeout`. Connection errors count as "not yet"."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except httpx.HTTPError:
            pass
        time.sleep(interval)
    return False
