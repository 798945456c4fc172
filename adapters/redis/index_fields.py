"""Fields added to the index after its first release, and whether a running index can rely on them.

An index created before a field existed does not have it, and hashes written before it existed do not
carry it; FT.CREATE cannot add a field to a live index. So at start-up (and again once Redis has indexed
older hashes) each group of fields is checked: in the schema, and on every product (INDEXMISSING).
A group that is not complete is not used, and its queries fall back to an exact slower form:
- the price ladder (`price_le`, `price_ge`): price filters as plain NUMERIC ranges;
- `pid` (the product id as a TAG): excluded ids are over-fetched (KNN k + excluded) and dropped here
  instead of negated in the pre-filter.
Recreating the index, or loading the catalog again and restarting, brings them back.
"""

import asyncio
import logging
from typing import Any

from redis.exceptions import ResponseError

from adapters.redis.codecs import field_map
from adapters.redis.codecs import text as _text
from adapters.redis.pipelined import HotPathReads
from adapters.redis.price_ladder import GE_FIELD, LE_FIELD
from adapters.redis.schema import attributes
from domain.errors import StoreUnavailable

log = logging.getLogger("recommender")

PID_FIELD = "pid"
# While Redis indexes hashes that predate the index, how often to ask whether it is done (FT.INFO is cheap).
RECHECK_S = 0.1
GROUPS = {
    "ladder": ((LE_FIELD, GE_FIELD), "price filters use NUMERIC ranges (slower)"),
    "pid": ((PID_FIELD,), "excluded products are over-fetched and dropped after the search (slower)"),
}


class IndexFields:
    """`ladder` and `pid`: True when usable, False when not, None while Redis still indexes older hashes."""

    def __init__(self, reads: HotPathReads, index_name: str) -> None:
        self._reads = reads
        self._name = index_name
        self.ladder: bool | None = None
        self.pid: bool | None = None
        self._recheck: asyncio.Task[None] | None = None

    def all_present(self) -> None:
        """An index just created empty: every product from now on is written with every field."""
        self.stop()
        self.ladder = self.pid = True

    async def decide(self) -> None:
        self.stop()
        await self._check()
        if self.ladder is None or self.pid is None:  # Redis is still indexing older hashes: look again once done
            self._recheck = asyncio.create_task(self._recheck_once_indexed())

    def stop(self) -> None:
        if self._recheck is not None:
            self._recheck.cancel()
            self._recheck = None

    async def _check(self) -> None:
        info = field_map(await self._reads.command("FT.INFO", self._name))
        self.ladder = await self._complete("ladder", info)
        self.pid = await self._complete("pid", info)

    async def _recheck_once_indexed(self) -> None:
        while self.ladder is None or self.pid is None:
            await asyncio.sleep(RECHECK_S)
            try:
                await self._check()
            except StoreUnavailable:
                continue  # Redis is away for now: the exact fallbacks serve meanwhile
            except ResponseError:
                return  # the index was dropped under us

    async def _complete(self, group: str, info: dict[str, Any]) -> bool | None:
        fields, fallback = GROUPS[group]
        if not set(fields) <= {attribute.get("attribute") for attribute in attributes(info)}:
            count = -1  # created before these fields
        elif int(_text(info["indexing"])):
            return None
        else:
            missing = " | ".join(f"ismissing(@{field})" for field in fields)
            reply = await self._reads.command("FT.SEARCH", self._name, missing, "LIMIT", 0, 0, "DIALECT", 2)
            count = int(reply[0])
        if count != 0:
            held = (
                f"has no {'/'.join(fields)} field"
                if count < 0
                else f"holds {count} products written without {'/'.join(fields)}"
            )
            log.warning(
                "index %s %s: %s until the index is recreated, or the catalog is loaded again and the server restarted",
                self._name,
                held,
                fallback,
            )
        return count == 0
