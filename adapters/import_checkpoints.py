"""Where an event import stands, kept in Redis so that `import-events --resume` continues after a crash
(adapters.event_import says how a resume uses each field)."""

from dataclasses import dataclass

from adapters.redis.codecs import text
from adapters.redis.connection import RedisConnection, translated


@dataclass(frozen=True)
class ImportCheckpoint:
    source: str  # fingerprint of the file
    started_at: float  # the time of events without one
    position: int = 0  # every event on or before this line is applied
    applied: int = 0
    unknown: int = 0  # events naming a product the index does not hold (not applied)
    complete: bool = False
    batch_end: int = 0  # the batch after `position` ends on this line (a resume cuts it the same, whatever its size)
    counting: int = 0  # the batch ending on this line has every user written and its counts being sent


class ImportCheckpoints:
    """One checkpoint per user namespace, in a hash beside (never under) the users' keys."""

    def __init__(self, redis: RedisConnection, user_prefix: str) -> None:
        self.key = f"events-import:{user_prefix}"
        self._redis = redis.client

    @translated
    async def read(self) -> ImportCheckpoint | None:
        raw = {text(k): text(v) for k, v in (await self._redis.hgetall(self.key)).items()}
        if not raw:
            return None
        names = ("position", "applied", "unknown", "batch_end", "counting")
        counts = {name: int(raw.get(name, "0")) for name in names}
        return ImportCheckpoint(raw["source"], float(raw["started_at"]), **counts, complete=raw["complete"] == "1")

    @translated
    async def save(self, checkpoint: ImportCheckpoint) -> None:
        mapping: dict[str, str | int] = {
            "source": checkpoint.source,
            "started_at": repr(checkpoint.started_at),
            "position": checkpoint.position,
            "applied": checkpoint.applied,
            "unknown": checkpoint.unknown,
            "complete": int(checkpoint.complete),
            "batch_end": checkpoint.batch_end,
            "counting": checkpoint.counting,
        }
        await self._redis.hset(self.key, mapping=mapping)  # type: ignore[arg-type]
