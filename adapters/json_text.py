"""`json.loads` for text read from a file, with one error for every way the text can fail to parse.

`json.loads` raises JSONDecodeError for malformed text, but a plain ValueError for an integer of more
digits than Python converts (4,300) and RecursionError for arrays or objects nested too deeply: a reader
catching only the first printed a traceback for the other two.
"""

import json
from typing import Any

TOO_DEEP = "arrays or objects nested too deeply"
TOO_LONG = "a number with too many digits"


class InvalidJson(ValueError):
    """`msg` is the reason alone; str() adds where the text went wrong when that is known."""

    def __init__(self, msg: str, detail: str | None = None) -> None:
        super().__init__(detail or msg)
        self.msg = msg


def loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidJson(exc.msg, str(exc)) from None
    except RecursionError:
        raise InvalidJson(TOO_DEEP) from None
    except ValueError:
        raise InvalidJson(TOO_LONG) from None
