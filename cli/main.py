"""`recommender` command line: serve, build-catalog, load, import-events, evaluate, generate, prepare-model.

Options that configure the service are derived from bootstrap/settings.py (cli/options.py); only the
commands' own arguments (paths, counts, switches of one run) are declared here.
"""

import argparse
import ipaddress
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bootstrap.setting_fields import BROWSER, EVENTS, INDEX, LOAD, QUERY_PATH, SERVER, SPEEDUPS, STORE
from cli.options import add_settings_options, settings_from
from domain.errors import CatalogError, StoreUnavailable

log = logging.getLogger("recommender")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def serve(args: argparse.Namespace) -> int:
    from serving.server import run

    settings = settings_from(args)
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
    embedder = FastEmbedEmbedder(settings_from(args).model_dir)
    start = time.perf_counter()
    vectors = embedder.embed_sync([p.embedding_text for p in products])
    write_catalog(args.out, embedder.model_name, list(zip(products, vectors, strict=True)))
    print(f"embedded {len(products)} products in {time.perf_counter() - start:.2f}s -> {args.out}")
    return 0


def load(args: argparse.Namespace) -> int:
    from cli import catalog_commands

    return catalog_commands.load(args, settings_from(args, reset=False))


def generate(args: argparse.Namespace) -> int:
    from cli import catalog_commands

    return catalog_commands.generate(args, settings_from(args))


def import_events(args: argparse.Namespace) -> int:
    from cli import event_commands

    return event_commands.import_events(args, settings_from(args, reset=False))


def evaluate(args: argparse.Namespace) -> int:
    from cli import evaluate_command

    return evaluate_command.evaluate(args, settings_from(args, reset=False))


def prepare_model(args: argparse.Namespace) -> int:
    try:
        from adapters.model_export import export_info, export_model, is_exported
    except ImportError:
        print("prepare-model needs the export extra: pip install 'redis-recommender[export]'", file=sys.stderr)
        return 2
    out = args.out or settings_from(args).model_dir
    if is_exported(out) and not args.force:
        print(f"model already exported in {out}")
        return 0
    start = time.perf_counter()
    export_model(out, force=args.force)
    fused = ", ".join(f"{n} {op}" for op, n in export_info(out).get("fused_operators", {}).items()) or "none"
    print(f"exported ONNX model to {out} in {time.perf_counter() - start:.1f}s (fused operators: {fused})")
    return 0


def parser() -> argparse.ArgumentParser:
    from cli.catalog_commands import add_generate_arguments, add_load_arguments
    from cli.evaluate_arguments import add_evaluate_arguments
    from cli.event_commands import add_import_arguments

    root = argparse.ArgumentParser(prog="recommender", description="Real-time recommendations on Redis.")
    commands = root.add_subparsers(dest="command", required=True)

    p = commands.add_parser("serve", help="serve the GraphQL API (GraphiQL at /graphql)")
    add_settings_options(p, SERVER, STORE, INDEX, QUERY_PATH, SPEEDUPS, EVENTS, BROWSER)
    # The older switch: --onnx-spinning meant `always`, --no-onnx-spinning `off`.
    for flag, mode in (("--onnx-spinning", "always"), ("--no-onnx-spinning", "off")):
        p.add_argument(flag, dest="onnx_spin", action="store_const", const=mode, help=argparse.SUPPRESS)
    p.set_defaults(run=serve)

    p = commands.add_parser("build-catalog", help="embed the catalog's products and write the file")
    p.add_argument("--out", type=Path, default=Path("catalog.json"))
    p.add_argument("--source", type=Path, default=None, help="read products from here (default: --out)")
    p.add_argument("--model-dir", type=Path, default=None, help="exported ONNX model folder")
    p.set_defaults(run=build_catalog)

    p = commands.add_parser("load", help="ingest a catalog (.json or .jsonl) into the configured Redis index")
    add_load_arguments(p)
    add_settings_options(p, STORE, INDEX, LOAD)
    p.set_defaults(run=load)

    p = commands.add_parser("import-events", help="apply past events (JSON Lines) as recordEvent would")
    add_import_arguments(p)
    add_settings_options(p, STORE, EVENTS)
    p.set_defaults(run=import_events)

    p = commands.add_parser("evaluate", help="next-item quality on a dataset folder (items.jsonl + sequences.txt)")
    add_evaluate_arguments(p)
    add_settings_options(p, STORE, INDEX, EVENTS)
    p.set_defaults(run=evaluate)

    p = commands.add_parser("generate", help="write a synthetic catalog of any size as JSON Lines")
    add_generate_arguments(p)
    p.set_defaults(run=generate)

    p = commands.add_parser("prepare-model", help="export all-MiniLM-L6-v2 to ONNX (offline, cached)")
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--force", action="store_true", help="export again even if the folder is complete")
    p.set_defaults(run=prepare_model)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    args.command_line = list(sys.argv[1:] if argv is None else argv)  # for the hint a resumable command prints
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
