"""The next-item dataset reader on a small dirty folder: every bad row repaired or skipped, and counted."""

from pathlib import Path

import pytest

from adapters.sequence_dataset import UNCATEGORIZED, UNKNOWN_BRAND, read_dataset

ITEMS = """\
{"item_id": 1, "asin": "A1", "title": "OPI Nail Lacquer, Red", "brand": "OPI", "categories": ["Makeup", "Nails"]}
{"item_id": 2, "title": "", "brand": "Essie", "categories": ["Makeup", "Nails", "Nail Polish"]}
{"item_id": 3, "title": "Tweezers", "brand": "Unknown", "categories": ["", "Tools & Accessories", "Tweezers"]}
{"item_id": 4, "title": "Hair Spray", "brand": "", "categories": []}
{"item_id": 5, "title": "Lotion", "brand": "Dr. X, Inc", "categories": ["Skin Care", "Body, Bath"]}
not json at all
["an", "array"]
{"item_id": "six", "title": "Bad id"}
{"item_id": 1, "title": "Duplicate", "brand": "OPI", "categories": ["Makeup"]}
{"item_id": 7, "title": "", "brand": "", "categories": [""]}

{"item_id": 8, "title": "Shampoo", "brand": "Acme", "categories": ["Hair Care"]}
"""

SEQUENCES = """\
u1 1 2 3 4
u2 1 99 5 8
u3 1 2
u4 x 1 2
u1 5 8 1
u5 8 5 4 3 2 1

"""


@pytest.fixture
def dataset_dir(tmp_path: Path) -> Path:
    (tmp_path / "items.jsonl").write_text(ITEMS, encoding="utf-8")
    (tmp_path / "sequences.txt").write_text(SEQUENCES, encoding="utf-8")
    return tmp_path


def test_products_are_repaired_or_skipped_with_counts(dataset_dir: Path) -> None:
    dataset = read_dataset(dataset_dir)
    assert sorted(dataset.products) == [1, 2, 3, 4, 5, 8]
    red, essie, tweezers, spray, lotion = (dataset.products[n] for n in (1, 2, 3, 4, 5))
    assert red.name == "OPI Nail Lacquer, Red" and red.brand == "opi" and red.category == "makeup/nails"
    assert red.description == "Brand: OPI. Category: Makeup > Nails."
    assert red.embedding_text == "OPI Nail Lacquer, Red. Brand: OPI. Category: Makeup > Nails."
    assert (red.price, red.rating, red.in_stock) == (0.0, 0.0, True)
    assert essie.name == "Essie Nail Polish"
    assert tweezers.brand == UNKNOWN_BRAND and tweezers.category == "tools & accessories/tweezers"
    assert tweezers.description == "Category: Tools & Accessories > Tweezers."
    assert spray.category == UNCATEGORIZED and spray.description == "Hair Spray"
    assert lotion.brand == "dr. x inc" and lotion.category == "skin care/body bath"
    assert dataset.repairs == {
        "brand missing or 'Unknown'": 3,
        "category path with empty or missing parts": 2,
        "empty title replaced by brand and category": 2,
        "item skipped: no title, brand or category": 1,
        "item skipped: not valid JSON": 1,
        "item skipped: not an object": 1,
        "item skipped: item_id not a positive integer": 1,
        "item skipped: duplicate item_id": 1,
        "user skipped: fewer than 3 known items": 1,
        "user skipped: malformed line": 1,
        "user skipped: duplicate user id": 1,
        "unknown item ids dropped from sequences": 1,
    }


def test_sequences_keep_known_items_in_order(dataset_dir: Path) -> None:
    dataset = read_dataset(dataset_dir)
    assert dataset.sequences == {"u1": [1, 2, 3, 4], "u2": [1, 5, 8], "u5": [8, 5, 4, 3, 2, 1]}
    assert dataset.product_id(8) == "8"


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_dataset(tmp_path)
