"""How the resolvers declare their arguments: every argument is described (the SDL description test)."""

from typing import Any

import strawberry


def arg(description: str) -> Any:
    """`Annotated[T, arg("...")]`: the argument's description in the schema."""
    return strawberry.argument(description=description)
