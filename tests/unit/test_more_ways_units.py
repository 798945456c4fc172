"""Pure parts of the newer recommendation paths: MMR and caps, reciprocal rank fusion, page rules, signed cursors."""

import numpy as np
import pytest

from adapters.cursor_signing import SignedCursors
from adapters.redis.search_query import keyword_query
from domain.diversity import DiversitySettings, pool_size, select
from domain.errors import InvalidInput
from domain.models import Product
from domain.pipeline.fusion import fuse, rrf_scores
from domain.pipeline.pager import MAX_DEPTH, PageState, page_size, resume
from domain.text import keyword_terms


def _product(i: int, category: str, brand: str = "b") -> Product:
    return Product(f"p{i}", "n", "d", category, brand, 1.0, 1.0, True)


def _unit(*values: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_mmr_keeps_order_at_zero_and_spreads_at_one() -> None:
    products = [_product(i, c) for i, c in enumerate("aaab")]
    vectors = [_unit(1, 0), _unit(1, 0.01), _unit(1, 0.02), _unit(0, 1)]
    relevance = [0.9, 0.89, 0.88, 0.5]
    assert [p.index for p in select(products, relevance, vectors, k=4, settings=DiversitySettings(0.0))] == [0, 1, 2, 3]
    spread = select(products, relevance, vectors, k=2, settings=DiversitySettings(1.0))
    assert [p.index for p in spread] == [0, 3] and spread[0].penalty == 0.0
    capped = select(products, relevance, vectors, k=4, settings=DiversitySettings(0.0, max_per_category=2))
    assert [p.index for p in capped] == [0, 1, 3]


def test_diversity_settings_name_the_bad_argument() -> None:
    for kwargs, argument in [
        ({"weight": 1.01}, "diversity.weight"),
        ({"max_per_category": 0}, "diversity.max_per_category"),
        ({"max_per_brand": -1}, "diversity.max_per_brand"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            DiversitySettings(**kwargs)  # type: ignore[arg-type]
        assert caught.value.argument == argument
    assert pool_size(10) == 40 and pool_size(1) == 31 and pool_size(100) == 300


def test_rrf_rewards_agreement() -> None:
    scores = rrf_scores(["a", "b", "c"], ["c", "a"], k=60)
    assert scores["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert [item for item, _ in fuse(["a", "b", "c"], ["c", "a"])] == ["a", "c", "b"]


def test_cursors_round_trip_and_refuse_tampering() -> None:
    codec = SignedCursors("s" * 32)
    state = PageState("f" * 24, ("p1", "p2"), 1000.0)
    cursor = codec.encode(state)
    assert codec.decode(cursor) == state and "p1" not in cursor
    for bad in [cursor[:-1] + ("A" if cursor[-1] != "A" else "B"), "x" + cursor, "nonsense", ""]:
        with pytest.raises(InvalidInput):
            codec.decode(bad)
    with pytest.raises(InvalidInput):
        SignedCursors("t" * 32).decode(cursor)  # another server's key


def test_cursor_expiry_fingerprint_and_depth() -> None:
    codec = SignedCursors("s" * 32)
    cursor = codec.encode(PageState("fp", ("p1",), 1000.0))
    assert resume(codec.decode(cursor), "fp", 1000.0 + 1800, ttl_s=1800) == ("p1",)
    with pytest.raises(InvalidInput, match="expired"):
        resume(codec.decode(cursor), "fp", 1000.0 + 1801, ttl_s=1800)
    with pytest.raises(InvalidInput, match="another request"):
        resume(codec.decode(cursor), "other", 1000.0, ttl_s=1800)
    assert page_size(100, 450) == 50 and page_size(10, MAX_DEPTH) == 0


@pytest.mark.parametrize(
    ("words", "clause", "expected"),
    [
        (["snorkel", "hood"], "*", "@name|description:(snorkel|hood)"),
        (["4k60", "4k60"], "@category:{electronics}", "(@name|description:(4k60)) @category:{electronics}"),
    ],
)
def test_keyword_query_renders_a_union_within_the_filter(words: list[str], clause: str, expected: str) -> None:
    assert keyword_query(words, clause) == expected


def test_keyword_terms_drop_stop_words_unless_nothing_else_is_left() -> None:
    assert keyword_terms("a tent for the rain, 2-person") == ["tent", "rain", "2", "person"]
    assert keyword_terms("for the") == ["for", "the"]
