"""The `scenarioStats` use case: a scenario's counters over a time window, compared with control."""

from collections.abc import Callable
from dataclasses import dataclass

from domain.attribution import CONTROL
from domain.errors import InvalidInput
from domain.experiments import ScenarioStats, scenario_stats
from domain.ports import ExperimentCounters
from domain.scenario_validation import check_name
from domain.times import DAY_S, HOUR_S

DEFAULT_KEEP_DAYS = 30
DEFAULT_SPAN_S = 7 * DAY_S  # the window when `from` is omitted


def stats_hours(start: float | None, end: float | None, now: float, keep_days: int) -> range:
    """The hour buckets of [start, end]: every hour the window touches, within what the counters keep.

    Omitted, `end` is now and `start` 7 days before `end`. Buckets older than the retention or later
    than now hold nothing, so they are not read: the number of reads stays bounded whatever is asked.
    """
    if start is not None and end is not None and start > end:
        raise InvalidInput("from", "is after `to`")
    last = now if end is None else min(end, now)
    first = last - DEFAULT_SPAN_S if start is None else start
    first = max(first, now - keep_days * DAY_S)
    return range(int(first // HOUR_S), int(last // HOUR_S) + 1) if first <= last else range(0)


@dataclass(frozen=True)
class ScenarioStatsQuery:
    counters: ExperimentCounters | None  # None: nothing was counted
    clock: Callable[[], float]
    keep_days: int = DEFAULT_KEEP_DAYS

    async def __call__(self, name: str, start: float | None, end: float | None) -> ScenarioStats:
        check_name("name", name)  # the rule a scenario was saved under: others name none
        hours = stats_hours(start, end, self.clock(), self.keep_days)
        totals = await self.counters.totals(name, hours) if hours and self.counters is not None else {}
        return scenario_stats(name, totals, CONTROL)
