"""Every reader of a user's text file reads a UTF-8 byte-order mark at its start as nothing: Windows editors
(Notepad, Excel's "CSV UTF-8") save files that way, and the mark used to cost the first line or the whole file."""

import codecs
from pathlib import Path

from adapters.catalog_file import JsonCatalog, read_products
from adapters.catalog_stream import Header, JsonLinesCatalog
from adapters.event_file import read_events
from adapters.sequence_dataset import read_dataset
from adapters.synthetic_catalog import synthetic_catalog
from eval.offline_scenarios import read_scenarios
from tests.clock import START
from tests.conftest import CATALOG
from tests.event_lines import event_lines, write_events
from tests.load_runs import DIM, MODEL, synthetic_file


def marked(path: Path) -> Path:
    """`path` with a byte-order mark put in front of its bytes."""
    path.write_bytes(codecs.BOM_UTF8 + path.read_bytes())
    return path


def test_a_catalog_json_reads_as_without_the_mark(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    path.write_bytes(CATALOG.read_bytes())
    marked(path)
    expected = [product for product, _ in JsonCatalog(CATALOG, MODEL, DIM).load()]
    assert [product for product, _ in JsonCatalog(path, MODEL, DIM).load()] == expected
    assert read_products(path) == expected  # build-catalog's reader


def test_a_json_lines_catalog_keeps_its_header(tmp_path: Path) -> None:
    path = synthetic_file(tmp_path, 3, seed=1)
    items = list(synthetic_catalog(3, seed=1))
    catalog = JsonLinesCatalog(marked(path), MODEL, DIM)
    assert catalog.header() == Header(MODEL, DIM, random_vectors=True)
    assert [(r.position, r.product) for r in catalog.validate()] == [(n + 2, p) for n, (p, _) in enumerate(items)]


def test_an_event_file_keeps_its_first_event(tmp_path: Path) -> None:
    lines = event_lines(users=2, per_user=2)
    plain = read_events(write_events(tmp_path / "plain.jsonl", lines), START)
    assert read_events(marked(write_events(tmp_path / "events.jsonl", lines)), START) == plain


def _dataset(folder: Path) -> Path:
    items = (f'{{"item_id": {n}, "title": "Item {n}", "brand": "B", "categories": ["C"]}}\n' for n in (1, 2, 3))
    (folder / "items.jsonl").write_text("".join(items), encoding="utf-8")
    (folder / "sequences.txt").write_text("u1 1 2 3\nu2 3 2 1\n", encoding="utf-8")
    return folder


def test_a_dataset_keeps_its_first_item(tmp_path: Path) -> None:
    marked(_dataset(tmp_path) / "items.jsonl")
    dataset = read_dataset(tmp_path)
    assert sorted(dataset.products) == [1, 2, 3] and not dataset.repairs


def test_a_dataset_keeps_its_first_user(tmp_path: Path) -> None:
    marked(_dataset(tmp_path) / "sequences.txt")
    dataset = read_dataset(tmp_path)
    assert dataset.sequences == {"u1": [1, 2, 3], "u2": [3, 2, 1]} and not dataset.repairs


def test_a_scenario_file_reads(tmp_path: Path) -> None:
    path = tmp_path / "scenarios.json"
    path.write_text('[{"name": "home", "k": 5}]', encoding="utf-8")
    assert read_scenarios(marked(path)) == [{"name": "home", "k": 5}]
