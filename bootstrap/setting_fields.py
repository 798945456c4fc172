"""What every settings module shares: the field helper, the command groups, the environment prefix."""

from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_settings import NoDecode

ENV_PREFIX = "RECOMMENDER_"

# Which commands offer a field as a flag; fields without a group are environment-only (secrets, and
# values only tests and the worker hand-over set).
SERVER, STORE, INDEX, QUERY_PATH, SPEEDUPS, LOAD = "server", "store", "index", "query path", "speedups", "load"
BROWSER = "browser access"
RATE_LIMIT_CLASSES = ("recommendations", "events", "admin")


def _comma_separated(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


# Lists read from the environment comma-separated (RECOMMENDER_CORS_ORIGINS=https://a.example,https://b.example),
# and from repeated flags (--cors-origin A --cors-origin B).
Names = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_comma_separated)]
EVENTS = "events"
WEEK_S = 7 * 24 * 3600.0


def option(default: Any, description: str, group: str | None = None, **extra: Any) -> Any:
    """A settings field; `extra` may hold `flags` (older spellings kept working) or pydantic constraints."""
    flags = extra.pop("flags", ())
    schema_extra: dict[str, Any] = {"group": group, "flags": list(flags)}
    return Field(default, description=description, json_schema_extra=schema_extra, **extra)
