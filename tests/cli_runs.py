"""`recommender` as a child process, as a user runs it: what the command tests assert on (exit status, output)."""

import os
import subprocess
import sys
from collections.abc import Mapping

from tests.conftest import ROOT


def recommender(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run `recommender ARGS` (this checkout's code) to its end; `env` adds to the environment."""
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
