"""ExperimentCounters in memory, for tests and the memory stack: the same buckets and dedupe as Redis."""

from collections.abc import Sequence

from adapters.redis.experiments import add_fields, variant_counts
from domain.attribution import Conversion
from domain.experiments import VariantCounts
from domain.times import HOUR_S


class InMemoryExperimentCounters:
    def __init__(self) -> None:
        self.buckets: dict[tuple[str, int], dict[str, float]] = {}
        self.marks: dict[tuple[str, str, str, str], float] = {}  # (scenario, page, product, kind) -> expiry

    def _add(self, scenario: str, at: float, field: str, amount: float) -> None:
        bucket = self.buckets.setdefault((scenario, int(at // HOUR_S)), {})
        bucket[field] = bucket.get(field, 0.0) + amount

    async def count_page(self, scenario: str, variant: str, items: int, at: float) -> None:
        self._add(scenario, at, f"{variant}|requests", 1)
        self._add(scenario, at, f"{variant}|impressions", items)

    async def count_conversion(self, conversion: Conversion, keep_s: float) -> bool:
        c = conversion
        mark = (c.scenario, c.page, c.product_id, c.kind.value)
        # No await between the check and the mark: atomic on the event loop, as the script is in Redis.
        if self.marks.get(mark, float("-inf")) > c.at:
            return False
        self.marks[mark] = c.at + keep_s
        self._add(c.scenario, c.at, f"{c.variant}|{c.counter}", 1)
        self._add(c.scenario, c.at, f"{c.variant}|{c.counter}@{c.position}", 1)
        if c.revenue:
            self._add(c.scenario, c.at, f"{c.variant}|revenue", c.revenue)
        return True

    async def totals(self, scenario: str, hours: Sequence[int]) -> dict[str, VariantCounts]:
        summed: dict[str, dict[str, float]] = {}
        for hour in hours:
            bucket = self.buckets.get((scenario, hour), {})
            add_fields(summed, {name.encode(): str(value).encode() for name, value in bucket.items()})
        return {variant: variant_counts(variant, fields) for variant, fields in summed.items()}
