"""What every resolver gets: the service, and who is asking."""

from dataclasses import dataclass

import strawberry

from domain.service import RecommenderService


@dataclass
class Context:
    service: RecommenderService
    is_admin: bool = True  # decided per request from the Authorization header (see serving.app)
    request_id: str = "-"


Info = strawberry.Info[Context, None]
