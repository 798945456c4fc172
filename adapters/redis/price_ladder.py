"""Price bounds as TAG lookups on a fixed ladder of round prices, with NUMERIC only for the remainder.

RediSearch evaluates a wide NUMERIC range as a union of the range tree's leaves, and an intersection
skips every leaf forward to each candidate document: `price <= 90` over 100k products cost more than the
category and the phrase around it together (docs/benchmarks-history.md, "Filtered search"). A TAG value is one posting
list. So every product also carries, in two TAG fields, the ladder steps its price lies under
(`price_le`) and over (`price_ge`); a bound on a step is one tag, a bound between steps is the nearest
step's tag plus the narrow NUMERIC range up to the bound. Every form selects exactly `low <= price <= high`.
"""

from bisect import bisect_left, bisect_right

# 1-9 per decade from 1 to 90,000, then 100,000: a bound between two steps leaves a NUMERIC range of at
# most one step; each product gets one tag per step (about 46), a few hundred bytes.
STEPS: tuple[int, ...] = (*sorted(m * 10**e for e in range(5) for m in range(1, 10)), 100_000)
LE_FIELD = "price_le"
GE_FIELD = "price_ge"
# Written when a price lies beyond every step, so the field is never empty: HSET never removes a field,
# and an upsert must replace the previous price's tags. Absent fields mark hashes written without the ladder.
NONE_TAG = "none"


def ladder_fields(price: float) -> dict[str, str]:
    """The two TAG fields stored beside `price`."""
    under = STEPS[bisect_left(STEPS, price) :]
    over = STEPS[: bisect_right(STEPS, price)]
    return {LE_FIELD: ",".join(map(str, under)) or NONE_TAG, GE_FIELD: ",".join(map(str, over)) or NONE_TAG}


def number(value: float) -> str:
    """A float as RediSearch's query parser reads it back exactly."""
    return repr(float(value))


def _upper(high: float) -> str:
    at = bisect_right(STEPS, high)  # STEPS[:at] are the steps <= high
    if at == 0:
        return f"@price:[-inf {number(high)}]"
    step = STEPS[at - 1]
    if step == high:
        return f"@{LE_FIELD}:{{{step}}}"
    return f"(@{LE_FIELD}:{{{step}}} | @price:[({number(step)} {number(high)}])"


def _lower(low: float) -> str:
    at = bisect_left(STEPS, low)  # STEPS[at:] are the steps >= low
    if at == len(STEPS):
        return f"@price:[{number(low)} +inf]"
    step = STEPS[at]
    if step == low:
        return f"@{GE_FIELD}:{{{step}}}"
    return f"(@{GE_FIELD}:{{{step}}} | @price:[{number(low)} ({number(step)}])"


def numeric_clause(low: float | None, high: float | None) -> str:
    """The plain NUMERIC range: for an index without the ladder fields."""
    return f"@price:[{'-inf' if low is None else number(low)} {'+inf' if high is None else number(high)}]"


def price_clause(low: float | None, high: float | None) -> str:
    """`low <= price <= high` (either bound optional), on the ladder where that measured cheaper.

    A one-sided range is the slow NUMERIC case (it spans a whole tail of the range tree): 1.3-1.8x faster
    on the ladder at 100k products. A range with both bounds is bounded in the tree already; on the
    ladder it won only when both bounds are steps (two plain tags) and lost up to ~25 % when a bound
    needs a tag-or-remainder union, so it stays NUMERIC then (docs/benchmarks-history.md, "Price ladder
    against NUMERIC ranges").
    """
    if low is not None and high is not None and not (low in STEPS and high in STEPS):
        return numeric_clause(low, high)
    parts = ([] if low is None else [_lower(low)]) + ([] if high is None else [_upper(high)])
    return " ".join(parts)
