import math

import numpy as np
import pytest

from domain.vectors import blend, ewma, normalise


def unit(*values: float) -> np.ndarray:
    return normalise(np.array(values, dtype=np.float32))


def test_normalise_gives_unit_length_float32() -> None:
    v = normalise(np.array([3.0, 4.0], dtype=np.float32))
    assert v.dtype == np.float32
    assert np.allclose(v, [0.6, 0.8])


def test_normalise_rejects_zero_vector() -> None:
    with pytest.raises(ValueError):
        normalise(np.zeros(3, dtype=np.float32))


def test_blend_mixes_query_and_session_then_normalises() -> None:
    q, s = unit(1, 0), unit(0, 1)
    got = blend(q, s, 0.3)
    expected = np.array([0.7, 0.3]) / math.hypot(0.7, 0.3)
    assert np.allclose(got, expected, atol=1e-6)


@pytest.mark.parametrize("weight", [0.0, -0.5])
def test_blend_is_off_for_non_positive_weight(weight: float) -> None:
    q = unit(1, 2)
    assert np.allclose(blend(q, unit(0, 1), weight), q)


def test_blend_without_session_is_the_query() -> None:
    q = unit(1, 2)
    assert np.allclose(blend(q, None, 0.3), q)


def test_first_click_is_the_clicked_vector() -> None:
    clicked = unit(1, 1, 0)
    assert np.allclose(ewma(None, clicked), clicked)


def test_click_ewma_weights_the_new_click_by_alpha() -> None:
    previous, clicked = unit(1, 0), unit(0, 1)
    got = ewma(previous, clicked, alpha=0.4)
    expected = np.array([0.6, 0.4]) / math.hypot(0.6, 0.4)
    assert np.allclose(got, expected, atol=1e-6)
    assert math.isclose(float(np.linalg.norm(got)), 1.0, rel_tol=1e-6)


def test_repeated_clicks_converge_to_the_clicked_item() -> None:
    session, target = unit(1, 0), unit(0, 1)
    for _ in range(30):
        session = ewma(session, target)
    assert float(np.dot(session, target)) > 0.999
