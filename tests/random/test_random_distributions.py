"""keras.random's samplers: shapes, dtypes and moments on large samples with fixed seeds.

The cases follow Keras 3's random_test.py (same shapes, parameters and tolerances where it
checks values); moments are checked against the distributions' closed forms.
"""
import math

import numpy as np
import pytest

import gradiente as keras
from gradiente import ops, random


def _np(x):
    return ops.convert_to_numpy(x)


@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 3, 4), [2, 3], ()])
@pytest.mark.parametrize("fn", ["normal", "uniform", "truncated_normal"])
def test_shape_and_default_dtype(fn, shape):
    out = getattr(random, fn)(shape, seed=10)
    assert isinstance(out, keras.Tensor)
    assert out.shape == tuple(shape)
    assert out.dtype == np.float32


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_float_samplers_keep_the_dtype_asked_for(dtype):
    assert random.normal((2, 3), dtype=dtype).dtype == dtype
    assert random.uniform((2, 3), dtype=dtype).dtype == dtype
    assert random.truncated_normal((2, 3), dtype=dtype).dtype == dtype
    assert random.gamma((2, 3), 2.0, dtype=dtype).dtype == dtype
    assert random.binomial((2,), 1e5, 0.5, dtype=dtype).dtype == dtype
    assert random.beta((2, 3), 2.0, 3.0, dtype=dtype).dtype == dtype
    assert random.dropout(ops.ones((3, 5), dtype=dtype), rate=0.8, seed=0).dtype == dtype


def test_floatx_is_the_default_dtype():
    keras.backend.set_floatx("float64")
    try:
        assert random.normal((2,)).dtype == np.float64
        assert random.uniform((2,)).dtype == np.float64
    finally:
        keras.backend.set_floatx("float32")


@pytest.mark.parametrize("mean, stddev", [(0.0, 1.0), (10.0, 1.0), (10.0, 3.0)])
def test_normal_moments(mean, stddev):
    x = _np(random.normal((200_000,), mean=mean, stddev=stddev, dtype="float64", seed=10))
    assert abs(x.mean() - mean) < 0.02 * stddev
    assert abs(x.std() - stddev) < 0.01 * stddev


@pytest.mark.parametrize("minval, maxval", [(0, 1), (0, 2), (-1, 1), (1, 3)])
def test_uniform_range_and_moments(minval, maxval):
    x = _np(random.uniform((200_000,), minval=minval, maxval=maxval, seed=10))
    assert x.min() >= minval and x.max() < maxval
    width = maxval - minval
    assert abs(x.mean() - (minval + maxval) / 2) < 0.01 * width
    assert abs(x.var() - width**2 / 12) < 0.01 * width**2 / 12 * 2


def test_uniform_never_reaches_maxval_after_rounding():
    # float16 has 11 bits of precision: about one draw in 4000 rounds up to 1.0 if unguarded.
    x = _np(random.uniform((200_000,), dtype="float16", seed=3))
    assert x.max() < 1.0 and x.min() >= 0.0


@pytest.mark.parametrize("mean, stddev", [(0.0, 1.0), (10.0, 3.0)])
def test_truncated_normal_stays_within_two_stddevs(mean, stddev):
    x = _np(random.truncated_normal((200_000,), mean=mean, stddev=stddev, dtype="float64", seed=10))
    assert x.min() >= mean - 2 * stddev and x.max() <= mean + 2 * stddev
    # Standard normal truncated at ±2: variance 1 - 2·2·φ(2) / (Φ(2) - Φ(-2)).
    phi2 = math.exp(-2) / math.sqrt(2 * math.pi)
    mass = math.erf(2 / math.sqrt(2))
    expected_std = stddev * math.sqrt(1 - 4 * phi2 / mass)
    assert abs(x.mean() - mean) < 0.01 * stddev
    assert abs(x.std() - expected_std) < 0.01 * stddev


