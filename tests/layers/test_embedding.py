"""Embedding and Masking: lookups, gradients, errors, and masks reaching recurrent layers."""
import numpy as np
import pytest

from gradiente import backend, ops
from gradiente.autodiff.tape import GradientTape
from gradiente.autodiff.tensor import Tensor
from gradiente.layers import Input
from gradiente.layers.embedding import Embedding
from gradiente.layers.masking import Masking
from gradiente.layers.recurrent import GRU, LSTM
from gradiente.testing import check_gradients


def test_counts_names_shapes_and_initializer():
    backend.clear_session()
    layer = Embedding(1000, 64)
    assert layer.name == "embedding"
    assert layer(Input((10,))).shape == (None, 10, 64)
    assert layer.count_params() == 64_000
    w = layer.embeddings.numpy()
    assert w.dtype == np.float32 and np.abs(w).max() <= 0.05 and w.std() > 0.02
    config = layer.get_config()
    assert config["embeddings_initializer"]["class_name"] == "RandomUniform"
    clone = Embedding.from_config(config)
    assert (clone.input_dim, clone.output_dim, clone.mask_zero) == (1000, 64, False)


def test_lookup_matches_indexing_and_gradient():
    layer = Embedding(7, 3, dtype="float64")
    ids = np.array([[1, 6, 1], [0, 2, 6]])
    out = layer(ids)
    np.testing.assert_array_equal(out.numpy(), layer.embeddings.numpy()[ids])
    assert out.shape == (2, 3, 3)
    # Integral floats are accepted as ids; repeated ids accumulate gradient.
    np.testing.assert_array_equal(layer(ids.astype("float32")).numpy(), out.numpy())
    check_gradients(layer, ids, variables=[layer.embeddings])


def test_errors_name_the_index():
    layer = Embedding(5, 2)
    with pytest.raises(ValueError, match=r"index 5 .*input_dim=5"):
        layer(np.array([[0, 5]]))
    with pytest.raises(ValueError, match=r"index -1"):
        layer(np.array([[-1, 2]]))
    with pytest.raises(TypeError, match="integer ids"):
        layer(np.array([[0.5, 1.0]]))
    with pytest.raises(ValueError, match="output_dim"):
        Embedding(5, 0)


def test_input_length_legacy_argument():
    with pytest.warns(UserWarning, match="input_length"):
        layer = Embedding(100, 8, input_length=12)
    assert layer._batch_input_shape == (None, 12)


def test_mask_zero_reaches_lstm_which_skips_padding():
    rng = np.random.default_rng(0)
    embed = Embedding(20, 4, mask_zero=True, dtype="float64")
    lstm = LSTM(5, dtype="float64")
    padded = np.array([[3, 7, 2, 0, 0], [5, 1, 9, 4, 8]])
    out = embed(padded)
    np.testing.assert_array_equal(out._keras_mask, padded != 0)
    lstm(out)  # builds the weights
    lstm.cell.kernel.data[...] = rng.normal(size=lstm.cell.kernel.shape)  # any weights will do
    result = lstm(embed(padded)).numpy()
    unpadded = lstm(embed(padded[:1, :3])).numpy()
    np.testing.assert_allclose(result[0], unpadded[0], atol=1e-12)
    np.testing.assert_allclose(result[1], lstm(embed(padded[1:])).numpy()[0], atol=1e-12)
    # return_sequences passes the mask on; without it the mask ends.
    seq = GRU(3, return_sequences=True, dtype="float64")(embed(padded))
    np.testing.assert_array_equal(seq._keras_mask, padded != 0)
    assert lstm(embed(padded))._keras_mask is None


def test_masking_layer_zeroes_and_masks_steps():
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]])
    layer = Masking(mask_value=0.0, dtype="float64")
    out = layer(x)
    np.testing.assert_array_equal(out._keras_mask, [[True, False, True]])
    np.testing.assert_array_equal(out.numpy(), x)
    special = Masking(mask_value=-1.0, dtype="float64")(np.array([[[-1.0, -1.0], [2.0, -1.0]]]))
    np.testing.assert_array_equal(special.numpy(), [[[0.0, 0.0], [2.0, -1.0]]])
    np.testing.assert_array_equal(special._keras_mask, [[False, True]])
    # The gradient passes through kept steps only (finite differences cannot check this: a
    # nudge to a padded step un-pads it).
    xt = Tensor(x)
    with GradientTape() as tape:
        tape.watch(xt)
        total = ops.sum(layer(xt))
    np.testing.assert_array_equal(tape.gradient(total, xt).numpy(), [[[1, 1], [0, 0], [1, 1]]])
    # An LSTM after Masking ignores the masked step.
    lstm = LSTM(3, dtype="float64")
    np.testing.assert_allclose(lstm(out).numpy(), lstm(x[:, [0, 2]]).numpy(), atol=1e-12)
    assert Masking.from_config(Masking(mask_value=2.0).get_config()).mask_value == 2.0
