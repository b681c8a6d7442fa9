"""gradiente.initializers: every alias, seeding, and the statistics each one promises."""
import math

import numpy as np
import pytest

from gradiente import backend, initializers
from gradiente.layers import Dense

ALIASES = ["zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal",
           "variance_scaling", "glorot_uniform", "glorot_normal", "he_normal", "he_uniform",
           "lecun_normal", "lecun_uniform", "orthogonal", "identity"]
RANDOM = ["random_normal", "random_uniform", "truncated_normal", "variance_scaling", "glorot_uniform",
          "glorot_normal", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform", "orthogonal"]


@pytest.mark.parametrize("name", ALIASES)
def test_every_alias_gives_the_shape_and_dtype(name):
    init = initializers.get(name)
    for dtype in ("float32", "float64"):
        w = init((6, 4), dtype=dtype)
        assert w.shape == (6, 4) and w.dtype == np.dtype(dtype)
        assert np.all(np.isfinite(w))


@pytest.mark.parametrize("name", ALIASES)
def test_class_names_and_serialize_round_trip(name):
    init = initializers.get(name)
    again = initializers.get(initializers.serialize(init))
    assert type(again) is type(init) and again.get_config() == init.get_config()
    assert type(initializers.get(type(init).__name__)) is type(init)


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="glorot_uniform"):
        initializers.get("glorot_unifrom")


@pytest.mark.parametrize("name", RANDOM)
def test_set_random_seed_twice_gives_identical_values(name):
    backend.set_random_seed(7)
    a = initializers.get(name)((5, 3))
    backend.set_random_seed(7)
    b = initializers.get(name)((5, 3))
    backend.set_random_seed(8)
    c = initializers.get(name)((5, 3))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_seed_argument_is_private_and_reproducible():
    a = initializers.GlorotUniform(seed=3)((4, 4))
    b = initializers.GlorotUniform(seed=3)((4, 4))
    np.testing.assert_array_equal(a, b)


def test_dense_built_twice_with_the_same_seed_has_identical_weights():
    x = np.ones((2, 5), dtype="float32")
    backend.set_random_seed(42)
    first = Dense(4)
    first(x)
    backend.set_random_seed(42)
    second = Dense(4)
    second(x)
    for a, b in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(a, b)


# Large shapes so the sample statistics are tight; values in float64.
FAN_IN, FAN_OUT = 400, 600


def _draw(name):
    backend.set_random_seed(0)
    return initializers.get(name)((FAN_IN, FAN_OUT), dtype="float64")


def test_glorot_uniform_limit_and_variance():
    w = _draw("glorot_uniform")
    limit = math.sqrt(6 / (FAN_IN + FAN_OUT))
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.999 * limit
    assert w.std() == pytest.approx(limit / math.sqrt(3), rel=0.01)


@pytest.mark.parametrize("name,std", [
    ("glorot_normal", math.sqrt(2 / (FAN_IN + FAN_OUT))),
    ("he_normal", math.sqrt(2 / FAN_IN)),
    ("lecun_normal", math.sqrt(1 / FAN_IN)),
])
def test_truncated_variance_scaling_std(name, std):
    w = _draw(name)
    assert w.mean() == pytest.approx(0, abs=std * 0.01)
    assert w.std() == pytest.approx(std, rel=0.01)
    # Truncated at two standard deviations of the underlying normal.
    assert np.abs(w).max() <= 2 * std / 0.87962566103423978 + 1e-12


@pytest.mark.parametrize("name,limit", [
    ("he_uniform", math.sqrt(6 / FAN_IN)),
    ("lecun_uniform", math.sqrt(3 / FAN_IN)),
])
def test_uniform_variance_scaling_limits(name, limit):
    w = _draw(name)
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.999 * limit


def test_conv_kernel_fans_include_the_receptive_field():
    backend.set_random_seed(0)
    w = initializers.get("glorot_uniform")((3, 3, 4, 8), dtype="float64")
    limit = math.sqrt(6 / (3 * 3 * 4 + 3 * 3 * 8))
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.95 * limit


def test_random_defaults():
    backend.set_random_seed(0)
    n = initializers.get("random_normal")((300, 300), dtype="float64")
    u = initializers.get("random_uniform")((300, 300), dtype="float64")
    t = initializers.get("truncated_normal")((300, 300), dtype="float64")
    assert n.mean() == pytest.approx(0, abs=1e-3) and n.std() == pytest.approx(0.05, rel=0.01)
    assert u.min() >= -0.05 and u.max() <= 0.05 and u.max() > 0.0499
    assert np.abs(t).max() <= 0.1


@pytest.mark.parametrize("shape", [(6, 6), (8, 3), (3, 8), (2, 3, 5)])
def test_orthogonal_is_orthogonal(shape):
    backend.set_random_seed(1)
    w = initializers.Orthogonal(gain=2.0)(shape, dtype="float64")
    flat = w.reshape(-1, shape[-1])
    gram = flat.T @ flat if flat.shape[0] >= flat.shape[1] else flat @ flat.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(gram.shape[0]), atol=1e-10)


def test_deterministic_initializers():
    np.testing.assert_array_equal(initializers.get("zeros")((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(initializers.get("ones")((2, 3)), np.ones((2, 3)))
    np.testing.assert_array_equal(initializers.Constant(2.5)((2,)), [2.5, 2.5])
    np.testing.assert_array_equal(initializers.Identity(gain=3.0)((2, 3)), 3 * np.eye(2, 3))
    with pytest.raises(ValueError, match="2-D"):
        initializers.Identity()((2, 2, 2))


def test_variance_scaling_validates_its_arguments():
    with pytest.raises(ValueError, match="scale"):
        initializers.VarianceScaling(scale=0)
    with pytest.raises(ValueError, match="mode"):
        initializers.VarianceScaling(mode="fan_sideways")
    with pytest.raises(ValueError, match="distribution"):
        initializers.VarianceScaling(distribution="cauchy")