@pytest.mark.parametrize("shape, low, high, dtype", [
    ((5,), 0, 10, "uint16"), ((2, 3), 0, 10, "uint32"), ((2, 3, 4), 0, 2, "int8"),
    ((2, 3), -1, 1, "int16"), ((2, 3), 1, 3, "int32"), ((2, 3), 0, 10, "int64"),
])
def test_randint_shape_range_and_dtype(shape, low, high, dtype):
    out = random.randint(shape, minval=low, maxval=high, seed=10, dtype=dtype)
    assert out.shape == shape and out.dtype == dtype
    values = _np(out)
    assert values.min() >= low and values.max() < high


def test_randint_is_uniform_over_its_range():
    x = _np(random.randint((100_000,), 0, 10, seed=1))
    assert x.dtype == np.int32
    counts = np.bincount(x, minlength=10)
    assert counts.shape == (10,) and np.all(np.abs(counts / x.size - 0.1) < 0.005)


@pytest.mark.parametrize("num_samples, batch_size", [(1, 1), (5, 2), (10, 4), (15, 8)])
def test_categorical_picks_the_dominant_class(num_samples, batch_size):
    # After a softmax each row puts all its mass on its own index.
    logits = np.eye(batch_size) * 1e5 + 1e6
    out = random.categorical(logits, num_samples, seed=10)
    assert out.shape == (batch_size, num_samples) and out.dtype == np.int32
    np.testing.assert_array_equal(_np(out), np.tile(np.arange(batch_size)[:, None], (1, num_samples)))


def test_categorical_frequencies_follow_the_softmax():
    logits = np.log(np.array([[0.2, 0.3, 0.5], [0.7, 0.1, 0.2]]))
    out = _np(random.categorical(keras.ops.convert_to_tensor(logits), 50_000, seed=4))
    for row, probs in zip(out, np.exp(logits)):
        np.testing.assert_allclose(np.bincount(row, minlength=3) / row.size, probs, atol=0.01)


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32"])
def test_integer_dtypes_of_randint_and_categorical(dtype):
    assert random.randint((2, 3), 0, 10, dtype=dtype).dtype == dtype
    assert random.categorical(np.eye(4) * 1e5 + 1e6, 10, dtype=dtype).dtype == dtype


@pytest.mark.parametrize("shape, alpha, dtype", [((5, 2), 2.0, "float16"), ((2,), 1.5, "float32"),
                                                  ((2, 3), 0.5, "float32")])
def test_gamma_shape_dtype_and_positivity(shape, alpha, dtype):
    out = random.gamma(shape, alpha=alpha, seed=10, dtype=dtype)
    assert ops.shape(out) == shape and out.dtype == dtype
    assert _np(out).min() > 0


@pytest.mark.parametrize("alpha", [0.5, 2.0, 7.0])
def test_gamma_moments(alpha):
    x = _np(random.gamma((200_000,), alpha, dtype="float64", seed=5))
    # Gamma(alpha, 1): mean and variance both alpha.
    assert abs(x.mean() - alpha) < 0.01 * alpha + 0.005
    assert abs(x.var() - alpha) < 0.03 * alpha


@pytest.mark.parametrize("shape, counts, probabilities, dtype", [
    ((5, 2), 5e4, 0.5, "float16"),
    ((2,), 1e5, 0.5, "float32"),
    ((2, 3), [[1e5, 2e5, 3e5], [4e5, 5e5, 6e5]], [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], "float32"),
])
def test_binomial_counts_and_probabilities(shape, counts, probabilities, dtype):
    keras.utils.set_random_seed(1337)
    out = random.binomial(shape=shape, counts=counts, probabilities=probabilities, seed=10, dtype=dtype)
    assert ops.shape(out) == shape and out.dtype == dtype
    values = _np(out).astype(np.float64)
    assert np.all(values <= np.array(counts))
    np.testing.assert_allclose(values / np.array(counts), np.ones(shape) * np.array(probabilities),
                               rtol=0.005, atol=0.005)


def test_binomial_takes_integer_dtypes_and_tensors():
    out = random.binomial((1000,), ops.convert_to_tensor(np.array(10)), 0.3, dtype="int32", seed=2)
    assert out.dtype == np.int32
    assert abs(_np(out).mean() - 3.0) < 0.15


