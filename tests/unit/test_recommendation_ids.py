"""Recommendation ids: what they claim, what they refuse, and how long they are."""

import base64

import pytest

from adapters.cursor_signing import SignedCursors
from adapters.recommendation_ids import SignedRecommendationIds
from domain.attribution import ServedPage
from domain.pipeline.pager import PageState

SECRET = "a-secret-of-sixteen-or-more"
PAGE = ServedPage("home", "b", 1_765_000_000.9, ("p001", "p002", "p003"))


def _flip(text: str, at: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    raw[at] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def test_an_id_claims_each_product_of_its_page_at_its_position() -> None:
    ids = SignedRecommendationIds(SECRET)
    token = ids.issue(PAGE)
    claims = [ids.claim(token, pid) for pid in PAGE.product_ids]
    assert [c.position for c in claims if c] == [1, 2, 3]
    first = claims[0]
    assert first is not None and (first.scenario, first.variant, first.issued_at) == ("home", "b", 1_765_000_000.0)
    assert len({c.page for c in claims if c}) == 1
    assert ids.claim(token, "p004") is None


def test_every_page_gets_its_own_id_and_page_key() -> None:
    ids = SignedRecommendationIds(SECRET)
    a, b = ids.issue(PAGE), ids.issue(PAGE)
    claim_a, claim_b = ids.claim(a, "p001"), ids.claim(b, "p001")
    assert a != b and claim_a is not None and claim_b is not None and claim_a.page != claim_b.page


def test_pages_without_a_scenario_round_trip_as_none() -> None:
    ids = SignedRecommendationIds(SECRET)
    claim = ids.claim(ids.issue(ServedPage(None, None, 5.0, ("p9",))), "p9")
    assert claim is not None and (claim.scenario, claim.variant) == (None, None)


@pytest.mark.parametrize("at", [0, 1, 6, 14, 20, -1])
def test_any_changed_byte_is_refused(at: int) -> None:
    ids = SignedRecommendationIds(SECRET)
    assert ids.claim(_flip(ids.issue(PAGE), at), "p001") is None


@pytest.mark.parametrize("text", ["", "x", "not base64!", "é" * 10, "A" * 5000, "AAAA.BBBB"])
def test_garbage_is_refused(text: str) -> None:
    assert SignedRecommendationIds(SECRET).claim(text, "p001") is None


def test_ids_of_another_secret_and_cursors_are_refused_and_ids_are_not_cursors() -> None:
    ids, cursors = SignedRecommendationIds(SECRET), SignedCursors(SECRET)
    assert ids.claim(SignedRecommendationIds("another-secret-entirely").issue(PAGE), "p001") is None
    assert ids.claim(cursors.encode(PageState("f", ("p001",), 1.0)), "p001") is None
    with pytest.raises(Exception, match="not a cursor"):
        cursors.decode(ids.issue(PAGE))


def test_a_hundred_item_page_id_stays_under_500_characters() -> None:
    page = ServedPage("homepage-feed", "variant-b", 1_765_000_000.0, tuple(f"product-{i:06d}" for i in range(100)))
    ids = SignedRecommendationIds(SECRET)
    token = ids.issue(page)
    assert len(token) < 500
    claim = ids.claim(token, "product-000099")
    assert claim is not None and claim.position == 100
