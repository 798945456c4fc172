"""Who a request acts for, and what of a user's state it may use (docs/operations.md, "End-user tokens").

With end-user tokens off (the default, the demo) a `userId` argument is trusted as given, and an
omitted one means the demo user. With tokens on, authorisation is the token's alone: the user is the
token's `sub`, and a `userId` naming anyone else, the demo user included, is FORBIDDEN; without a token
user reads and writes are UNAUTHENTICATED and recommendations are anonymous: no session, affinities or
history are read (`UserScope`). Every field that acts for a user calls `required_user` or `user_scope`
first.
"""

from dataclasses import dataclass, field, replace
from typing import Any

import strawberry
from graphql import GraphQLError

from domain.filters import (
    DEFAULT_USER_ID,
    BlendSettings,
    ExcludeSettings,
    RecommendRequest,
    RerankSettings,
    SimilarRequest,
)
from domain.related import RelatedRequest

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
ADMIN_ROLE = "admin"


class _Omitted(str):
    """The type of DEFAULT_USER only: an omitted `userId` is told from an explicit one by its type."""


# The schema's default `userId` (the demo user): graphql-core hands this very object to the resolver
# when the client omits the argument, while an explicit "demo" arrives as a plain str. Should a new
# graphql-core copy defaults instead, every token user omitting `userId` would get FORBIDDEN, which
# tests/security/test_end_user_tokens.py would report.
DEFAULT_USER = strawberry.ID(_Omitted(DEFAULT_USER_ID))
NO_BLEND = BlendSettings(enabled=False)
NO_RERANK = RerankSettings(enabled=False)


@dataclass(frozen=True)
class Caller:
    """`tokens` False: no token checks configured. `user_id` None: no (valid) end-user token came."""

    tokens: bool = False
    user_id: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def has_admin_role(self) -> bool:
        return ADMIN_ROLE in self.roles


def unauthenticated(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": UNAUTHENTICATED})


def acting_user(caller: Caller, user_id: Any) -> str | None:
    """The user a field acts for; None means anonymous: read and write no user state.

    `user_id` is the argument as given: None or DEFAULT_USER when omitted.
    """
    asked = None if user_id is None or isinstance(user_id, _Omitted) else str(user_id)
    if not caller.tokens:
        # Only an omitted id means the demo user: an empty one is checked like any other, and refused.
        return DEFAULT_USER_ID if asked is None else asked
    if caller.user_id is None:
        return None
    if asked is not None and asked != caller.user_id:
        raise GraphQLError("This token does not act for that user.", extensions={"code": FORBIDDEN})
    return caller.user_id


def required_user(caller: Caller, user_id: Any) -> str:
    """As `acting_user`, for reads and writes of user state: anonymous callers get UNAUTHENTICATED."""
    acting = acting_user(caller, user_id)
    if acting is None:
        raise unauthenticated("Reading or changing user data needs an end-user token (Authorization: Bearer).")
    return acting


@dataclass(frozen=True)
class UserScope:
    """What of a user's state a recommendation may use: the acting user's, or nothing for an anonymous caller."""

    user_id: str | None  # None: anonymous (tokens on, none sent)

    @property
    def request_user(self) -> str:
        """The user id of the domain request; for an anonymous caller a placeholder whose state is never read."""
        return DEFAULT_USER_ID if self.user_id is None else self.user_id

    def exclude(self, asked: ExcludeSettings | None) -> ExcludeSettings | None:
        if asked is None or self.user_id is not None:
            return asked
        return replace(asked, seen=False, dismissed=False, purchased=False)  # no history to read: by id only

    # Applied to the finished request (a scenario's settings included): nothing it says reads an anonymous
    # caller's state.
    def recommending(self, request: RecommendRequest) -> RecommendRequest:
        if self.user_id is not None:
            return request
        return replace(request, blend=NO_BLEND, rerank=NO_RERANK, exclude=self.exclude(request.exclude))

    def similar(self, request: SimilarRequest) -> SimilarRequest:
        if self.user_id is not None:
            return request
        blend = None if request.blend is None else NO_BLEND
        return replace(request, blend=blend, exclude=self.exclude(request.exclude))

    def related(self, request: RelatedRequest) -> RelatedRequest:
        return request if self.user_id is not None else replace(request, exclude=self.exclude(request.exclude))


def user_scope(caller: Caller, user_id: Any) -> UserScope:
    """As `acting_user`, for recommendations: anonymous callers are served, without any user state."""
    return UserScope(acting_user(caller, user_id))


class NotAuthenticated(Exception):
    """A credential came and is not valid (expired, wrong audience, bad signature, ...); the message says why."""
