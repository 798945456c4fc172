"""A one-line progress bar for long CLI jobs: count, share, rate and ETA, redrawn in place with '\\r'."""

import sys
import time
from typing import TextIO


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class Progress:
    """`advance(n)` as work is done, `close()` at the end; redraws at most every `interval` seconds.

    The rate counts only this run's work, so a resumed load's ETA is not flattered by skipped lines.
    """

    def __init__(
        self,
        label: str,
        total: int | None = None,
        done: int = 0,
        stream: TextIO | None = None,
        interval: float = 0.5,
        enabled: bool = True,
    ) -> None:
        self.label = label
        self.total = total
        self.done = done
        self.stream = stream or sys.stderr
        self.interval = interval
        self.enabled = enabled
        self._start_done = done
        self._start = time.perf_counter()
        self._last_draw = self._start  # the first redraw waits one interval: early rates are noise
        self._width = 0

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self._start

    @property
    def rate(self) -> float:
        elapsed = self.elapsed
        return (self.done - self._start_done) / elapsed if elapsed > 0 else 0.0

    def line(self) -> str:
        rate = self.rate
        parts = [self.label, f"{self.done:,}" if self.total is None else f"{self.done:,}/{self.total:,}"]
        if self.total:
            parts.append(f"{100.0 * self.done / self.total:5.1f}%")
        parts.append(f"{rate:,.0f}/s")
        if self.total and self.done >= self.total:
            parts.append(f"in {duration(self.elapsed)}")
        elif self.total and rate > 0:
            parts.append(f"ETA {duration((self.total - self.done) / rate)}")
        return "  ".join(parts)

    def advance(self, count: int) -> None:
        self.done += count
        now = time.perf_counter()
        if self.enabled and now - self._last_draw >= self.interval:
            self._last_draw = now
            self._draw()

    def close(self) -> None:
        if not self.enabled:
            return
        self._draw()
        self.stream.write("\n")
        self.stream.flush()

    def _draw(self) -> None:
        text = self.line()
        # Pad over the previous, possibly longer, line: '\r' only moves the cursor back.
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = len(text)
