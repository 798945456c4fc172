"""The next-item dataset reader on a small dirty folder: every bad row repaired or skipped, and counted."""

from pathlib import Path

import pytest

from adapters.sequence_dataset import UNCATEGORIZED, UNKNOWN_BRAND, read_dataset
from tests.conftest import ROOT

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
UNREADABLE = [  # json.loads: RecursionError, and ValueError for more digits than int() reads
    '{"item_id": 9, "title": "Deep", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
    '{"item_id": 10, "title": "Long", "x": ' + "9" * 5000 + "}",
]

SEQUENCES = """\
u1 1 2 3 4
u2 1 99 5 8
u3 1 2
u4 x 1 2
u1 5 8 1
u5 8 5 4 3 2 1
u6 1 2 3 \u00b3
u7 \u0661 \u0662 \u0663 \u0664

"""


@pytest.fixture
def dataset_dir(tmp_path: Path) -> Path:
    (tmp_path / "items.jsonl").write_text(ITEMS + "\n".join(UNREADABLE) + "\n", encoding="utf-8")
    long_id = "u8 1 2 3 " + "9" * 5000 + "\n"  # int() reads at most 4,300 digits
    (tmp_path / "sequences.txt").write_text(SEQUENCES + long_id, encoding="utf-8")
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
        "item skipped: not valid JSON": 3,
        "item skipped: not an object": 1,
        "item skipped: item_id not a positive integer": 1,
        "item skipped: duplicate item_id": 1,
        "user skipped: fewer than 3 known items": 1,
        "user skipped: malformed line": 4,
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


def test_a_category_path_longer_than_a_tag_keeps_its_most_specific_parts(tmp_path: Path) -> None:
    # A real Amazon Beauty row: its path joined is 83 characters, a category tag at most 64.
    parts = '["Tools & Accessories", "Makeup Brushes & Tools", "Eyelash Tools", "Fake Eyelashes & Adhesives"]'
    long_part = '["Skin Care", "' + "x" * 70 + '"]'
    (tmp_path / "items.jsonl").write_text(
        f'{{"item_id": 13, "title": "Eyelashes", "brand": "", "categories": {parts}}}\n'
        f'{{"item_id": 14, "title": "Cream", "brand": "B", "categories": {long_part}}}\n',
        encoding="utf-8",
    )
    (tmp_path / "sequences.txt").write_text("u1 13 14 13\n", encoding="utf-8")
    dataset = read_dataset(tmp_path)
    lashes, cream = dataset.products[13], dataset.products[14]
    assert lashes.category == "makeup brushes & tools/eyelash tools/fake eyelashes & adhesives"
    assert lashes.description == (
        "Category: Tools & Accessories > Makeup Brushes & Tools > Eyelash Tools > Fake Eyelashes & Adhesives."
    )
    assert cream.category == "x" * 64
    assert dataset.repairs["category path longer than 64 characters shortened"] == 2
    assert dataset.sequences == {"u1": [13, 14, 13]}


def test_the_shipped_dataset_reads_in_full() -> None:
    """Its README's counts: no product of it is skipped, so no interaction and no user is lost."""
    dataset = read_dataset(ROOT / "eval" / "datasets" / "amazon-beauty")
    assert len(dataset.products) == 12_101
    assert len(dataset.sequences) == 22_363
    assert sum(map(len, dataset.sequences.values())) == 198_502
    assert not [repair for repair in dataset.repairs if "skipped" in repair]


def test_a_line_that_is_not_utf8_is_skipped_and_counted(tmp_path: Path) -> None:
    """Kept with its bytes replaced, such a line would bring a garbled title or user id in, uncounted."""
    items = [
        b'{"item_id": %d, "title": "%s", "brand": "B", "categories": ["C"]}\n' % (n, t)
        for n, t in enumerate((b"Caf\xe9 cr\xe8me", b"Tea", b"Cocoa", b"Milk"), start=1)
    ]
    (tmp_path / "items.jsonl").write_bytes(b"".join(items))
    (tmp_path / "sequences.txt").write_bytes(b"u1 2 3 4\nu\xe92 4 3 2\nu3 4 3 2\n")
    dataset = read_dataset(tmp_path)
    assert sorted(dataset.products) == [2, 3, 4]
    assert dataset.sequences == {"u1": [2, 3, 4], "u3": [4, 3, 2]}
    assert dataset.repairs == {"item skipped: not UTF-8 text": 1, "user skipped: not UTF-8 text": 1}
