"""Apollo Client itself (npm `@apollo/client` with its persisted-queries link) against the real server.

Apollo's link sends only the hash (over GET here), gets PersistedQueryNotFound, resends with the text
(POST), and from then on the hash alone is enough: the document is in Redis, shared by every worker.
"""

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from adapters.embedder import FastEmbedEmbedder
from adapters.redis.embedded import free_port
from bootstrap.settings import Settings
from serving.app import create_app
from tests.polling import wait_until

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def node_modules() -> Path:
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("npm/node not installed: the Apollo Client test needs Node 18+ (apt-get install nodejs npm)")
    if not (HERE / "node_modules" / "@apollo" / "client").is_dir():
        command = "ci" if (HERE / "package-lock.json").exists() else "install"
        subprocess.run(["npm", command, "--no-audit", "--no-fund"], cwd=HERE, check=True, timeout=300)
    return HERE / "node_modules"


@pytest.fixture
def graphql_url(settings: Settings, embedder: FastEmbedEmbedder) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(create_app(settings, embedder=embedder), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert wait_until(lambda: server.started, timeout=60)
    yield f"http://127.0.0.1:{port}/graphql"
    server.should_exit = True
    thread.join(10)


def test_apollo_persisted_queries_link(node_modules: Path, graphql_url: str) -> None:
    done = subprocess.run(
        ["node", "apq.mjs", graphql_url], cwd=HERE, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    first, second, trace = (json.loads(line) for line in done.stdout.splitlines())
    assert first["error"] is None and "footwear" in first["categories"], first
    assert second["categories"] == first["categories"]
    # hash only (not found) → hash and text (stored) → hash only (found), all answered 200.
    assert [(s["method"], s["hasQuery"], s["status"]) for s in trace["sent"]] == [
        ("GET", False, 200),
        ("POST", True, 200),
        ("GET", False, 200),
    ], trace
