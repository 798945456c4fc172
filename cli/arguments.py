"""Argument types and command lines the commands share."""

import argparse
import shlex
from collections.abc import Sequence


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
