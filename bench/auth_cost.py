"""Extra cost per request of end-user token checks and rate limiting, in process (no network, no model).

Runs `{ categories }` through the whole ASGI stack on the in-memory adapters, with the rate-limit
counters in a real (embedded) Redis, and prints the time per request and its ratio to the plain stack:
    python -m bench.auth_cost [--requests 2000]
"""

import argparse
import tempfile
import time
from pathlib import Path

import jwt
from starlette.testclient import TestClient

from adapters.catalog_file import JsonCatalog
from adapters.embedder import DIM, MODEL_NAME
from adapters.memory import HashingEmbedder, InMemoryProductIndex, StaticCatalog
from adapters.memory_users import InMemoryUserFeatureStore
from adapters.redis.embedded import EmbeddedRedis
from bootstrap.settings import Settings
from serving.app import create_app

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-of-at-least-32-bytes!!"
BODY = {"query": "{ categories }"}


def per_request_us(settings: Settings, headers: dict[str, str], requests: int) -> float:
    items = JsonCatalog(ROOT / "catalog.json", MODEL_NAME, DIM).load()
    app = create_app(
        settings,
        embedder=HashingEmbedder(DIM),
        index=InMemoryProductIndex(),
        users=InMemoryUserFeatureStore(),
        catalog=StaticCatalog(items),
    )
    # Without an admin token the server answers loopback names only (serving.app.allowed_hosts).
    with TestClient(app, base_url="http://localhost") as http:
        for _ in range(200):  # warm up caches and connections
            http.post("/graphql", json=BODY, headers=headers)
        start = time.perf_counter()
        for _ in range(requests):
            assert http.post("/graphql", json=BODY, headers=headers).status_code == 200
        return (time.perf_counter() - start) / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    token = jwt.encode({"sub": "alice", "exp": int(time.time()) + 3600}, SECRET, algorithm="HS256")
    with tempfile.TemporaryDirectory() as data, EmbeddedRedis(Path(data)) as redis:
        limits = {"rate_limits": ("recommendations=1000000/second",), "rate_limit_redis_url": redis.url}
        rows = [
            ("plain", Settings(), {}),
            ("HS256 token", Settings(jwt_secret=SECRET), {"Authorization": f"Bearer {token}"}),
            ("rate limit (anonymous)", Settings(**limits), {}),  # type: ignore[arg-type]
            ("token + rate limit", Settings(jwt_secret=SECRET, **limits), {"Authorization": f"Bearer {token}"}),  # type: ignore[arg-type]
        ]
        baseline = None
        for name, settings, headers in rows:
            us = per_request_us(settings, headers, args.requests)
            baseline = baseline or us
            print(f"{name:24s} {us:8.1f} us/request  x{us / baseline:.2f}  (+{us - baseline:.1f} us)")


if __name__ == "__main__":
    main()
