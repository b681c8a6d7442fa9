"""UnitNormalization (layers/unit_normalization.py): Keras 3's unit_normalization_test.py
facts (unit norms over one axis or several, built at construction, masks pass, axis errors),
a closed-form reference, a zero slice, and a float64 gradient check."""
import numpy as np
import pytest

from gradiente import layers
from gradiente.testing import check_gradients


@pytest.mark.parametrize("axis, shape", [(-1, (2, 3)), ((1, 2), (2, 3, 3)), (1, (2, 3, 2)), ([0, -1], (4, 2, 3))])
def test_unit_norm_over_axes(axis, shape):
    x = np.random.default_rng(0).normal(size=shape)
    layer = layers.UnitNormalization(axis=axis, dtype="float64")
    assert layer.built and layer.weights == []
    out = layer(x).numpy()
    axes = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    np.testing.assert_allclose(out, x / np.sqrt(np.sum(x * x, axis=axes, keepdims=True)), rtol=1e-12)
    np.testing.assert_allclose(np.sum(out * out, axis=axes), 1.0)
    check_gradients(layer, x)


def test_zero_slice_stays_zero_with_finite_gradient():
    x = np.array([[0.0, 0.0, 0.0], [3.0, 4.0, 0.0]])
    layer = layers.UnitNormalization(dtype="float64")
    np.testing.assert_allclose(layer(x).numpy(), [[0, 0, 0], [0.6, 0.8, 0]])


def test_config_masks_and_errors():
    layer = layers.UnitNormalization(axis=(1, 2))
    assert layer.get_config()["axis"] == [1, 2] and layer.supports_masking
    assert layers.UnitNormalization.from_config(layer.get_config()).axis == [1, 2]
    with pytest.raises(TypeError, match="Invalid value for `axis` argument: expected an int or a list/tuple of ints"):
        layers.UnitNormalization(axis={"axis": -1})
    with pytest.raises(ValueError, match="out of bounds"):
        layers.UnitNormalization(axis=3).compute_output_shape((2, 3))
    tokens = layers.Input((4,), dtype="int32")
    normed = layers.UnitNormalization()(layers.Embedding(5, 3, mask_zero=True)(tokens))
    assert normed._keras_mask is not None
