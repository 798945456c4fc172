"""Persisted GraphQL documents in one Redis hash, shared by every worker: a field per SHA-256, each with
its own TTL (HEXPIRE, Redis 7.4+), and a bound on the number of fields."""

from adapters.redis.connection import RedisConnection, translated


class RedisPersistedQueries:
    def __init__(self, connection: RedisConnection, key: str, ttl_s: int, max_entries: int) -> None:
        self.client = connection.client
        self.key = key
        self.ttl_s = ttl_s
        self.max_entries = max_entries

    @translated
    async def get(self, sha256: str) -> str | None:
        found = await self.client.hget(self.key, sha256)
        return None if found is None else found.decode() if isinstance(found, bytes) else str(found)

    @translated
    async def put(self, sha256: str, document: str) -> bool:
        # Full: keep what is stored (it expires), do not grow. Two clients racing may pass the bound by one each.
        if await self.client.hlen(self.key) >= self.max_entries:
            return False
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(self.key, sha256, document)
            pipe.execute_command("HEXPIRE", self.key, self.ttl_s, "FIELDS", 1, sha256)
            await pipe.execute()
        return True
