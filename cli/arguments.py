"""Argument types, files and command lines the commands share."""

import argparse
import shlex
from collections.abc import Sequence
from pathlib import Path

from adapters.catalog_stream import fingerprint
from domain.errors import CatalogError


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def resume_command(command_line: Sequence[str]) -> str:
    """The command that continues an interrupted run: the one given, every option kept, with `--resume`.

    Only the options given on the command line are repeated; settings from the environment stay where
    they are, so the hint works in the same shell."""
    words = [*command_line, *([] if "--resume" in command_line else ["--resume"])]
    return shlex.join(["recommender", *words])


def file_source(path: Path) -> str:
    """The fingerprint a resumable run checks its file by; a path that is no readable file is refused by name."""
    try:
        if path.exists() and not (path.is_file() or path.is_dir()):  # a folder gets the system's own words
            # A pipe or a device: the fingerprint would read the stream the run then finds empty.
            raise CatalogError(f"{path}: not a regular file")
        return fingerprint(path)
    except FileNotFoundError:
        raise CatalogError(f"{path}: no such file") from None
    except OSError as exc:  # a folder, a file it may not read
        raise CatalogError(f"{path}: {exc.strerror}") from None
