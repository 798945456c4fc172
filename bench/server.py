"""The server under `make bench`: its configurations, how one is started and prepared, and the HTTP
calls the harness makes to it outside the measured load."""

import http.client
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import client, queries
from tests.server_process import ServeProcess, ServerNotReady


@dataclass(frozen=True)
class ServerConfig:
    workers: int
    onnx_threads: int

    @property
    def name(self) -> str:
        return f"{self.workers}w x {self.onnx_threads}t"

    @classmethod
    def parse(cls, text: str) -> "ServerConfig":
        workers, _, threads = text.partition("x")
        return cls(int(workers), int(threads))


# `--secured`: end-user tokens and rate limits on, every request with the bench user's token; the
# limits are far above what 2 cores serve, so they are checked on every request and never hit.
SECRET = "bench-secret-not-for-production-0123456789"
SECURED_ARGS = ["--jwt-secret", SECRET, "--rate-limit", "recommendations=1000000/second"]
SECURED_ARGS += ["--rate-limit", "events=1000000/second"]
HEADERS: dict[str, str] = {}


def secure() -> None:
    import jwt  # PyJWT, a dependency of the server

    claims = {"sub": queries.USER_ID, "exp": int(time.time()) + 24 * 3600}
    HEADERS["Authorization"] = "Bearer " + jwt.encode(claims, SECRET, algorithm="HS256")


def http_json(port: int, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        payload = None if body is None else json.dumps(body).encode()
        conn.request(method, path, body=payload, headers={"Content-Type": "application/json", **HEADERS})
        response = conn.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw.startswith((b"{", b"[")) else raw.decode()
    finally:
        conn.close()


def start_server(config: ServerConfig, workdir: Path, extra: list[str], *, log_dir: Path) -> ServeProcess:
    log = log_dir / f"server-{config.workers}w{config.onnx_threads}t.log"
    args = ["--workers", str(config.workers), "--onnx-threads", str(config.onnx_threads), "--no-access-log", *extra]
    server = ServeProcess(workdir / "redis", *args, log=log, ready_timeout=180.0)
    try:
        server.wait_ready()
        # /readyz answered from one worker; every worker must be serving before anything is measured.
        if len(server_metrics(server.port, config.workers)) < config.workers:
            raise ServerNotReady(f"fewer than {config.workers} workers answered /metrics")
        return server
    except ServerNotReady as exc:
        server.stop()
        raise client.BenchError(str(exc)) from exc


def graphql(port: int, document: str, variables: dict[str, Any]) -> dict[str, Any]:
    status, body = http_json(port, "POST", "/graphql", {"query": document, "variables": variables})
    if status != 200 or body.get("errors"):
        raise client.BenchError(f"setup request failed: HTTP {status} {body}")
    return body["data"]  # type: ignore[no-any-return]


def prepare_user(port: int) -> None:
    for product in queries.CLICKED:
        graphql(port, queries.CLICK, {"user": queries.USER_ID, "product": product})
    variables = {"q": "boots", "user": queries.USER_ID, "category": queries.CATEGORY, "k": queries.K}
    found = graphql(port, queries.DOCUMENT, variables)["recommendations"]
    if not (found["usedSession"] and found["usedRerank"] and found["items"]):
        raise client.BenchError(f"session/rerank not applied for the bench user: {found}")


def server_metrics(port: int, workers: int) -> list[Any]:
    """GET /metrics.json from every worker (each new connection may land on another one); [] without the route."""
    seen: dict[Any, Any] = {}
    for _ in range(16 * workers):
        status, body = http_json(port, "GET", "/metrics.json")
        if status != 200 or not isinstance(body, dict):
            return []
        seen[body.get("pid")] = body
        if len(seen) >= workers:
            break
    return list(seen.values())
