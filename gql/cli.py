"""`recommender` command line: serve, build-catalog, load, generate, prepare-model."""

import argparse
import ipaddress
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from adapters.embedder import default_model_dir
from domain.errors import CatalogError, StoreUnavailable
from gql.bootstrap import Settings
from gql.bulk import add_generate_options, add_index_options, add_load_options, index_settings
from gql.serving import add_performance_options

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


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def serve(args: argparse.Namespace) -> int:
    from gql.serving import performance_settings, run

    settings = _settings(
        args,
        host=args.host,
        port=args.port,
        catalog=args.catalog,
        reset=args.reset,
        graphiql=args.graphiql,
        introspection=args.introspection,
        **performance_settings(args),
        **index_settings(args),
    )
    if settings.admin_token is None and not is_loopback(settings.host):
        print(
            f"refusing to bind {settings.host}: admin operations would be open to the network. "
            "Set RECOMMENDER_ADMIN_TOKEN, or bind 127.0.0.1.",
            file=sys.stderr,
        )
        return 2
    base = f"http://{settings.host}:{settings.port}"
    print(f"GraphiQL on {base}/graphql  demo page on {base}/  (Ctrl-C stops)", flush=True)
    run(settings)
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
    from gql import bulk

    return bulk.load(args, _settings(args, reset=False, **index_settings(args)))


def generate(args: argparse.Namespace) -> int:
    from gql import bulk

    return bulk.generate(args)


def prepare_model(args: argparse.Namespace) -> int:
    try:
        from adapters.model_export import export_info, export_model, is_exported
    except ImportError:
        print("prepare-model needs the export extra: pip install 'redis-recommender[export]'", file=sys.stderr)
        return 2
    out = args.out or default_model_dir()
    if is_exported(out) and not args.force:
        print(f"model already exported in {out}")
        return 0
    start = time.perf_counter()
    export_model(out, force=args.force)
    fused = ", ".join(f"{n} {op}" for op, n in export_info(out).get("fused_operators", {}).items()) or "none"
    print(f"exported ONNX model to {out} in {time.perf_counter() - start:.1f}s (fused operators: {fused})")
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
    p.add_argument("--graphiql", action=argparse.BooleanOptionalAction, default=True, help="serve GraphiQL")
    p.add_argument(
        "--introspection", action=argparse.BooleanOptionalAction, default=True, help="allow schema introspection"
    )
    _add_store_options(p)
    add_performance_options(p)
    add_index_options(p)
    p.set_defaults(run=serve)

    p = commands.add_parser("build-catalog", help="embed the catalog's products and write the file")
    p.add_argument("--out", type=Path, default=Path("catalog.json"))
    p.add_argument("--source", type=Path, default=None, help="read products from here (default: --out)")
    p.add_argument("--model-dir", type=Path, default=None)
    p.set_defaults(run=build_catalog)

    p = commands.add_parser("load", help="ingest a catalog (.json or .jsonl) into the configured Redis index")
    p.add_argument("path", type=Path)
    add_load_options(p)
    _add_store_options(p)
    add_index_options(p)
    p.set_defaults(run=load)

    p = commands.add_parser("generate", help="write a synthetic catalog of any size as JSON Lines")
    add_generate_options(p)
    p.set_defaults(run=generate)

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
    except StoreUnavailable as exc:
        print(f"store unavailable: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
