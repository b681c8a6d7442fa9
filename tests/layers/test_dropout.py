"""Dropout: identity outside training, inverted dropout in training, seeding, gradients."""
import numpy as np
import pytest

from gradiente import backend, layers
from gradiente.autodiff import Tensor
from gradiente.testing import check_gradients


def test_identity_unless_training():
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    layer = layers.Dropout(0.5)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    assert layer.count_params() == 0


def test_training_drops_about_rate_and_scales_the_rest():
    backend.set_random_seed(0)
    x = np.ones((200, 500), dtype="float32")
    out = layers.Dropout(0.3)(x, training=True).numpy()
    kept = out != 0
    assert kept.mean() == pytest.approx(0.7, abs=0.01)
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)
    assert out.mean() == pytest.approx(1.0, abs=0.01)  # expected value preserved
    assert out.dtype == np.float32


def test_rate_zero_is_identity_even_in_training():
    x = np.ones((3, 3), dtype="float32")
    np.testing.assert_array_equal(layers.Dropout(0.0)(x, training=True).numpy(), x)


def test_noise_shape_shares_the_mask_along_broadcast_axes():
    backend.set_random_seed(1)
    x = np.ones((4, 6, 8), dtype="float32")
    out = layers.Dropout(0.5, noise_shape=(None, 1, 8))(x, training=True).numpy()
    assert np.all(out == out[:, :1, :])
    assert 0 < (out == 0).mean() < 1
    with pytest.raises(ValueError, match="noise_shape"):
        layers.Dropout(0.5, noise_shape=(None, 8))(x, training=True)


def test_seeding():
    x = np.ones((10, 10), dtype="float32")
    backend.set_random_seed(5)
    a = layers.Dropout(0.5)(x, training=True).numpy()
    backend.set_random_seed(5)
    b = layers.Dropout(0.5)(x, training=True).numpy()
    np.testing.assert_array_equal(a, b)
    own = layers.Dropout(0.5, seed=3)
    first, second = own(x, training=True).numpy(), own(x, training=True).numpy()
    assert not np.array_equal(first, second)  # a fresh mask every call
    np.testing.assert_array_equal(first, layers.Dropout(0.5, seed=3)(x, training=True).numpy())


@pytest.mark.parametrize("rate", [-0.1, 1, 1.5, "0.5", None, True])
def test_rate_validation(rate):
    with pytest.raises(ValueError, match="rate"):
        layers.Dropout(rate)


def test_gradient_in_training_mode():
    x = np.random.default_rng(2).normal(size=(3, 4))
    layer = layers.Dropout(0.4, dtype="float64")

    def dropped(t):
        backend.set_random_seed(11)  # the same mask on every evaluation
        return layer(t, training=True)

    check_gradients(dropped, x)
    check_gradients(layer, x)


def test_config_round_trip_mask_and_symbolic_shape():
    layer = layers.Dropout(0.25, noise_shape=(None, 1), seed=9)
    config = layer.get_config()
    assert (config["rate"], config["noise_shape"], config["seed"]) == (0.25, (None, 1), 9)
    assert layers.Dropout.from_config(config).get_config() == config
    x = Tensor(np.ones((2, 3), dtype="float32"))
    x._keras_mask = np.array([True, False])
    assert layers.Dropout(0.5)(x, training=True)._keras_mask is x._keras_mask
    assert layers.Dropout(0.5)(layers.Input(shape=(7,))).shape == (None, 7)
