"""What every resolver gets: the service, and who is asking."""

from dataclasses import dataclass, field
from typing import Any

import strawberry

from domain.ports import CursorCodec
from domain.service import RecommenderService
from gql.identity import Caller
from gql.observed import NoObserver, Observer
from gql.rate_limited import RateCheck


@dataclass
class Context:
    service: RecommenderService
    is_admin: bool = False  # granted per request by the admin token or a token's roles (serving.auth)
    request_id: str = "-"
    caller: Caller = field(default_factory=Caller)  # tokens off: userId arguments are trusted
    response: Any = None  # status code and headers of the HTTP response (Strawberry's sub-response)
    rate_check: RateCheck | None = None  # None: no rate limits
    observer: Observer = field(default_factory=NoObserver)  # metrics
    cursors: CursorCodec | None = None  # None: no page cursors (`after` is refused, endCursor is null)


Info = strawberry.Info[Context, None]
