"""Apollo's automatic persisted queries: `extensions.persistedQuery {version: 1, sha256Hash}`.

A request carrying only the hash runs the stored document, or gets PersistedQueryNotFound (the error
Apollo's link waits for before it resends the text). A request carrying text and hash is checked
(the hash must be the text's SHA-256) and the text stored for later, unless it is longer than
`max_bytes` (it still runs; it is just not stored). Works for GET too, so a CDN can cache the short URL.
"""

import hashlib
import re
from typing import Any, Protocol

from graphql import GraphQLError

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
BAD_REQUEST = "BAD_REQUEST"
_SHA256 = re.compile(r"[0-9a-f]{64}")


class PersistedQueryStore(Protocol):
    async def get(self, sha256: str) -> str | None: ...

    async def put(self, sha256: str, document: str) -> bool:
        """False when the store is full (the document is then not kept)."""
        ...


class PersistedQueryError(Exception):
    def __init__(self, message: str, code: str, status: int) -> None:
        super().__init__(message)
        self.status = status
        self.error = GraphQLError(message, extensions={"code": code})


def requested_hash(extensions: dict[str, Any] | None) -> str | None:
    """The hash a request names, None when it uses no persisted query; raises on a malformed entry."""
    entry = (extensions or {}).get("persistedQuery")
    if entry is None:
        return None
    if not isinstance(entry, dict) or entry.get("version") != 1:
        raise PersistedQueryError("Unsupported persistedQuery version; only 1 is.", BAD_REQUEST, 400)
    digest = entry.get("sha256Hash")
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        raise PersistedQueryError("persistedQuery.sha256Hash must be 64 lowercase hex digits.", BAD_REQUEST, 400)
    return digest


class PersistedQueries:
    def __init__(self, store: PersistedQueryStore, max_bytes: int) -> None:
        self.store = store
        self.max_bytes = max_bytes

    async def document(self, query: str | None, extensions: dict[str, Any] | None) -> str | None:
        """The document to run: `query` itself, or the stored one its hash names."""
        digest = requested_hash(extensions)
        if digest is None:
            return query
        if query is None:
            stored = await self.store.get(digest)
            if stored is None:
                raise PersistedQueryError("PersistedQueryNotFound", NOT_FOUND, 200)
            return stored
        if hashlib.sha256(query.encode()).hexdigest() != digest:
            raise PersistedQueryError("provided sha does not match query", BAD_REQUEST, 400)
        if len(query.encode()) <= self.max_bytes:
            await self.store.put(digest, query)
        return query
