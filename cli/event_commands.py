"""`recommender import-events PATH`: past events (JSON Lines) applied as live events are, resumable, with progress."""

import argparse
import asyncio
import sys
import time
from pathlib import Path

from tqdm import tqdm

from adapters.embedder import NoModel
from adapters.event_file import EventFileError, read_events
from adapters.event_import import DEFAULT_BATCH_SIZE, DEFAULT_CONCURRENCY, apply_events
from adapters.import_checkpoints import ImportCheckpoint, ImportCheckpoints
from bootstrap.runtime import open_runtime
from bootstrap.settings import Settings
from cli.arguments import file_source, positive, resume_command
from domain.errors import CatalogError
from domain.service import RecommenderService


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="JSON Lines: {user, product, kind, at (optional ISO 8601)}")
    parser.add_argument("--resume", action="store_true", help="continue after the last committed batch")
    parser.add_argument("--batch-size", type=positive, default=DEFAULT_BATCH_SIZE, help="lines per committed batch")
    parser.add_argument(
        "--concurrency", type=positive, default=DEFAULT_CONCURRENCY, help="users whose events apply at once"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


async def _previous(checkpoints: ImportCheckpoints, source: str, resume: bool) -> ImportCheckpoint | None:
    """None: start afresh; else the checkpoint of the run to continue."""
    if not resume:
        return None
    previous = await checkpoints.read()
    if previous is None:
        print("no import checkpoint: importing from the start", file=sys.stderr)
        return None
    if previous.source != source:
        raise CatalogError("the import checkpoint belongs to another file; run without --resume to import this one")
    if not previous.complete:
        print(f"resuming after line {previous.position} ({previous.applied} events applied)", file=sys.stderr)
    if not previous.complete and previous.counting:
        print(
            f"the run stopped while the counts of lines {previous.position + 1}-{previous.counting} were being sent: "
            "their events are applied, and some of their popularity and co-engagement counts may be missing",
            file=sys.stderr,
        )
    return previous


async def _import(args: argparse.Namespace, settings: Settings, source: str) -> int:
    now = time.time()
    try:
        events = read_events(args.path, now)  # the whole file is checked before anything is written
    except EventFileError as exc:
        print(f"{args.path}: {exc}; nothing was imported", file=sys.stderr)
        return 1

    async def ensure(service: RecommenderService) -> None:
        await service.index.ensure()

    # An import embeds nothing: the model would cost the start-up its load and be left unused.
    async with open_runtime(settings, embedder=NoModel(), prepare=ensure) as runtime:
        assert runtime.redis is not None
        checkpoints = ImportCheckpoints(runtime.redis, settings.user_prefix)
        fresh = ImportCheckpoint(source, now)
        previous = await _previous(checkpoints, source, args.resume)
        start = previous or fresh
        if start.complete:
            print(f"{args.path} is already imported ({start.applied} events)")
            return 0
        began = time.perf_counter()
        done = sum(1 for event in events if event.line <= start.position)
        with tqdm(
            desc="import", total=len(events), initial=done, unit=" events", disable=args.quiet, file=sys.stderr
        ) as bar:
            end = await apply_events(
                runtime.service,
                checkpoints,
                events,
                start,
                batch_size=args.batch_size,
                concurrency=args.concurrency,
                resumed=previous is not None,
                progress=bar.update,
            )
        seconds = max(time.perf_counter() - began, 1e-9)
        rate = (end.applied - start.applied) / seconds
        print(
            f"imported {end.applied} events from {args.path} in {seconds:.1f}s ({rate:.0f}/s); "
            f"{end.unknown} named a product not in the index and were skipped"
        )
    return 0


def import_events(args: argparse.Namespace, settings: Settings) -> int:
    source = file_source(args.path)
    try:
        return asyncio.run(_import(args, settings, source))
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: `{resume_command(args.command_line)}` continues after the last committed batch",
            file=sys.stderr,
        )
        return 130
