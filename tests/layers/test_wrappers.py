"""TimeDistributed and Bidirectional: shapes, counts, against direct computation, gradients."""
import numpy as np
import pytest

from gradiente import backend
from gradiente.autodiff.tensor import Tensor
from gradiente.layers import Dense, Input
from gradiente.layers.embedding import Embedding
from gradiente.layers.recurrent import GRU, LSTM, SimpleRNN
from gradiente.layers.wrappers import Bidirectional, TimeDistributed
from gradiente.testing import check_gradients


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_time_distributed_dense_shape_count_and_values(rng):
    backend.clear_session()
    layer = TimeDistributed(Dense(5))
    assert layer.name == "time_distributed"
    assert layer(Input((7, 3))).shape == (None, 7, 5)
    assert layer.count_params() == 20
    x = rng.normal(size=(2, 7, 3)).astype("float32")
    dense = layer.layer
    want = np.stack([x[:, t] @ dense.kernel.numpy() + dense.bias.numpy() for t in range(7)], axis=1)
    np.testing.assert_allclose(layer(x).numpy(), want, rtol=1e-5, atol=1e-6)


def test_time_distributed_gradients_and_nested_rank(rng):
    layer = TimeDistributed(Dense(2, activation="tanh", dtype="float64"), dtype="float64")
    x = rng.normal(size=(2, 3, 4, 2))  # (batch, time, 4, 2): Dense acts on the last axis
    assert layer(x).shape == (2, 3, 4, 2)
    check_gradients(layer, x, variables=layer.trainable_weights)


def test_time_distributed_wraps_a_recurrent_layer(rng):
    inner = LSTM(3, dtype="float64")
    layer = TimeDistributed(inner, dtype="float64")
    x = rng.normal(size=(2, 4, 5, 2))  # (batch, outer time, inner time, features)
    out = layer(x).numpy()
    assert out.shape == (2, 4, 3)
    np.testing.assert_allclose(out[:, 1], inner(x[:, 1]).numpy(), atol=1e-12)


def test_time_distributed_errors_and_config():
    with pytest.raises(ValueError, match=r"rank >= 3"):
        TimeDistributed(Dense(2))(np.zeros((4, 3)))
    with pytest.raises(TypeError, match="layer"):
        TimeDistributed("dense")
    clone = TimeDistributed.from_config(TimeDistributed(Dense(4, activation="relu")).get_config())
    assert isinstance(clone.layer, Dense) and clone.layer.units == 4


def test_bidirectional_counts_names_and_shapes():
    backend.clear_session()
    layer = Bidirectional(LSTM(4))
    assert layer.name == "bidirectional"
    assert layer(Input((5, 3))).shape == (None, 8)
    assert layer.count_params() == 256
    assert layer.forward_layer.name == "forward_lstm" and layer.backward_layer.name == "backward_lstm"
    assert layer.backward_layer.go_backwards and not layer.forward_layer.go_backwards
    assert Bidirectional(GRU(4), merge_mode="sum")(Input((5, 3))).shape == (None, 4)
    assert Bidirectional(LSTM(4, return_sequences=True))(Input((5, 3))).shape == (None, 5, 8)
    both = Bidirectional(LSTM(4, return_sequences=True), merge_mode=None)(Input((5, 3)))
    assert [t.shape for t in both] == [(None, 5, 4), (None, 5, 4)]
    states = Bidirectional(LSTM(4, return_state=True))(Input((5, 3)))
    assert [t.shape for t in states] == [(None, 8)] + [(None, 4)] * 4


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_merges_forward_and_reversed_backward(rng, merge_mode):
    layer = Bidirectional(SimpleRNN(3, return_sequences=True, dtype="float64"), merge_mode=merge_mode,
                          dtype="float64")
    x = rng.normal(size=(2, 4, 2))
    out = layer(x)
    fw = layer.forward_layer(x).numpy()
    # The backward copy reads the reversed sequence; its outputs are flipped back into time order.
    bw_copy = SimpleRNN(3, return_sequences=True, dtype="float64")
    bw_copy.build((None, 4, 2))
    bw_copy.set_weights(layer.backward_layer.get_weights())
    bw = bw_copy(x[:, ::-1]).numpy()[:, ::-1]
    want = {"concat": np.concatenate([fw, bw], -1), "sum": fw + bw, "mul": fw * bw, "ave": (fw + bw) / 2,
            None: [fw, bw]}[merge_mode]
    if merge_mode is None:
        for got, w in zip(out, want):
            np.testing.assert_allclose(got.numpy(), w, atol=1e-12)
    else:
        np.testing.assert_allclose(out.numpy(), want, atol=1e-12)


def test_bidirectional_gradients_with_mask_and_initial_state(rng):
    layer = Bidirectional(GRU(2, return_sequences=True, return_state=True, dtype="float64"), dtype="float64")
    x = rng.normal(size=(2, 3, 2))
    layer.build(x.shape)
    layer.set_weights([rng.normal(0, 0.5, w.shape) for w in layer.get_weights()])
    mask = np.array([[1, 1, 0], [1, 1, 1]], dtype=bool)
    init = [rng.normal(size=(2, 2)), rng.normal(size=(2, 2))]
    check_gradients(lambda x, a, b: layer(x, mask=mask, initial_state=[a, b]), x, *init,
                    variables=layer.trainable_weights)


def test_bidirectional_with_embedding_mask(rng):
    embed = Embedding(10, 3, mask_zero=True, dtype="float64")
    layer = Bidirectional(LSTM(2, dtype="float64"), dtype="float64")
    ids = np.array([[4, 2, 7, 0, 0]])
    np.testing.assert_allclose(layer(embed(ids)).numpy(), layer(embed(ids[:, :3])).numpy(), atol=1e-12)


def test_bidirectional_errors_and_config():
    with pytest.raises(ValueError, match="recurrent layer"):
        Bidirectional(Dense(3))
    with pytest.raises(ValueError, match="merge_mode"):
        Bidirectional(LSTM(3), merge_mode="max")
    with pytest.raises(ValueError, match="go_backwards=True"):
        Bidirectional(LSTM(3), backward_layer=LSTM(3))
    custom = Bidirectional(LSTM(3), backward_layer=LSTM(3, go_backwards=True, activation="relu"))
    assert custom.backward_layer.activation.__name__ == "relu"
    config = Bidirectional(GRU(3, return_sequences=True), merge_mode="ave").get_config()
    clone = Bidirectional.from_config(config)
    assert clone.merge_mode == "ave" and clone.return_sequences
    assert isinstance(clone.forward_layer, GRU)
    assert isinstance(Bidirectional.from_config(custom.get_config()).backward_layer, LSTM)


def test_bidirectional_weights_argument(rng):
    base = Bidirectional(LSTM(2))
    base.build((None, 3, 2))
    values = [rng.normal(size=w.shape) for w in base.get_weights()]
    layer = Bidirectional(LSTM(2), weights=values)
    layer(Tensor(np.zeros((1, 3, 2), dtype="float32")))
    for got, want in zip(layer.get_weights(), values):
        np.testing.assert_allclose(got, want, rtol=1e-6)
