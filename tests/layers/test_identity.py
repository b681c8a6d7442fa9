"""Identity: inputs come back unchanged, with their masks and shapes."""
import numpy as np

from gradiente import backend, layers
from gradiente.autodiff import Tensor
from gradiente.testing import check_gradients


def test_identity_returns_its_inputs():
    backend.clear_session()
    x = np.random.default_rng(0).normal(size=(3, 4))
    layer = layers.Identity(dtype="float64")
    np.testing.assert_array_equal(layer(x).numpy(), x)
    check_gradients(layer, x)
    assert layer.count_params() == 0 and layer.name == "identity"
    assert layers.Identity.from_config(layer.get_config()).get_config() == layer.get_config()


def test_identity_keeps_masks_shapes_and_lists():
    t = Tensor(np.ones((2, 3, 1), dtype="float32"))
    t._keras_mask = np.array([[True, False, True], [True, True, False]])
    np.testing.assert_array_equal(layers.Identity()(t)._keras_mask, t._keras_mask)
    assert layers.Identity()(layers.Input(shape=(5, 2))).shape == (None, 5, 2)
    a, b = layers.Identity()([np.ones((1, 2), dtype="float32"), np.zeros((1, 3), dtype="float32")])
    assert a.shape == (1, 2) and b.shape == (1, 3)
