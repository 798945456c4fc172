"""How a user's features are laid out in Redis, without Redis: the vectors string at reduced precision,
the hash with one shared affinity time, and the history entries (the store itself: test_user_store)."""

import numpy as np
import pytest

from adapters.redis.user_history import decode_event, encode_event
from adapters.redis.user_vectors import from_vectors_bytes, to_vectors_bytes
from adapters.redis.users import features_from_hash, features_to_hash
from domain.events import Event, EventKind, EventPolicy
from domain.models import Product, UserFeatures, Vector
from domain.session import apply_event, decay_to
from domain.vectors import normalise

DAY = 24 * 3600.0
POLICY = EventPolicy()
KINDS = list(EventKind)


def _units(count: int, dim: int = 384, seed: int = 7) -> list[Vector]:
    rng = np.random.default_rng(seed)
    return [normalise(v) for v in rng.standard_normal((count, dim)).astype(np.float32)]


def _as_stored(features: UserFeatures) -> UserFeatures:
    """What a read gives back after a write: the hash and the vectors string, decoded."""
    fields = {name: value.encode() for name, value in features_to_hash(features).items()}
    return features_from_hash(
        features.user_id, fields, to_vectors_bytes(features.session_vector, features.dismissed_vector)
    )


def _replay(events: int, *, stored: bool) -> UserFeatures:
    """`events` events on random products in 12 categories, each applied to what the last write stored
    (`stored`) or to the exact float32 features."""
    vectors = _units(300)
    features = UserFeatures("u")
    for n in range(events):
        product = Product(f"p{n % 300}", "n", "d", f"c{n % 12}", "b", 1.0, 4.0, True)
        event = Event(product.id, KINDS[n % len(KINDS)], 1_765_000_000.0 + 600.0 * n)
        features = apply_event(features, product, vectors[(n * 7) % 300], event, POLICY)
        features = _as_stored(features) if stored else features
    return features


def test_the_stored_vectors_stay_within_the_stated_cosine_of_float32_after_many_events() -> None:
    exact, stored = _replay(500, stored=False), _replay(500, stored=True)
    assert exact.session_vector is not None and stored.session_vector is not None
    assert exact.dismissed_vector is not None and stored.dismissed_vector is not None
    # The session vector is the direction of the KNN query: float16 keeps it well inside 1 - 1e-4.
    assert float(np.dot(exact.session_vector, stored.session_vector)) > 0.9999
    # The dismissed vector, at int8, only pulls the query away, by a weight of at most 1.
    assert float(np.dot(exact.dismissed_vector, stored.dismissed_vector)) > 0.9998
    for vector in (stored.session_vector, stored.dismissed_vector):
        assert vector.dtype == np.float32 and float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-6)
    assert stored.affinities == pytest.approx(exact.affinities, rel=1e-12)


@pytest.mark.parametrize("present", [(True, True), (True, False), (False, True)])
def test_the_vectors_string_holds_whichever_vectors_exist(present: tuple[bool, bool]) -> None:
    session, dismissed = (v if keep else None for v, keep in zip(_units(2, dim=8), present, strict=True))
    raw = to_vectors_bytes(session, dismissed)
    assert len(raw) == 1 + 16 * present[0] + (4 + 8) * present[1]  # flags, float16 values, int8 with a scale
    got = from_vectors_bytes(raw)
    for before, after in zip((session, dismissed), got, strict=True):
        assert (after is None) == (before is None)
        if before is not None and after is not None:
            assert np.allclose(before, after, atol=2e-2) and float(np.dot(before, after)) > 0.999
    assert to_vectors_bytes(None, None) == b""


@pytest.mark.parametrize("raw", [b"\x00", b"\x04" + bytes(16), b"\x01" + bytes(15), b"\x02" + bytes(4), b"\x03\x00"])
def test_a_malformed_vectors_string_is_a_clear_error(raw: bytes) -> None:
    with pytest.raises(ValueError, match="not a user's vectors string"):
        from_vectors_bytes(raw)


def test_one_shared_affinity_time_decays_exactly_as_a_time_per_category() -> None:
    per_category = UserFeatures(
        "u", affinities={"a": 3.0, "b": 1.5, "c": 0.25}, affinity_times={"a": 0.0, "b": 2 * DAY, "c": 9 * DAY}
    )
    written = decay_to(per_category, 10 * DAY, POLICY.half_life_s)  # what every event does before it writes
    fields = features_to_hash(written)
    assert fields["aft"] == repr(10 * DAY) and not [name for name in fields if name.startswith("aft:")]
    read = _as_stored(written)
    for later in (10 * DAY, 11 * DAY, 40 * DAY):
        expected = decay_to(per_category, later, POLICY.half_life_s).affinities
        assert decay_to(read, later, POLICY.half_life_s).affinities == pytest.approx(expected, rel=1e-12)


def test_features_with_times_that_differ_round_trip_exactly() -> None:
    features = UserFeatures(
        "u",
        clicks=2,
        events=5,
        affinities={"a": 1.0 / 3.0, "b": 2.0, "c": 0.0},
        affinity_times={"a": 5.5, "b": 7.25, "c": 7.25},
        last_clicked_id="p1",
        last_clicked_category="a",
    )
    fields = features_to_hash(features)
    assert (fields["aft"], fields["aft:a"]) == ("7.25", "5.5") and "aft:b" not in fields
    assert _as_stored(features) == features
    assert all(len(value) <= 64 for value in fields.values())  # the hash stays a listpack


def test_history_entries_are_short_and_earlier_entries_still_read() -> None:
    event = Event("p-01|x", EventKind.ADD_TO_CART, 1_765_000_000.123)
    entry = encode_event(event)
    assert entry == "Amitvfg57|p-01|x" and decode_event(entry.encode()) == event
    assert decode_event(b"P|1765000000123|p-01|x") == Event("p-01|x", EventKind.PURCHASE, 1_765_000_000.123)
    assert decode_event(encode_event(Event("p", EventKind.DISMISS, 0.0)).encode()) == Event("p", EventKind.DISMISS, 0.0)
