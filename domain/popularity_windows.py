"""What a popularity store counts: one bucket per UTC day and per UTC hour, how many of each it keeps, and how
a day's count fades with age. The Redis store and the in-memory one both follow these rules."""

from dataclasses import dataclass

from domain.events import decayed
from domain.times import DAY_S
from domain.trending import DEFAULT_BASELINE_DAYS

DEFAULT_DAYS = 7
DEFAULT_HALF_LIFE_S = 2.0 * DAY_S
DEFAULT_HOURS = 48


@dataclass(frozen=True)
class PopularityWindows:
    days: int = DEFAULT_DAYS  # the days `top` sums
    half_life_s: float = DEFAULT_HALF_LIFE_S
    hours: int = DEFAULT_HOURS  # the hours kept for trends
    baseline_days: int = DEFAULT_BASELINE_DAYS  # the days a trend's baseline may reach back

    def __post_init__(self) -> None:
        if min(self.days, self.hours, self.baseline_days) < 1 or not self.half_life_s > 0:
            raise ValueError("popularity needs at least one day, one hour and a positive half-life")

    @property
    def kept_days(self) -> int:
        return max(self.days, self.baseline_days)

    def top_days(self, now: float) -> list[int]:
        """The UTC days `top` sums at `now`, today first."""
        today = int(now // DAY_S)
        return [today - back for back in range(self.days)]

    def day_factor(self, day: int, now: float) -> float:
        """A day's counts decay from the day's middle (today's by nothing before noon)."""
        return decayed(1.0, now - (day + 0.5) * DAY_S, self.half_life_s)

    def check_reach(self, *, recent_hours: int, baseline_days: int) -> None:
        if recent_hours > self.hours or baseline_days > self.kept_days:
            raise ValueError(f"trending reaches past the {self.hours} hours and {self.kept_days} days kept")


DEFAULT_WINDOWS = PopularityWindows()


def best(totals: dict[str, float], n: int) -> list[tuple[str, float]]:
    """The n highest totals, ties by id."""
    return sorted(totals.items(), key=lambda pair: (-pair[1], pair[0]))[:n]
