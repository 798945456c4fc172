"""Small reusable checks that raise `InvalidInput` naming the argument."""

import math
import re

from domain.errors import InvalidInput

# Ids end up inside Redis key names: a closed charset means no id can address another key space
# (no `:` separators, no glob characters, no whitespace).
_ID_PATTERN = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
ID_RULE = "1-64 characters from A-Z a-z 0-9 _ . @ -"
# Unicode's control characters (category Cc): C0, DEL and C1. A regex, as a catalog load checks every character
# of every description.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# The same but tab, line feed and carriage return: the layout of a text that runs over lines.
_CONTROL_BUT_LAYOUT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LAYOUT_RULE = "control characters other than tab, line feed and carriage return"


def is_id(value: str) -> bool:
    """Whether `value` is a user or product id."""
    return _ID_PATTERN.fullmatch(value) is not None


def is_unicode_text(text: str) -> bool:
    """False when `text` holds half of a UTF-16 pair: JSON can escape one, and Python reads it, but neither the
    model nor Redis takes it."""
    if text.isascii():
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def check_id(argument: str, value: str) -> str:
    if not is_id(value):
        raise InvalidInput(argument, f"must be {ID_RULE}")
    return value


def check_ids(argument: str, values: tuple[str, ...], limit: int) -> tuple[str, ...]:
    """At most `limit` ids, each named by its place (`argument[3]`) when it is no id."""
    if len(values) > limit:
        raise InvalidInput(argument, f"at most {limit} ids, got {len(values)}")
    for i, value in enumerate(values):
        check_id(f"{argument}[{i}]", value)
    return values


def check_finite(argument: str, value: float) -> float:
    if not math.isfinite(value):
        raise InvalidInput(argument, "must be a finite number")
    return float(value)


def check_range(argument: str, value: float, low: float, high: float) -> float:
    check_finite(argument, value)
    if not low <= value <= high:
        bounds = f"at least {low:g}" if math.isinf(high) else f"between {low:g} and {high:g}"
        raise InvalidInput(argument, f"must be {bounds}, got {value:g}")
    return float(value)


def check_text(argument: str, value: str, max_chars: int) -> str:
    """Trimmed text of 1..max_chars characters."""
    text = value.strip()
    if not text:
        raise InvalidInput(argument, "must not be empty")
    if len(text) > max_chars:
        raise InvalidInput(argument, f"must be at most {max_chars} characters, got {len(text)}")
    return text


def check_no_control_chars(argument: str, value: str) -> str:
    # Stored tags hold none, and the search syntax cannot express one; a name is one line of display text.
    if _CONTROL.search(value):
        raise InvalidInput(argument, "must not contain control characters")
    return value


def check_no_control_chars_but_layout(argument: str, value: str) -> str:
    """Text that may run over lines (a description): a control character other than its layout would reach
    whatever shows it, a terminal escape or a NUL included."""
    if _CONTROL_BUT_LAYOUT.search(value):
        raise InvalidInput(argument, f"must not contain {_LAYOUT_RULE}")
    return value
