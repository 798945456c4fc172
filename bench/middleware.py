"""Cost per request of each ASGI middleware in front of the app, in process, around an app that answers at once:
    python -m bench.middleware [--requests 50000] [--rounds 3]

The host check runs only without an admin token (serving.app.allowed_hosts); the headers run on every response.
"""

import argparse
import asyncio
import time
from typing import Any

from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message

from bootstrap.settings import Settings
from serving.app import allowed_hosts
from serving.http_guard import HttpGuard
from serving.security_headers import on_every_response

SCOPE = {
    "type": "http",
    "method": "POST",
    "path": "/graphql",
    "query_string": b"",
    "headers": [(b"host", b"127.0.0.1:8084"), (b"content-type", b"application/json"), (b"content-length", b"2")],
}


async def answer(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b"{}"})


async def receive() -> Message:
    return {"type": "http.request", "body": b"{}", "more_body": False}


async def discard(message: Message) -> None:
    return None


async def per_request_us(app: ASGIApp, requests: int) -> float:
    start = time.perf_counter()
    for _ in range(requests):
        await app(dict(SCOPE), receive, discard)
    return (time.perf_counter() - start) / requests * 1e6


async def run(requests: int, rounds: int) -> None:
    headers = on_every_response()
    layers: dict[str, ASGIApp] = {
        "host check (no admin token)": TrustedHostMiddleware(answer, allowed_hosts=allowed_hosts(Settings()) or ["*"]),
        "security headers": headers.cls(answer, *headers.args, **headers.kwargs),
        "request ids and body cap": HttpGuard(answer, max_body_bytes=Settings().max_body_bytes),
    }
    for number in range(1, rounds + 1):
        bare = await per_request_us(answer, requests)
        costs = [f"{name} +{await per_request_us(app, requests) - bare:.1f}" for name, app in layers.items()]
        print(f"round {number}: bare app {bare:.1f} µs per request; " + ", ".join(costs) + " µs")


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.middleware", description=__doc__)
    p.add_argument("--requests", type=int, default=50_000)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    asyncio.run(run(args.requests, args.rounds))


if __name__ == "__main__":
    main()
