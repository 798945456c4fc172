"""A clock tests move by hand: decay and history times without sleeping."""

from dataclasses import dataclass

START = 1_765_000_000.0  # a fixed instant (December 2025), seconds since the epoch


@dataclass
class FakeClock:
    now: float = START

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
