"""`recommender` command line: serve, build-catalog, load, prepare-model."""

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from adapters.embedder import default_model_dir
from domain.errors import CatalogError
from gql.bootstrap import Settings

log = logging.getLogger("recommender")


def _add_store_options(parser: argparse.ArgumentParser) -> None:
    defaults = Settings()
    parser.add_argument("--redis-url", help="Redis with the Search module (default: $REDIS_URL, else embedded)")
    parser.add_argument("--index-name", default=defaults.index_name)
    parser.add_argument("--key-prefix", default=defaults.key_prefix)
    parser.add_argument("--model-dir", type=Path, default=None, help="exported ONNX model folder")
    parser.add_argument("--data-dir", type=Path, default=defaults.data_dir, help="embedded Redis data folder")


def _settings(args: argparse.Namespace, **overrides: object) -> Settings:
    base = Settings()
    values: dict[str, object] = {
        "index_name": args.index_name,
        "key_prefix": args.key_prefix,
        "data_dir": args.data_dir,
        "model_dir": args.model_dir or base.model_dir,
    }
    if args.redis_url:
        values["redis_url"] = args.redis_url
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from gql.app import create_app

    settings = _settings(args, host=args.host, port=args.port, catalog=args.catalog, reset=args.reset)
    app = create_app(settings)
    print(f"GraphiQL on http://{settings.host}:{settings.port}/graphql  (Ctrl-C stops)", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
    return 0


def build_catalog(args: argparse.Namespace) -> int:
    from adapters.catalog_file import read_products, write_catalog
    from adapters.embedder import FastEmbedEmbedder

    source = args.source or args.out
    products = read_products(source)
    embedder = FastEmbedEmbedder(args.model_dir or default_model_dir())
    start = time.perf_counter()
    vectors = embedder.embed_sync([p.embedding_text for p in products])
    write_catalog(args.out, embedder.model_name, list(zip(products, vectors, strict=True)))
    print(f"embedded {len(products)} products in {time.perf_counter() - start:.2f}s -> {args.out}")
    return 0


def load(args: argparse.Namespace) -> int:
    from gql.bootstrap import open_runtime

    async def run() -> int:
        settings = _settings(args, catalog=args.path, reset=False)
        async with open_runtime(settings) as runtime:
            from adapters.catalog_file import JsonCatalog

            embedder = runtime.service.embedder
            items = JsonCatalog(args.path, embedder.model_name, embedder.dim).load()
            start = time.perf_counter()
            count = await runtime.index.upsert(items)
            seconds = time.perf_counter() - start
            print(f"loaded {count} products into {runtime.index.name} in {seconds:.2f}s ({count / seconds:.0f}/s)")
        return 0

    return asyncio.run(run())


def prepare_model(args: argparse.Namespace) -> int:
    try:
        from adapters.model_export import export_model, is_exported
    except ImportError:
        print("prepare-model needs the export extra: pip install 'redis-recommender[export]'", file=sys.stderr)
        return 2
    out = args.out or default_model_dir()
    if is_exported(out) and not args.force:
        print(f"model already exported in {out}")
        return 0
    start = time.perf_counter()
    export_model(out, force=args.force)
    print(f"exported ONNX model to {out} in {time.perf_counter() - start:.1f}s")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="recommender", description="Real-time recommendations on Redis.")
    commands = root.add_subparsers(dest="command", required=True)

    p = commands.add_parser("serve", help="serve the GraphQL API (GraphiQL at /graphql)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8084)
    p.add_argument("--catalog", type=Path, default=Path("catalog.json"))
    p.add_argument(
        "--reset",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="drop and reseed the index at start (default); --no-reset keeps what Redis holds",
    )
    _add_store_options(p)
    p.set_defaults(run=serve)

    p = commands.add_parser("build-catalog", help="embed the catalog's products and write the file")
    p.add_argument("--out", type=Path, default=Path("catalog.json"))
    p.add_argument("--source", type=Path, default=None, help="read products from here (default: --out)")
    p.add_argument("--model-dir", type=Path, default=None)
    p.set_defaults(run=build_catalog)

    p = commands.add_parser("load", help="ingest a catalog file into the configured Redis index")
    p.add_argument("path", type=Path)
    _add_store_options(p)
    p.set_defaults(run=load)

    p = commands.add_parser("prepare-model", help="export all-MiniLM-L6-v2 to ONNX (offline, cached)")
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--force", action="store_true", help="export again even if the folder is complete")
    p.set_defaults(run=prepare_model)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except CatalogError as exc:
        print(f"catalog error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
