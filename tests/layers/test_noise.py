"""Noise layers: identity outside training, the right noise statistics and structure in
training, gradients, config."""
import numpy as np
import pytest

from gradiente import backend
from gradiente.layers.noise import GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D
from gradiente.testing import check_gradients


@pytest.fixture
def x():
    return np.random.default_rng(0).normal(size=(64, 6, 5, 16))


@pytest.mark.parametrize("layer", [SpatialDropout2D(0.5), GaussianNoise(0.3), GaussianDropout(0.4)],
                         ids=["spatial2d", "noise", "dropout"])
def test_identity_outside_training(layer, x):
    for training in (None, False):
        np.testing.assert_array_equal(layer(x.astype("float32"), training=training).numpy(), x.astype("float32"))


def test_spatial_dropout_drops_whole_channels(x):
    backend.set_random_seed(1)
    out = SpatialDropout2D(0.5, dtype="float64")(x, training=True).numpy()
    ratio = out / x
    per_map = ratio.reshape(64, -1, 16)
    assert np.all(per_map == per_map[:, :1, :])  # one draw per (sample, channel)
    assert set(np.unique(np.round(ratio, 12))) <= {0.0, 2.0}
    assert 0.4 < np.mean(ratio == 0) < 0.6
    first = SpatialDropout2D(0.5, data_format="channels_first", dtype="float64")
    xf = np.moveaxis(x, -1, 1)
    ratio = (first(xf, training=True).numpy() / xf).reshape(64, 16, -1)
    assert np.all(ratio == ratio[:, :, :1])
    seq = x[:, 0]  # (batch, steps, channels)
    ratio = SpatialDropout1D(0.3, dtype="float64")(seq, training=True).numpy() / seq
    np.testing.assert_allclose(ratio, np.broadcast_to(ratio[:, :1, :], ratio.shape))
    assert 0.2 < np.mean(ratio == 0) < 0.4


def test_gaussian_statistics(x):
    backend.set_random_seed(2)
    noise = GaussianNoise(0.3, dtype="float64")(x, training=True).numpy() - x
    assert abs(noise.mean()) < 0.01 and abs(noise.std() - 0.3) < 0.01
    factor = GaussianDropout(0.2, dtype="float64")(x, training=True).numpy() / x
    assert abs(factor.mean() - 1) < 0.01 and abs(factor.std() - np.sqrt(0.2 / 0.8)) < 0.01


@pytest.mark.parametrize("make", [lambda: SpatialDropout2D(0.5, seed=3, dtype="float64"),
                                  lambda: GaussianNoise(0.3, seed=3, dtype="float64"),
                                  lambda: GaussianDropout(0.4, seed=3, dtype="float64")])
def test_gradients_with_fixed_noise(make, x):
    layer = make()

    def f(inputs):
        layer._rng = np.random.default_rng(3)  # the same noise for every finite difference
        return layer(inputs, training=True)

    check_gradients(f, x[:2, :2, :2, :3])


def test_seeded_layers_reproduce_and_config():
    a, b = GaussianNoise(1.0, seed=7), GaussianNoise(1.0, seed=7)
    z = np.zeros((3, 4), dtype="float32")
    np.testing.assert_array_equal(a(z, training=True).numpy(), b(z, training=True).numpy())
    clone = SpatialDropout2D.from_config(SpatialDropout2D(0.25, data_format="channels_first").get_config())
    assert clone.rate == 0.25 and clone.data_format == "channels_first"
    assert GaussianDropout.from_config(GaussianDropout(0.1).get_config()).rate == 0.1
    assert GaussianNoise.from_config(GaussianNoise(0.5).get_config()).stddev == 0.5


def test_errors_teach():
    with pytest.raises(ValueError, match=r"rate=1\.5"):
        GaussianDropout(1.5)
    with pytest.raises(ValueError, match="stddev"):
        GaussianNoise(-1)
    with pytest.raises(ValueError, match="channel axis"):
        SpatialDropout2D(0.1)(np.zeros((2, 28, 28)))
