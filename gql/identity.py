"""Who a request acts for, and the one rule every user-scoped field applies (README, "Calling it from a frontend").

With end-user tokens off (the default, the demo) a `userId` argument is trusted as given. With tokens on
the user is the token's `sub`: a `userId` naming anyone else is FORBIDDEN; without a token
recommendations are served unpersonalised and user reads and writes are UNAUTHENTICATED.
Fields that act for a user (recommendations, userFeatures, recordClick, resetUser, and later
recordEvent, similarProducts) call `acting_user` or `required_user` first.
"""

from dataclasses import dataclass, field
from typing import Any

import strawberry
from graphql import GraphQLError

from domain.filters import DEFAULT_USER_ID

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
ADMIN_ROLE = "admin"
DEFAULT_USER = strawberry.ID(DEFAULT_USER_ID)  # the `userId` of `recommendations` when omitted


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

    `user_id` is the argument as given (None or the schema's default when omitted).
    """
    asked = None if user_id is None else str(user_id)
    if not caller.tokens:
        return asked or DEFAULT_USER_ID
    if caller.user_id is None:
        return None
    if asked not in (None, DEFAULT_USER_ID, caller.user_id):
        raise GraphQLError("This token does not act for that user.", extensions={"code": FORBIDDEN})
    return caller.user_id


def required_user(caller: Caller, user_id: Any) -> str:
    """As `acting_user`, for reads and writes of user state: anonymous callers get UNAUTHENTICATED."""
    acting = acting_user(caller, user_id)
    if acting is None:
        raise unauthenticated("Reading or changing user data needs an end-user token (Authorization: Bearer).")
    return acting


class NotAuthenticated(Exception):
    """A credential came and is not valid (expired, wrong audience, bad signature, ...); the message says why."""
