"""l2_normalise: unit rows as float32, all-zero rows refused or kept."""

import numpy as np
import pytest

from core.vectors import ZERO_VECTOR, ZeroVectorError, l2_normalise


def test_rows_become_unit_float32_vectors():
    out = l2_normalise([[3.0, 4.0], [0.0, 2.0]])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 1.0]], rtol=1e-6)


def test_a_single_vector_is_normalised_along_its_only_axis():
    out = l2_normalise(np.array([1.0, 2.0, 2.0]))
    assert out.shape == (3,)
    np.testing.assert_allclose(out, [1 / 3, 2 / 3, 2 / 3], rtol=1e-6)


def test_an_all_zero_vector_is_refused_by_default():
    with pytest.raises(ZeroVectorError, match=ZERO_VECTOR):
        l2_normalise([[1.0, 0.0], [0.0, 0.0]])


def test_keep_zeros_leaves_zero_rows_zero_and_normalises_the_rest():
    out = l2_normalise(np.array([[0.0, 0.0], [0.0, 5.0]], dtype=np.float32), keep_zeros=True)
    assert np.array_equal(out, np.array([[0.0, 0.0], [0.0, 1.0]], dtype=np.float32))
    assert not np.isnan(out).any()


def test_float64_is_computed_in_float64_when_asked():
    vector = np.array([1.0, 1e-9, 1.0])
    out = l2_normalise(vector, dtype=np.float64)
    assert out.dtype == np.float64
    assert out[1] == 1e-9 / np.sqrt(2.0 + 1e-18)
