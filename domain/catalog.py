"""A product's fields as a catalog supplies them (untyped JSON values), checked before anything is stored.

Each check raises InvalidInput naming the field, so a catalog reader can say which product and field is bad.
"""

from collections.abc import Callable, Mapping

from domain.errors import InvalidInput
from domain.filters import MAX_TAG_CHARS
from domain.models import Product
from domain.validation import (
    check_id,
    check_no_control_chars,
    check_no_control_chars_but_layout,
    check_range,
    is_unicode_text,
)

MAX_RATING = 5.0
# Far above any price in any currency, and low enough that attributed revenue (the sum of the prices
# purchased, domain/attribution.py) stays finite: with no bound, two purchases of a 1e308 product summed
# to inf, which scenarioStats could not answer.
MAX_PRICE = 1e12


def check_nonempty(argument: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(argument, "must be a non-empty string")
    text = value.strip()
    if not is_unicode_text(text):  # else a load failed mid-way, in the model or in Redis
        raise InvalidInput(argument, "holds an unpaired UTF-16 surrogate: not Unicode text")
    return text


def check_display_name(argument: str, value: object) -> str:
    return check_no_control_chars(argument, check_nonempty(argument, value))


def check_description(argument: str, value: object) -> str:
    return check_no_control_chars_but_layout(argument, check_nonempty(argument, value))


def check_slug(argument: str, value: object) -> str:
    """Categories and brands are compared case-insensitively, so they are stored lower-case once;
    a ',' would split the value into two tags in the index (the TAG separator). At most as long as a
    filter may name: a longer one could be stored but never filtered on."""
    slug = check_nonempty(argument, value).lower()
    if "," in slug:
        raise InvalidInput(argument, "must not contain ','")
    if len(slug) > MAX_TAG_CHARS:
        raise InvalidInput(argument, f"must be at most {MAX_TAG_CHARS} characters, got {len(slug)}")
    return check_no_control_chars(argument, slug)


def check_number(argument: str, value: object, low: float, high: float) -> float:
    # JSON booleans are ints to Python; a price of `true` is a mistake, not 1.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(argument, "must be a finite number")
    try:
        number = float(value)  # a JSON integer may have hundreds of digits: beyond any float
    except OverflowError:
        raise InvalidInput(argument, "must be a finite number") from None
    return check_range(argument, number, low, high)


def check_flag(argument: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(argument, "must be true or false")
    return value


FIELD_CHECKS: dict[str, Callable[[str, object], object]] = {
    "name": check_display_name,
    "description": check_description,
    "category": check_slug,
    "brand": check_slug,
    "price": lambda name, value: check_number(name, value, 0.0, MAX_PRICE),
    "rating": lambda name, value: check_number(name, value, 0.0, MAX_RATING),
    "in_stock": check_flag,
}
# In the order catalog files write them.
PRODUCT_FIELDS = ("id", "name", "description", "category", "brand", "price", "in_stock", "rating")


def validate_product(fields: Mapping[str, object]) -> Product:
    """A Product from every field of PRODUCT_FIELDS; the first bad field raises InvalidInput naming it."""
    values = {name: check(name, fields[name]) for name, check in FIELD_CHECKS.items()}
    product_id = fields["id"]
    if not isinstance(product_id, str):
        raise InvalidInput("id", "must be a string")
    return Product(id=check_id("id", product_id), **values)  # type: ignore[arg-type]
