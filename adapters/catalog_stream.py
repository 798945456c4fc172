"""JSON Lines catalogs, read and written as a stream so a million products never sit in memory.

Line 1 is a header, `{"model": str, "dim": int}` (the same two keys as catalog.json), optionally with
`"vectors": "random"` when the embeddings are synthetic rather than the model's. Every further line is
one product object with catalog.json's product fields. Blank lines are skipped but still counted, so
a message names the line an editor shows.
"""

import hashlib
import json
from collections.abc import Generator, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.catalog_file import parse_product, product_record
from adapters.json_text import InvalidJson, loads
from adapters.text_files import numbered_lines
from domain.errors import CatalogError
from domain.models import Product, Vector

JSONL_SUFFIXES = (".jsonl", ".ndjson")


def is_jsonl(path: Path) -> bool:
    return path.suffix.lower() in JSONL_SUFFIXES


@dataclass(frozen=True)
class Record:
    """One validated product; `position` is its line (JSONL) or its number in the list (catalog.json)."""

    position: int
    product: Product
    vector: Vector


@dataclass(frozen=True)
class Header:
    model: str
    dim: int
    random_vectors: bool = False


def _loads(path: Path, number: int, line: str) -> Any:
    try:
        return loads(line)
    except InvalidJson as exc:
        raise CatalogError(f"{path} line {number}: not valid JSON ({exc})") from None


@dataclass(frozen=True)
class JsonLinesCatalog:
    """A JSON Lines catalog made with the same model and dimension as the server."""

    path: Path
    model: str
    dim: int

    def _lines(self) -> Generator[tuple[int, str], None, None]:
        """(number, text) of every line, decoded one by one so that a byte that is not UTF-8 is named by its line."""
        try:
            raw = self.path.open("rb")
        except FileNotFoundError:
            raise CatalogError(f"{self.path}: no such file") from None
        with raw:
            yield from numbered_lines(raw, self._not_text)

    def _not_text(self, number: int, exc: UnicodeDecodeError) -> None:
        raise CatalogError(f"{self.path} line {number}: not UTF-8 text ({exc.reason})") from None

    def _header(self, first: str) -> Header:
        document = _loads(self.path, 1, first)
        if not isinstance(document, dict) or "model" not in document or "dim" not in document:
            raise CatalogError(f'{self.path} line 1: expected the header {{"model": ..., "dim": ...}}')
        if document["model"] != self.model:
            raise CatalogError(f"{self.path} line 1: made with model {document['model']!r}, expected {self.model!r}")
        if document["dim"] != self.dim:
            raise CatalogError(f"{self.path} line 1: dim is {document['dim']!r}, expected {self.dim}")
        return Header(self.model, self.dim, random_vectors=document.get("vectors") == "random")

    def header(self) -> Header:
        with closing(self._lines()) as lines:
            return self._header(next(lines, (1, ""))[1])

    def records(self, after: int = 0) -> Iterator[Record]:
        """Validated products on the lines after line `after`; stops at the first bad line.

        Lines up to `after` are skipped unparsed: a resumed load validated them on its first pass.
        """
        with closing(self._lines()) as lines:
            self._header(next(lines, (1, ""))[1])
            ordinal = 0
            for number, line in lines:
                if not line.strip():
                    continue
                ordinal += 1
                if number <= after:
                    continue
                record = _loads(self.path, number, line)
                try:
                    product, vector = parse_product(record, ordinal, self.dim)
                except CatalogError as exc:
                    raise CatalogError(f"{self.path} line {number}: {exc}") from None
                assert vector is not None  # parse_product decodes it whenever dim is given
                yield Record(number, product, vector)

    def validate(self) -> Iterator[Record]:
        """`records()` plus the check that ids are unique across the whole file."""
        seen: set[str] = set()
        for record in self.records():
            if record.product.id in seen:
                raise CatalogError(f"{self.path} line {record.position}: product {record.product.id!r}: duplicate id")
            seen.add(record.product.id)
            yield record


def write_jsonl(path: Path, header: Header, items: Iterable[tuple[Product, Vector]]) -> int:
    """Write the header and `items` line by line; the file appears complete or not at all."""
    head: dict[str, Any] = {"model": header.model, "dim": header.dim}
    if header.random_vectors:
        head["vectors"] = "random"
    tmp = path.with_name(path.name + ".tmp")
    count = 0
    with tmp.open("w", encoding="utf-8") as out:
        out.write(json.dumps(head) + "\n")
        for product, vector in items:
            out.write(json.dumps(product_record(product, vector), ensure_ascii=False) + "\n")
            count += 1
    tmp.replace(path)
    return count


def fingerprint(path: Path, chunk: int = 1 << 20) -> str:
    """Identifies a file by its whole content, so a resume cannot mix two versions of it: an edit anywhere
    changes it. Reading the file once more costs a small share of loading or importing it (benchmarks-history)."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as raw:
        while block := raw.read(chunk):
            digest.update(block)
            size += len(block)
    return f"{size}:{digest.hexdigest()[:32]}"
