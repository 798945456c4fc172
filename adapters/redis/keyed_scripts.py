"""Lua scripts that each name one key, sent as EVALSHA in one pipeline: the write path of counts many events
share (co-engagement lists and totals, popularity).

One key per call keeps every call inside one cluster slot. The pairs a call adds go as one space-separated
argument rather than two arguments each: redis-py packs every argument in Python, so a batch of an import
(thousands of pairs per call) costs a string join instead of thousands of encodes. Ids never hold
whitespace (domain.validation), and a float's repr is what redis-py would have sent, so Redis adds the
very same numbers.
"""

import functools
import hashlib
from collections.abc import Sequence

import redis.asyncio as aioredis
from redis.exceptions import NoScriptError

from domain.errors import RecommenderError

Call = tuple[str, str, Sequence[str | int | float]]  # (the script, its one key, the arguments)


@functools.cache
def _sha1(script: str) -> str:
    return hashlib.sha1(script.encode()).hexdigest()


def packed(words: Sequence[str | float]) -> str:
    """Ids and numbers as one argument, in order, for a script that splits it on spaces."""
    return " ".join(word if isinstance(word, str) else repr(word) for word in words)


class KeyedScripts:
    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client
        self._loaded: set[str] = set()  # the scripts this process has loaded into Redis

    async def run(self, calls: Sequence[Call]) -> None:
        """Each (script, key, args) as one EVALSHA, all in one pipeline. Those Redis refuses for want of the
        script (after a restart, a failover or SCRIPT FLUSH) did nothing: load the scripts, send them again."""
        # A script this process has not used yet is loaded first: otherwise its first pipeline (a whole
        # import batch's counts) would be packed, sent, refused and sent again.
        await self._load({script for script, _, _ in calls} - self._loaded)
        pending = list(calls)
        for _ in range(2):
            async with self._client.pipeline(transaction=False) as pipe:
                for script, key, args in pending:  # execute_command: redis-py blocks .evalsha on a cluster
                    pipe.execute_command("EVALSHA", _sha1(script), 1, key, *args)
                replies = await pipe.execute(raise_on_error=False)
            errors = [reply for reply in replies if isinstance(reply, Exception)]
            if not errors:
                return
            if not all(isinstance(error, NoScriptError) for error in errors):
                raise next(error for error in errors if not isinstance(error, NoScriptError))
            pending = [call for call, reply in zip(pending, replies, strict=True) if isinstance(reply, NoScriptError)]
            await self._load({script for script, _, _ in pending})
        raise RecommenderError("Redis keeps losing the count scripts")

    async def _load(self, scripts: set[str]) -> None:
        for script in scripts:
            await self._client.script_load(script)
            self._loaded.add(script)
