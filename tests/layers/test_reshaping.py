"""Flatten, Reshape, Permute, RepeatVector: against NumPy, gradients, shapes, configs, errors."""
import numpy as np
import pytest

from gradiente import backend, layers
from gradiente.testing import check_gradients

X = np.arange(24, dtype="float64").reshape(2, 3, 4) / 10


@pytest.fixture(autouse=True)
def _fresh_names():
    backend.clear_session()


def _round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    return clone


def test_flatten_matches_numpy_and_has_no_params():
    layer = layers.Flatten(dtype="float64")
    np.testing.assert_array_equal(layer(X).numpy(), X.reshape(2, 12))
    assert layer.count_params() == 0
    check_gradients(layer, X)


def test_flatten_symbolic_shapes():
    assert layers.Flatten()(layers.Input(shape=(28, 28))).shape == (None, 784)
    assert layers.Flatten()(layers.Input(shape=(None, 3))).shape == (None, None)
    layer = layers.Flatten(input_shape=[28, 28])
    assert layer._batch_input_shape == (None, 28, 28)
    assert layer.compute_output_shape((None, 28, 28)) == (None, 784)


def test_flatten_one_dimensional_input_gets_a_feature_axis():
    assert layers.Flatten()(np.arange(3.0)).shape == (3, 1)


def test_flatten_channels_first_matches_channels_last_order():
    image = np.random.default_rng(0).normal(size=(2, 3, 4, 5))  # (batch, channels, rows, cols)
    out = layers.Flatten(data_format="channels_first", dtype="float64")(image).numpy()
    np.testing.assert_array_equal(out, image.transpose(0, 2, 3, 1).reshape(2, -1))
    check_gradients(layers.Flatten(data_format="channels_first", dtype="float64"), image)
    with pytest.raises(ValueError, match="data_format"):
        layers.Flatten(data_format="channels_middle")


def test_flatten_config():
    assert _round_trip(layers.Flatten()).data_format == "channels_last"


@pytest.mark.parametrize("target,expected", [((12,), (2, 12)), ((4, 3), (2, 4, 3)), ((-1, 2), (2, 6, 2)),
                                             ((2, -1, 3), (2, 2, 2, 3))])
def test_reshape(target, expected):
    layer = layers.Reshape(target, dtype="float64")
    out = layer(X)
    assert out.shape == expected
    np.testing.assert_array_equal(out.numpy(), X.reshape(expected))
    check_gradients(layer, X)
    assert _round_trip(layer).target_shape == tuple(target)


def test_reshape_symbolic_shapes():
    assert layers.Reshape((-1, 4))(layers.Input(shape=(3, 8))).shape == (None, 6, 4)
    assert layers.Reshape((-1, 4))(layers.Input(shape=(None, 8))).shape == (None, None, 4)
    assert layers.Reshape((2, 3))(layers.Input(shape=(6,))).shape == (None, 2, 3)


def test_reshape_size_mismatch_teaches():
    with pytest.raises(ValueError, match=r"'reshape'.*\(2, 3, 4\).*12 values.*\(5,\)"):
        layers.Reshape((5,))(X)
    with pytest.raises(ValueError, match=r"\(None, 6\).*target_shape=\(-1, 4\)"):
        layers.Reshape((-1, 4))(layers.Input(shape=(6,)))


@pytest.mark.parametrize("bad", [5, (-1, -1), (0, 3), (2.5,), (-2, 3)])
def test_reshape_rejects_bad_target_shapes(bad):
    with pytest.raises(ValueError, match="target_shape"):
        layers.Reshape(bad)


@pytest.mark.parametrize("dims", [(1, 2), (2, 1)])
def test_permute(dims):
    layer = layers.Permute(dims, dtype="float64")
    np.testing.assert_array_equal(layer(X).numpy(), np.transpose(X, (0,) + dims))
    check_gradients(layer, X)
    _round_trip(layer)


def test_permute_rank4_and_symbolic_shape():
    image = np.random.default_rng(1).normal(size=(2, 3, 4, 5))
    out = layers.Permute((3, 1, 2), dtype="float64")(image)
    np.testing.assert_array_equal(out.numpy(), image.transpose(0, 3, 1, 2))
    assert layers.Permute((2, 1))(layers.Input(shape=(10, 64))).shape == (None, 64, 10)


def test_permute_errors():
    for bad in [(0, 1), (1, 3), (1, 1), (2,)]:
        with pytest.raises(ValueError, match="permutation"):
            layers.Permute(bad)
    with pytest.raises(ValueError, match=r"expected ndim=3, found ndim=4.*one entry per non-batch axis"):
        layers.Permute((2, 1))(np.zeros((2, 3, 4, 5)))


def test_repeat_vector():
    x = X[:, 0, :]
    layer = layers.RepeatVector(3, dtype="float64")
    out = layer(x).numpy()
    assert out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out, np.stack([x, x, x], axis=1))
    check_gradients(layer, x)
    assert layers.RepeatVector(5)(layers.Input(shape=(8,))).shape == (None, 5, 8)
    assert _round_trip(layer).n == 3


def test_repeat_vector_errors():
    with pytest.raises(ValueError, match=r"expected ndim=2.*\(batch, features\)"):
        layers.RepeatVector(2)(X)
    for bad in (0, -1, 2.0):
        with pytest.raises(ValueError, match="`n`"):
            layers.RepeatVector(bad)
