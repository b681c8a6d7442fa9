"""UpSampling, ZeroPadding and Cropping against NumPy, with shapes, gradients and config."""
import numpy as np
import pytest

from gradiente import backend, layers
from gradiente.testing import check_gradients


def rand(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape)


CASES = [
    # layer, input shape (no batch), reference on a channels_last/first array
    (lambda: layers.UpSampling1D(3), (4, 2), lambda x: np.repeat(x, 3, axis=1)),
    (lambda: layers.UpSampling2D((2, 3)), (3, 2, 2), lambda x: np.repeat(np.repeat(x, 2, 1), 3, 2)),
    (lambda: layers.UpSampling2D(2, data_format="channels_first"), (2, 3, 2),
     lambda x: np.repeat(np.repeat(x, 2, 2), 2, 3)),
    (lambda: layers.UpSampling3D((1, 2, 2)), (2, 2, 3, 1), lambda x: np.repeat(np.repeat(x, 2, 2), 2, 3)),
    (lambda: layers.ZeroPadding1D((1, 2)), (4, 2), lambda x: np.pad(x, ((0, 0), (1, 2), (0, 0)))),
    (lambda: layers.ZeroPadding2D(), (3, 2, 2), lambda x: np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))),
    (lambda: layers.ZeroPadding2D(((1, 0), (2, 3))), (3, 2, 2),
     lambda x: np.pad(x, ((0, 0), (1, 0), (2, 3), (0, 0)))),
    (lambda: layers.ZeroPadding2D((2, 1), data_format="channels_first"), (2, 3, 2),
     lambda x: np.pad(x, ((0, 0), (0, 0), (2, 2), (1, 1)))),
    (lambda: layers.ZeroPadding3D(1), (2, 2, 2, 1), lambda x: np.pad(x, ((0, 0), (1, 1), (1, 1), (1, 1), (0, 0)))),
    (lambda: layers.Cropping1D((1, 2)), (6, 2), lambda x: x[:, 1:-2]),
    (lambda: layers.Cropping2D(((1, 0), (0, 2))), (4, 5, 2), lambda x: x[:, 1:, :-2]),
    (lambda: layers.Cropping2D(1, data_format="channels_first"), (2, 4, 5), lambda x: x[:, :, 1:-1, 1:-1]),
    (lambda: layers.Cropping3D(((0, 1), (1, 0), (1, 1))), (3, 3, 4, 1), lambda x: x[:, :-1, 1:, 1:-1]),
]


@pytest.mark.parametrize("make,shape,reference", CASES)
def test_matches_numpy_shapes_gradients_and_config(make, shape, reference):
    layer = make()
    x = rand(2, *shape, seed=1)
    y = layer(x).numpy()
    np.testing.assert_allclose(y, reference(x))
    assert layer.compute_output_shape((None,) + shape) == (None,) + y.shape[1:]
    assert tuple(make()(layers.Input(shape)).shape) == (None,) + y.shape[1:]
    f64 = type(layer).from_config({**layer.get_config(), "dtype": "float64", "name": None})
    check_gradients(lambda t: f64(t), x)
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_bilinear_upsampling_uses_half_pixel_centres():
    # tf.image.resize / jax.image.resize 'bilinear' upsampling of [0, 1, 2] by 2:
    # sample points (i + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, ..., clamped at the edges.
    x = np.array([0.0, 1.0, 2.0]).reshape(1, 3, 1, 1)
    layer = layers.UpSampling2D((2, 1), interpolation="bilinear", dtype="float64")
    np.testing.assert_allclose(layer(x).numpy().ravel(), [0, 0.25, 0.75, 1.25, 1.75, 2])
    x2 = rand(1, 3, 2, 2, seed=2)
    layer2 = layers.UpSampling2D(2, interpolation="bilinear", dtype="float64")
    y = layer2(x2).numpy()
    assert y.shape == (1, 6, 4, 2)
    np.testing.assert_allclose(y.mean(), x2.mean())  # interior weights sum to 1, edges clamp
    check_gradients(lambda t: layer2(t), x2)


def test_names_and_errors():
    backend.clear_session()
    assert layers.UpSampling2D().name == "up_sampling2d"
    assert layers.ZeroPadding2D().name == "zero_padding2d"
    assert layers.Cropping2D().name == "cropping2d"
    with pytest.raises(ValueError, match=r"received padding=\(1, 2, 3\)"):
        layers.ZeroPadding2D((1, 2, 3))
    with pytest.raises(ValueError, match=r"received cropping=-1"):
        layers.Cropping1D(-1)
    with pytest.raises(ValueError, match=r"received interpolation='cubic'"):
        layers.UpSampling2D(interpolation="cubic")
    with pytest.raises(ValueError, match=r"cropping \(2, 2\) removes 4 of the 4 elements"):
        layers.Cropping2D(2)(np.zeros((1, 4, 6, 1), "float32"))
    with pytest.raises(ValueError, match=r"expected ndim=4, found ndim=3"):
        layers.UpSampling2D()(layers.Input((4, 4)))
