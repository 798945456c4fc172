"""The scale commands: index options shared by `serve` and `load`, `load` (resumable, with progress)
and `generate` (synthetic catalogs). docs/scaling.md, "Loading large catalogs", describes them for users."""

import argparse
import asyncio
import functools
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from tqdm import tqdm

from adapters.bulk_load import Checkpoint, LoadCheckpoints, bulk_load
from adapters.catalog_stream import Header, JsonLinesCatalog, Record, is_jsonl, write_jsonl
from bootstrap.runtime import open_loader
from bootstrap.settings import Settings
from cli.arguments import file_source, positive, resume_command
from domain.errors import CatalogError
from domain.models import Product, Vector

T = TypeVar("T")


def add_load_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path)
    parser.add_argument("--resume", action="store_true", help="continue after the last committed batch")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _bar(label: str, total: int | None, quiet: bool, initial: int = 0) -> "tqdm[None]":
    return tqdm(desc=label, total=total, initial=initial, unit=" products", disable=quiet, file=sys.stderr)


@dataclass
class _LoadState:
    source: str
    position: int = 0
    loaded: int = 0


def _counted(items: Iterable[T], bar: "tqdm[None]") -> Iterator[T]:
    for item in items:
        bar.update()
        yield item


def _validate(catalog: JsonLinesCatalog, quiet: bool) -> int:
    """The whole file is checked before the first write, so a bad line leaves Redis untouched."""
    with _bar("validate", None, quiet) as bar:
        return sum(1 for _ in _counted(catalog.validate(), bar))


def _listed(items: list[tuple[Product, Vector]], after: int) -> Iterator[Record]:
    return (Record(n, p, v) for n, (p, v) in enumerate(items, start=1) if n > after)


def _source(path: Path, model: str, dim: int, quiet: bool) -> tuple[int, Callable[[int], Iterable[Record]]]:
    """How many products the file holds (all validated) and a way to read them after a position."""
    if is_jsonl(path):
        catalog = JsonLinesCatalog(path, model, dim)
        if catalog.header().random_vectors:
            print(f"note: {path} holds random vectors, not the model's embeddings", file=sys.stderr)
        return _validate(catalog, quiet), catalog.records
    from adapters.catalog_file import JsonCatalog

    items = JsonCatalog(path, model, dim).load()
    return len(items), functools.partial(_listed, items)


async def _resume_from(checkpoints: LoadCheckpoints, state: _LoadState, path: Path, index: str) -> bool:
    """Move `state` to the checkpoint; False when the file is already loaded in full."""
    previous = await checkpoints.read()
    if previous is None:
        print(f"no checkpoint for {index}: loading from the start", file=sys.stderr)
    elif previous.source != state.source:
        raise CatalogError(f"the checkpoint of {index} belongs to another file; run without --resume to load {path}")
    elif previous.complete:
        print(f"{path} is already loaded into {index} ({previous.loaded} products)")
        return False
    else:
        state.position, state.loaded = previous.position, previous.loaded
        print(f"resuming after position {state.position} ({state.loaded} products loaded)", file=sys.stderr)
    return True


async def _load(args: argparse.Namespace, settings: Settings, state: _LoadState) -> int:
    path: Path = args.path
    async with open_loader(settings) as loader:
        index, checkpoints = loader.index, loader.checkpoints
        if args.resume and not await _resume_from(checkpoints, state, path, index.name):
            return 0
        total, records = _source(path, loader.model_name, loader.dim, args.quiet)
        await index.ensure()  # only now: a refused file must not leave an empty index behind
        await checkpoints.save(Checkpoint(state.source, state.position, state.loaded))
        start = time.perf_counter()
        with _bar("load", total, args.quiet, initial=state.loaded) as bar:

            async def committed(position: int, count: int) -> None:
                state.position, state.loaded = position, state.loaded + count
                await checkpoints.save(Checkpoint(state.source, state.position, state.loaded))
                bar.update(count)

            written = await bulk_load(
                index, records(state.position), committed, settings.ingest_batch, settings.pipelines
            )
        await checkpoints.save(Checkpoint(state.source, state.position, state.loaded, complete=True))
        seconds = time.perf_counter() - start
        print(
            f"loaded {written} products into {index.name} in {seconds:.2f}s ({written / seconds:.0f}/s); "
            f"{state.loaded} of {total} from {path}"
        )
    return 0


def load(args: argparse.Namespace, settings: Settings) -> int:
    state = _LoadState(file_source(args.path))
    try:
        return asyncio.run(_load(args, settings, state))
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: {state.loaded} products committed (up to position {state.position}); "
            f"`{resume_command(args.command_line)}` continues from there",
            file=sys.stderr,
        )
        return 130


def add_generate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--count", type=positive, required=True, help="number of products")
    parser.add_argument("--out", type=Path, required=True, help="JSON Lines file to write (.jsonl)")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same catalog")
    parser.add_argument("--random-vectors", action="store_true", help="random unit vectors instead of the model")
    parser.add_argument("--embed-batch", type=positive, default=256, help="texts per model call")
    parser.add_argument("--model-dir", type=Path, default=None, help="exported ONNX model folder")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def generate(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.embedder import DIM, MODEL_NAME, FastEmbedEmbedder
    from adapters.synthetic_catalog import synthetic_catalog

    if not is_jsonl(args.out):
        print(f"--out must end in .jsonl or .ndjson: {args.out}", file=sys.stderr)
        return 2
    embed = None
    if not args.random_vectors:
        embed = FastEmbedEmbedder(settings.model_dir).embed_sync
    items = synthetic_catalog(args.count, args.seed, embed, DIM, args.embed_batch)
    start = time.perf_counter()
    with _bar("generate", args.count, args.quiet) as bar:
        written = write_jsonl(args.out, Header(MODEL_NAME, DIM, args.random_vectors), _counted(items, bar))
    seconds = max(time.perf_counter() - start, 1e-9)
    print(f"wrote {written} products to {args.out} in {seconds:.1f}s ({written / seconds:.0f}/s)")
    return 0
