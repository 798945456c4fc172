"""Running the app under uvicorn: one process, or N worker processes around one shared Redis.

With `--workers N`, a WorkerPool (gql.workers) starts each worker from an import string, so the settings
travel to the workers in an environment variable. The parent owns the store: it starts the embedded Redis (when no
URL is given) and prepares the index once, before any worker runs; the workers only connect
(`reset=False`, an explicit URL), so none of them starts a Redis or reseeds behind another's back.
"""

import argparse
import asyncio
import json
import os
import types
import typing
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adapters.embedder import SPIN_MODES
from adapters.redis.embedded import EmbeddedRedis
from gql.bootstrap import Settings, onnx_threads, open_runtime
from gql.workers import WorkerPool

if TYPE_CHECKING:
    from starlette.applications import Starlette

SETTINGS_ENV = "RECOMMENDER_SETTINGS"
WORKER_FACTORY = "gql.serving:create_app_from_env"


def encode_settings(settings: Settings) -> str:
    return json.dumps({k: str(v) if isinstance(v, Path) else v for k, v in asdict(settings).items()})


def _is_path(hint: Any) -> bool:
    return hint is Path or (
        typing.get_origin(hint) in (typing.Union, types.UnionType) and Path in typing.get_args(hint)
    )


def decode_settings(text: str) -> Settings:
    raw = json.loads(text)
    hints = typing.get_type_hints(Settings)
    values: dict[str, Any] = {
        f.name: Path(raw[f.name]) if raw[f.name] is not None and _is_path(hints[f.name]) else raw[f.name]
        for f in fields(Settings)
        if f.name in raw
    }
    return Settings(**values)


def create_app_from_env() -> "Starlette":
    """uvicorn's app factory in each worker process."""
    from gql.app import create_app

    return create_app(decode_settings(os.environ[SETTINGS_ENV]))


def run(settings: Settings, log_level: str = "info") -> None:
    import uvicorn

    if settings.workers <= 1:
        from gql.app import create_app

        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_level=log_level,
            access_log=settings.access_log,
        )
        return
    embedded = None
    if settings.redis_url is None:
        embedded = EmbeddedRedis(settings.data_dir, settings.redis_port).start()
    try:
        url = embedded.url if embedded is not None else settings.redis_url
        shared = replace(settings, redis_url=url, onnx_threads=onnx_threads(settings))
        asyncio.run(_prepare_store(shared))
        os.environ[SETTINGS_ENV] = encode_settings(replace(shared, reset=False))
        pool = WorkerPool(
            WORKER_FACTORY, settings.host, settings.port, settings.workers, log_level, settings.access_log
        )
        status = pool.run()
    finally:
        if embedded is not None:
            embedded.stop()
    if status:
        raise SystemExit(status)


async def _prepare_store(settings: Settings) -> None:
    # The ordinary start-up path (reset and seed, or ensure the index), run once in the parent.
    async with open_runtime(settings):
        pass


def add_performance_options(parser: argparse.ArgumentParser) -> None:
    defaults = Settings()
    group = parser.add_argument_group("query path")
    group.add_argument("--workers", type=int, default=defaults.workers, help="uvicorn worker processes")
    group.add_argument(
        "--onnx-threads", type=int, default=None, help="ONNX threads per worker (default: cores/workers)"
    )
    group.add_argument(
        "--onnx-spin",
        choices=SPIN_MODES,
        default=defaults.onnx_spin,
        help="ONNX pool threads busy-wait within a call (run), also between calls (always), or never (off)",
    )
    # The older switch: --onnx-spinning meant `always`, --no-onnx-spinning `off`.
    for flag, mode in (("--onnx-spinning", "always"), ("--no-onnx-spinning", "off")):
        group.add_argument(flag, dest="onnx_spin", action="store_const", const=mode, help=argparse.SUPPRESS)
    group.add_argument(
        "--embed-batch-max", type=int, default=defaults.embed_batch_max, help="texts per model call; 1 = no batching"
    )
    group.add_argument("--embed-batch-window-ms", type=float, default=defaults.embed_batch_window_ms)
    group.add_argument(
        "--embed-cache-size", type=int, default=defaults.embed_cache_size, help="query-vector LRU entries; 0 = off"
    )
    group.add_argument(
        "--embed-cache-redis",
        action=argparse.BooleanOptionalAction,
        default=defaults.embed_cache_redis,
        help="share query vectors between workers in Redis (emb:<model>:<sha256> keys)",
    )
    group.add_argument("--embed-cache-ttl", type=int, default=defaults.embed_cache_ttl_s, help="seconds")
    group.add_argument(
        "--access-log", action=argparse.BooleanOptionalAction, default=defaults.access_log, help="log every request"
    )


def performance_settings(args: argparse.Namespace) -> dict[str, object]:
    if args.workers < 1 or (args.onnx_threads is not None and args.onnx_threads < 1):
        raise SystemExit("--workers and --onnx-threads must be at least 1")
    return {
        "workers": args.workers,
        "onnx_threads": args.onnx_threads,
        "onnx_spin": args.onnx_spin,
        "embed_batch_max": args.embed_batch_max,
        "embed_batch_window_ms": args.embed_batch_window_ms,
        "embed_cache_size": args.embed_cache_size,
        "embed_cache_redis": args.embed_cache_redis,
        "embed_cache_ttl_s": args.embed_cache_ttl,
        "access_log": args.access_log,
    }
