"""Past-event files for the `import-events` tests: users interleaved, every kind, a few unknown products."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from domain.events import EventKind
from tests.clock import START

UNKNOWN = "not-in-the-catalog"


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


def event_lines(users: int = 12, per_user: int = 15) -> list[dict[str, Any]]:
    """Users interleaved, every kind, a few unknown products, some events without a time (the import's start)."""
    kinds, lines = list(EventKind), []
    for n in range(per_user):
        for u in range(users):
            i = n * users + u
            line: dict[str, Any] = {"user": f"u{u}", "product": f"p{(i * 7) % 40 + 1:03d}", "kind": kinds[i % 5].value}
            if i % 23 == 5:
                line["product"] = UNKNOWN
            if i % 9 != 4:  # times ascend per user, ten days before the clock's now, over two days
                line["at"] = _iso(START - 10 * 86400 + n * 9000 + u * 60)
            lines.append(line)
    # the events without a time happen at the import's start, so they come last for each user
    return sorted(lines, key=lambda line: "at" not in line)


def write_events(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path