@pytest.mark.parametrize("shape, alpha, beta, dtype", [
    ((10000,), 3.0, 2.0, "float16"),
    ((10000, 3), [[7.0, 0.5, 1.5]], [[15.0, 0.9, 4.5]], "float32"),
    ((10000, 30), 1.0, 1.0, "float32"),
])
def test_beta_moments(shape, alpha, beta, dtype):
    keras.utils.set_random_seed(1337)
    out = random.beta(shape=shape, alpha=alpha, beta=beta, seed=10, dtype=dtype)
    assert ops.shape(out) == shape and out.dtype == dtype
    values = _np(out).astype(np.float64)
    assert values.min() >= 0 and values.max() <= 1
    a, b = np.array(alpha), np.array(beta)
    mean, var = a / (a + b), a * b / ((a + b) ** 2 * (a + b + 1))
    if a.ndim:  # one (alpha, beta) per column
        np.testing.assert_allclose(values.mean(axis=0), mean.ravel(), atol=0.005, rtol=0.005)
        np.testing.assert_allclose(values.var(axis=0), var.ravel(), atol=0.005, rtol=0.005)
    else:
        assert abs(values.mean() - mean) < 0.005
        assert abs(values.var() - var) < 0.005


def test_dropout_rates_zero_half_and_one():
    x = ops.ones((10, 10))
    np.testing.assert_array_equal(_np(random.dropout(x, rate=0, seed=0)), _np(x))
    half = _np(random.dropout(x, rate=0.5, seed=0))
    assert half.max() == pytest.approx(2.0)
    assert np.sum(half == 0) > 2
    assert set(np.unique(half)) <= {0.0, 2.0}
    np.testing.assert_array_equal(_np(random.dropout(x, rate=1.0, seed=0)), np.zeros((10, 10)))


def test_dropout_keeps_about_one_minus_rate():
    out = _np(random.dropout(np.ones((400, 250), np.float32), rate=0.3, seed=1))
    assert abs((out != 0).mean() - 0.7) < 0.01
    np.testing.assert_allclose(out[out != 0], 1 / 0.7, rtol=1e-6)


def test_dropout_noise_shape_shares_the_mask():
    x = random.dropout(ops.ones((2, 3, 5, 7)), rate=0.3, noise_shape=[None, 3, 5, None], seed=0)
    assert x.shape == (2, 3, 5, 7)
    shared = _np(random.dropout(ops.ones((4, 6, 8)), rate=0.5, noise_shape=(None, 1, None), seed=3))
    assert np.array_equal(shared, np.broadcast_to(shared[:, :1, :], shared.shape))


def test_dropout_gradient_is_the_kept_mask_scaled():
    x = keras.Variable(np.arange(1, 41, dtype=np.float32).reshape(5, 8))
    with keras.GradientTape() as tape:
        y = random.dropout(x, rate=0.25, seed=7)
        loss = ops.sum(y)
    grad = _np(tape.gradient(loss, x))
    out = _np(y)
    np.testing.assert_allclose(grad, (out != 0) / 0.75, rtol=1e-6)


@pytest.mark.parametrize("axis, kept_axis", [(0, 0), (1, 1), (-1, 1)])
def test_shuffle_moves_entries_only_along_its_axis(axis, kept_axis):
    x = np.arange(100).reshape(10, 10)
    y = _np(random.shuffle(x, axis=axis, seed=0))
    assert y.dtype == x.dtype and not np.array_equal(x, y)
    # Sums across the shuffled axis are unchanged; sums along it are not.
    np.testing.assert_array_equal(x.sum(axis=kept_axis), y.sum(axis=kept_axis))
    assert not np.array_equal(x.sum(axis=1 - kept_axis), y.sum(axis=1 - kept_axis))
    np.testing.assert_array_equal(np.sort(y, axis=axis), np.sort(x, axis=axis))


def test_keras_random_is_exported():
    assert keras.random is random
    assert keras.random.SeedGenerator is random.SeedGenerator
