"""Past events as JSON Lines, one a line: `{"user": "u1", "product": "p001", "kind": "PURCHASE", "at": "..."}`.

`at` is optional ISO 8601 (a time without an offset is taken as UTC); an event without it happens at
the import's start. The whole file is read and checked before anything is written: the first bad line
raises EventFileError naming its number and field, so a bad file changes nothing. Blank lines are skipped;
other keys are ignored.
"""

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from adapters.json_text import InvalidJson, loads
from adapters.text_files import numbered_lines
from domain.errors import InvalidInput, RecommenderError
from domain.events import EventKind
from domain.times import epoch_seconds
from domain.validation import check_id

KINDS = {kind.value: kind for kind in EventKind}


class EventFileError(RecommenderError):
    def __init__(self, line: int, field: str, message: str) -> None:
        super().__init__(f"line {line}: field {field!r} {message}" if field else f"line {line}: {message}")
        self.line = line
        self.field = field


class PastEvent(NamedTuple):
    line: int  # 1-based line number in the file (the resume position)
    user: str
    product: str
    kind: EventKind
    at: float | None  # seconds since the epoch; None: the import's start


def _identifier(record: dict[str, Any], name: str, line: int) -> str:
    value = record.get(name)
    if not isinstance(value, str):
        raise EventFileError(line, name, "must be a string" if name in record else "is missing")
    try:
        return check_id(name, value)
    except InvalidInput as exc:
        raise EventFileError(line, name, exc.message) from None


def _kind(record: dict[str, Any], line: int) -> EventKind:
    value = record.get("kind")
    if not isinstance(value, str) or value not in KINDS:
        raise EventFileError(line, "kind", f"must be one of {', '.join(KINDS)}, got {value!r}")
    return KINDS[value]


def _time(record: dict[str, Any], line: int, now: float) -> float | None:
    value = record.get("at")
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise EventFileError(line, "at", f"must be an ISO 8601 time, got {value!r}")
    at = epoch_seconds(moment)
    if at > now:
        raise EventFileError(line, "at", f"must not be in the future, got {value!r}")
    if at < 0:  # a placeholder such as 0001-01-01 or 1900-01-01, not when a shopper did anything
        raise EventFileError(line, "at", f"must not be before 1970, got {value!r}")
    return at


def parse_event(text: str, line: int, now: float) -> PastEvent:
    try:
        record = loads(text)
    except InvalidJson as exc:
        raise EventFileError(line, "", f"not valid JSON ({exc.msg})") from None
    if not isinstance(record, dict):
        raise EventFileError(line, "", "must be a JSON object")
    user, product = _identifier(record, "user", line), _identifier(record, "product", line)
    return PastEvent(line, user, product, _kind(record, line), _time(record, line, now))


def _not_text(line: int, exc: UnicodeDecodeError) -> None:
    raise EventFileError(line, "", f"not UTF-8 text ({exc.reason})") from None


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open("rb") as lines:
        yield from numbered_lines(lines, _not_text)


def read_events(path: Path, now: float) -> list[PastEvent]:
    """Every event of the file, in file order; raises EventFileError on the first bad line."""
    return [parse_event(text, line, now) for line, text in _lines(path) if text.strip()]
