import os
import re

import numpy as np
import pytest

from gradiente.datasets import digits


def test_shapes_dtypes_and_values():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1437, 8, 8) and x_test.shape == (360, 8, 8)
    assert y_train.shape == (1437,) and y_test.shape == (360,)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    x = np.concatenate([x_train, x_test])
    y = np.concatenate([y_train, y_test])
    assert x.min() == 0 and x.max() == 16
    # The UCI test file's class counts.
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_first_sample_is_the_known_zero():
    (x, y), _ = digits.load_data(test_split=0.0, seed=0)
    everything = np.concatenate([x.reshape(len(x), -1), y[:, None]], axis=1)
    zero = [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0, 0, 3, 15, 2, 0, 11, 8, 0, 0, 4,
            12, 0, 0, 8, 8, 0, 0, 5, 8, 0, 0, 9, 8, 0, 0, 4, 11, 0, 1, 12, 7, 0, 0, 2, 14, 5, 10,
            12, 0, 0, 0, 0, 6, 13, 10, 0, 0, 0, 0]
    assert any((row == zero).all() for row in everything)


def test_split_is_deterministic_and_seed_dependent():
    (a, ya), (b, yb) = digits.load_data(seed=113)
    (c, yc), (d, yd) = digits.load_data(seed=113)
    assert np.array_equal(a, c) and np.array_equal(yb, yd)
    (e, _), _ = digits.load_data(seed=7)
    assert not np.array_equal(a, e)


def test_test_split_fraction_and_validation():
    (x_train, _), (x_test, _) = digits.load_data(test_split=0.5)
    assert len(x_train) == 898 and len(x_test) == 899
    (x_train, _), (x_test, _) = digits.load_data(test_split=0)
    assert len(x_train) == 1797 and len(x_test) == 0
    for bad in (1.0, -0.1, True, "0.2"):
        with pytest.raises(ValueError, match="`test_split` must be a fraction in"):
            digits.load_data(test_split=bad)
    with pytest.raises(ValueError, match="`seed` must be an int"):
        digits.load_data(seed=None)


def test_data_file_is_shipped_with_its_credit():
    data_dir = os.path.join(os.path.dirname(digits.__file__), "data")
    assert os.path.getsize(os.path.join(data_dir, "digits.npz")) < 100_000
    note = open(os.path.join(data_dir, "README.md")).read()
    assert "Alpaydin" in note and "Kaynak" in note and "CC BY 4.0" in note
    pyproject = open(os.path.join(os.path.dirname(__file__), "..", "..", "pyproject.toml")).read()
    assert re.search(r'gradiente = \[[^\]]*"datasets/data/\*"', pyproject)
