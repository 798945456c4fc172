"""A real server (embedded Redis, ONNX model, catalog.json) and Debian's Chromium for the demo page tests."""

import os
import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.server_process import ServeProcess, ServerNotReady

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "e2e"
READY_TIMEOUT_S = 60.0
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def served(tmp_path: Path, namespace: str, **env: str | None) -> Iterator[str]:
    """`recommender serve` on a free port with its own embedded Redis (data in `tmp_path`) and key namespace,
    the environment changed by `env` (None removes a variable); yields the base URL."""
    changed = {**os.environ, "PYTHONUNBUFFERED": "1"}
    changed.pop("REDIS_URL", None)  # always the embedded Redis: the test owns its data
    for name, value in env.items():
        if value is None:
            changed.pop(name, None)
        else:
            changed[name] = value
    server = ServeProcess(
        tmp_path / "redis",
        "--index-name",
        f"{namespace}:idx",
        "--key-prefix",
        f"{namespace}:product:",
        log=tmp_path / "server.log",
        env=changed,
        ready_timeout=READY_TIMEOUT_S,
    )
    try:
        try:
            server.wait_ready()
        except ServerNotReady as exc:
            pytest.fail(str(exc))
        yield server.base_url
    finally:
        server.stop(signal.SIGTERM, timeout=20)


# The demo page modules share one server: every start loads the model.
@pytest.fixture(scope="package")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo's server: loopback without an admin token, so the page may reset and re-embed."""
    tmp_path = tmp_path_factory.mktemp("e2e-server")
    try:
        with served(tmp_path, "e2e", RECOMMENDER_ADMIN_TOKEN=None) as base_url:
            yield base_url
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / "server.log", ARTIFACTS / "server.log")  # for reading a failed run


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright; never a downloaded browser."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed (apt-get install chromium; `make test` installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
