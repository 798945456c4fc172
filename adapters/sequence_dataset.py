"""A next-item dataset folder: `items.jsonl` (one product a line) and `sequences.txt` (one user a line).

items.jsonl: `{"item_id": 1, "title": "...", "brand": "OPI", "categories": ["Makeup", "Nails"]}`.
sequences.txt: `USER ITEM ITEM ...`, integers, oldest first.

Real exports are dirty, so nothing here raises on a bad row: each row is repaired when the repair is
obvious and skipped otherwise, and every repair and skip is counted under a name the caller prints.
The fields such datasets lack get fixed values (docs/evaluation.md): price 0 and rating 0
(unknown: price and rating filters and the best-rated fallback then treat every product alike), in stock,
and a description made of the brand and the category path, so the embedded text is title, brand and
categories.
"""

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.json_text import InvalidJson, loads
from adapters.text_files import numbered_lines
from domain.catalog import validate_product
from domain.errors import InvalidInput
from domain.filters import MAX_TAG_CHARS
from domain.models import Product
from domain.validation import check_id

ITEMS_FILE = "items.jsonl"
SEQUENCES_FILE = "sequences.txt"
UNKNOWN_BRAND = "unknown"
UNCATEGORIZED = "uncategorized"
PRICE = 0.0
RATING = 0.0
MIN_SEQUENCE = 3  # a validation target, a test target and at least one item before them
_SPACES = re.compile(r"\s+")
# An item id as the items' ids can be (a product id has at most 64 characters); ASCII digits only: str.isdigit
# also takes a superscript 3, which int() refuses, and an Arabic-Indic 1, which int() reads as 1.
_ITEM = re.compile(r"[0-9]{1,64}")


@dataclass
class Dataset:
    products: dict[int, Product]  # by the dataset's item id
    sequences: dict[str, list[int]]  # user -> item ids, oldest first, unknown items dropped
    repairs: Counter[str] = field(default_factory=Counter)

    def product_id(self, item: int) -> str:
        return self.products[item].id


def _text(value: object) -> str:
    return _SPACES.sub(" ", value).strip() if isinstance(value, str) else ""


def _clean(value: object) -> str:
    """A brand or category part: the TAG separator (',') would split it into two tags."""
    return _text(value.replace(",", " ") if isinstance(value, str) else value)


def _brand(raw: object, repairs: Counter[str]) -> str:
    brand = _clean(raw)
    if brand.lower() in ("", UNKNOWN_BRAND):
        repairs["brand missing or 'Unknown'"] += 1
        return ""
    return brand


def _path(raw: object, repairs: Counter[str]) -> list[str]:
    parts = [_clean(part) for part in raw] if isinstance(raw, list) else []
    kept = [part for part in parts if part]
    if len(kept) != len(parts) or not isinstance(raw, list):
        repairs["category path with empty or missing parts"] += 1
    return kept


def _category(path: list[str], repairs: Counter[str]) -> str:
    """The path joined with '/'. A category is a tag of at most MAX_TAG_CHARS characters: a longer path
    keeps its most specific parts that fit (the shipped data's long paths stay distinct that way), a
    single part too long its first characters."""
    kept = path
    while len("/".join(kept).lower()) > MAX_TAG_CHARS and len(kept) > 1:
        kept = kept[1:]
    joined = "/".join(kept)
    if kept is not path or len(joined.lower()) > MAX_TAG_CHARS:
        repairs[f"category path longer than {MAX_TAG_CHARS} characters shortened"] += 1
    return joined[:MAX_TAG_CHARS].strip() or UNCATEGORIZED


def product_from(record: dict[str, Any], repairs: Counter[str]) -> Product | None:
    item = record.get("item_id")
    if isinstance(item, bool) or not isinstance(item, int) or item < 1:
        repairs["item skipped: item_id not a positive integer"] += 1
        return None
    brand, path = _brand(record.get("brand"), repairs), _path(record.get("categories"), repairs)
    title = _text(record.get("title"))
    if not title:
        title = " ".join(part for part in (brand, path[-1] if path else "") if part)
        repairs["empty title replaced by brand and category"] += 1
    if not title:
        repairs["item skipped: no title, brand or category"] += 1
        return None
    described = [f"Brand: {brand}." if brand else "", f"Category: {' > '.join(path)}." if path else ""]
    fields = {
        "id": str(item),
        "name": title,
        "description": " ".join(part for part in described if part) or title,
        "category": _category(path, repairs),
        "brand": brand or UNKNOWN_BRAND,
        "price": PRICE,
        "rating": RATING,
        "in_stock": True,
    }
    try:
        return validate_product(fields)
    except InvalidInput as exc:
        repairs[f"item skipped: invalid {exc.argument}"] += 1
        return None


def _lines(path: Path, row: str, repairs: Counter[str]) -> Iterator[str]:
    """The file's lines that hold something; a line that is not UTF-8 is counted as a skipped `row`, as its
    bytes replaced would bring a garbled title or user id in."""

    def not_text(number: int, exc: UnicodeDecodeError) -> None:
        repairs[f"{row} skipped: not UTF-8 text"] += 1

    with path.open("rb") as lines:
        yield from (line for _, line in numbered_lines(lines, not_text) if line.strip())


def read_products(path: Path, repairs: Counter[str]) -> dict[int, Product]:
    products: dict[int, Product] = {}
    for line in _lines(path, "item", repairs):
        try:
            record = loads(line)
        except InvalidJson:
            repairs["item skipped: not valid JSON"] += 1
            continue
        if not isinstance(record, dict):
            repairs["item skipped: not an object"] += 1
            continue
        product = product_from(record, repairs)
        if product is None:
            continue
        if int(product.id) in products:
            repairs["item skipped: duplicate item_id"] += 1
        else:
            products[int(product.id)] = product
    return products


def _valid_user(user: str) -> bool:
    try:
        check_id("user", user)
    except InvalidInput:
        return False
    return True


def _sequence(line: str, known: dict[int, Product], repairs: Counter[str]) -> tuple[str, list[int]] | None:
    fields = line.split()
    if len(fields) < 2 or not _valid_user(fields[0]) or not all(_ITEM.fullmatch(f) for f in fields[1:]):
        repairs["user skipped: malformed line"] += 1
        return None
    items = [int(f) for f in fields[1:]]
    kept = [item for item in items if item in known]
    if len(kept) < len(items):
        repairs["unknown item ids dropped from sequences"] += len(items) - len(kept)
    if len(kept) < MIN_SEQUENCE:
        repairs[f"user skipped: fewer than {MIN_SEQUENCE} known items"] += 1
        return None
    return fields[0], kept


def read_sequences(path: Path, known: dict[int, Product], repairs: Counter[str]) -> dict[str, list[int]]:
    sequences: dict[str, list[int]] = {}
    for line in _lines(path, "user", repairs):
        found = _sequence(line, known, repairs)
        if found is None:
            continue
        if found[0] in sequences:
            repairs["user skipped: duplicate user id"] += 1
            continue
        sequences[found[0]] = found[1]
    return sequences


def read_dataset(folder: Path) -> Dataset:
    """Raises FileNotFoundError when a file is missing; never on a bad row."""
    repairs: Counter[str] = Counter()
    products = read_products(folder / ITEMS_FILE, repairs)
    return Dataset(products, read_sequences(folder / SEQUENCES_FILE, products, repairs), repairs)
