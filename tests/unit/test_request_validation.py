"""The filter model validates itself: each bad value names its argument."""

import math
import sys
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest

from domain.errors import InvalidInput
from domain.filters import BlendSettings, ProductFilter, RecommendRequest, RerankSettings
from domain.validation import check_no_control_chars, check_no_control_chars_but_layout


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"min_price": -1.0}, "filters.min_price"),
        ({"max_price": -0.01}, "filters.max_price"),
        ({"min_price": 10.0, "max_price": 5.0}, "filters.min_price"),
        ({"min_rating": 5.5}, "filters.min_rating"),
        ({"min_rating": -0.1}, "filters.min_rating"),
        ({"min_price": math.nan}, "filters.min_price"),
        ({"max_price": math.inf}, "filters.max_price"),
        ({"category": "   "}, "filters.category"),
        ({"brand": ""}, "filters.brand"),
        ({"category": "x" * 65}, "filters.category"),
        ({"text_match": " \t"}, "filters.text_match"),
    ],
)
def test_bad_filters_name_the_argument(kwargs: dict[str, Any], argument: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        ProductFilter(**kwargs)
    assert caught.value.argument == argument


def test_filter_trims_text_and_accepts_equal_bounds() -> None:
    f = ProductFilter(category="  outerwear ", min_price=5.0, max_price=5.0, min_rating=0.0)
    assert f.category == "outerwear"
    assert not f.is_empty
    assert ProductFilter().is_empty


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"query": ""}, "query"),
        ({"query": "   "}, "query"),
        ({"query": "x" * 513}, "query"),
        ({"query": "ok", "k": 0}, "k"),
        ({"query": "ok", "k": 101}, "k"),
        ({"query": "ok", "user_id": "a:b"}, "user_id"),
        ({"query": "ok", "user_id": "*"}, "user_id"),
        ({"query": "ok", "user_id": "x" * 65}, "user_id"),
        ({"query": "ok", "user_id": ""}, "user_id"),
        ({"query": "ok", "ef_runtime": 0}, "ef_runtime"),
        ({"query": "ok", "ef_runtime": 1001}, "ef_runtime"),
    ],
)
def test_bad_requests_name_the_argument(kwargs: dict[str, Any], argument: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        RecommendRequest(**kwargs)
    assert caught.value.argument == argument


def test_request_trims_query_and_keeps_limits_inclusive() -> None:
    assert RecommendRequest(query="  boots  ").query == "boots"
    assert RecommendRequest(query="x" * 512, k=1).k == 1
    assert RecommendRequest(query="x", k=100, user_id="Ann.e-1@x_y").k == 100
    assert [RecommendRequest(query="x", ef_runtime=ef).ef_runtime for ef in (1, 1000, None)] == [1, 1000, None]


@pytest.mark.parametrize("weight", [-0.1, 1.01, math.nan])
def test_blend_weight_range(weight: float) -> None:
    with pytest.raises(InvalidInput) as caught:
        BlendSettings(weight=weight)
    assert caught.value.argument == "blend.weight"


def test_settings_activity() -> None:
    assert BlendSettings().active and not BlendSettings(weight=0.0, dismissed_weight=0.0).active
    assert BlendSettings(weight=0.0).active  # still steers away from dismissed products
    assert not BlendSettings(enabled=False).active
    assert RerankSettings().active and not RerankSettings(enabled=False).active
    with pytest.raises(InvalidInput):
        RerankSettings(weight=-1.0)


def _refused(check: Callable[[str, str], str], chars: list[str]) -> set[str]:
    refused = set()
    for ch in chars:
        try:
            check("text", ch)
        except InvalidInput:
            refused.add(ch)
    return refused


def test_control_characters_are_unicodes() -> None:
    """The checks' character classes are Unicode's control characters (category Cc), the layout ones aside."""
    every = [chr(code) for code in range(sys.maxunicode + 1)]
    control = {ch for ch in every if unicodedata.category(ch) == "Cc"}
    assert _refused(check_no_control_chars, every) == control
    assert _refused(check_no_control_chars_but_layout, every) == control - {"\t", "\n", "\r"}
