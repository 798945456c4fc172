"""Running the app under uvicorn: one process, or N worker processes around one shared Redis.

With `--workers N`, a WorkerPool (serving/workers.py) starts each worker from an import string, so the
settings travel to the workers as JSON in an environment variable. The parent owns the store: it starts
the embedded Redis (when no URL is given) and prepares the index once, before any worker runs; the
workers only connect (`reset=False`, an explicit URL), so none of them starts a Redis or reseeds
behind another's back.
"""

import asyncio
import os
import secrets
import tempfile
from typing import TYPE_CHECKING

from bootstrap.runtime import open_runtime, redis_url
from bootstrap.settings import Settings
from serving.metrics import MULTIPROC_ENV
from serving.workers import WorkerPool

if TYPE_CHECKING:
    from starlette.applications import Starlette

SETTINGS_ENV = "RECOMMENDER_SETTINGS_JSON"
WORKER_FACTORY = "serving.server:create_app_from_env"


def create_app_from_env() -> "Starlette":
    """uvicorn's app factory in each worker process."""
    from serving.app import create_app

    return create_app(Settings.model_validate_json(os.environ[SETTINGS_ENV]))


def run(settings: Settings, log_level: str = "info") -> None:
    import uvicorn

    if settings.workers <= 1:
        from serving.app import create_app
        from serving.lifecycle import DrainingServer

        config = uvicorn.Config(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_level=log_level,
            access_log=settings.access_log,
        )
        server = DrainingServer(config)
        server.drain_s = settings.drain_s
        server.run()
        return
    with redis_url(settings) as url, tempfile.TemporaryDirectory(prefix="recommender-metrics-") as metrics_dir:
        os.environ[MULTIPROC_ENV] = metrics_dir  # before any worker starts: prometheus-client reads it at import
        # One cursor key for all workers: a page served by one continues on any other.
        secret = settings.cursor_secret or secrets.token_urlsafe(32)
        update = {"redis_url": url, "onnx_threads": settings.onnx_threads_per_worker(), "cursor_secret": secret}
        shared = settings.model_copy(update=update)
        asyncio.run(_prepare_store(shared))
        os.environ[SETTINGS_ENV] = shared.model_copy(update={"reset": False}).model_dump_json()
        pool = WorkerPool(
            WORKER_FACTORY,
            settings.host,
            settings.port,
            settings.workers,
            log_level,
            settings.access_log,
            settings.worker_startup_grace_s,
            settings.drain_s,
        )
        status = pool.run()
    if status:
        raise SystemExit(status)


async def _prepare_store(settings: Settings) -> None:
    # The ordinary start-up path (reset and seed, or ensure the index), run once in the parent.
    async with open_runtime(settings):
        pass
