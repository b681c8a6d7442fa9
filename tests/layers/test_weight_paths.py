"""Variable paths as Keras 3 gives them (layers/name_scope.py): a sublayer built inside its
parent's build or first call carries the parent's name (multi_head_attention/query/kernel,
lstm/lstm_cell/kernel, bidirectional/forward_lstm/lstm_cell/kernel, sequential/dense/kernel,
my_model/dense/kernel), a layer first called in a Functional graph does not (dense/kernel),
and the path is fixed when the layer is first built. Files saved before paths had parents
still load (weights are matched by order, never by path)."""
from pathlib import Path

import numpy as np
import pytest

import gradiente as keras
from gradiente import backend, layers

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def fresh_names():
    backend.clear_session()
    yield
    backend.clear_session()


def _paths(layer):
    return [w.path for w in layer.weights]


def test_multi_head_attention_projections_are_under_the_layer():
    q = keras.Input((5, 8))
    mha = layers.MultiHeadAttention(2, 4, use_gate=True)
    mha(q, q)
    assert _paths(mha) == [f"multi_head_attention/{sub}/{w}"
                           for sub in ("query", "key", "gate", "value", "attention_output")
                           for w in ("kernel", "bias")]
    gqa = layers.GroupQueryAttention(4, 2, 1)
    gqa(q, q)
    assert _paths(gqa)[:2] == ["grouped_query_attention/query/kernel", "grouped_query_attention/query/bias"]


def test_recurrent_cells_and_wrappers():
    x = np.zeros((2, 4, 3), "float32")
    lstm = layers.LSTM(2)
    lstm(x)
    assert _paths(lstm) == ["lstm/lstm_cell/kernel", "lstm/lstm_cell/recurrent_kernel", "lstm/lstm_cell/bias"]
    backend.clear_session()
    bi = layers.Bidirectional(layers.LSTM(2))
    bi(x)
    assert _paths(bi) == [f"bidirectional/{d}_lstm/lstm_cell/{w}" for d in ("forward", "backward")
                          for w in ("kernel", "recurrent_kernel", "bias")]
    gru, rnn = layers.GRU(2), layers.SimpleRNN(2)
    gru(x)
    rnn(x)
    assert _paths(gru)[0] == "gru/gru_cell/kernel"
    assert _paths(rnn)[0] == "simple_rnn/simple_rnn_cell/kernel"
    td = layers.TimeDistributed(layers.Dense(3))
    td(x)
    assert _paths(td) == ["time_distributed/dense/kernel", "time_distributed/dense/bias"]


def test_models_sequential_functional_and_subclassed():
    seq = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dense(1)])
    assert _paths(seq) == ["sequential/dense/kernel", "sequential/dense/bias",
                           "sequential/dense_1/kernel", "sequential/dense_1/bias"]
    lazy = keras.Sequential([layers.Dense(2)])
    lazy(np.zeros((1, 4)))
    assert _paths(lazy) == ["sequential_1/dense_2/kernel", "sequential_1/dense_2/bias"]
    inputs = keras.Input((4,))
    functional = keras.Model(inputs, layers.Dense(2)(inputs))
    assert _paths(functional) == ["dense_3/kernel", "dense_3/bias"]

    class Block(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.attention = layers.MultiHeadAttention(2, 4)
            self.norm = layers.LayerNormalization()

        def call(self, x):
            return self.norm(x + self.attention(x, x))

    class MyModel(keras.Model):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.head = layers.Dense(1)

        def call(self, x):
            return self.head(self.block(x))

    model = MyModel()
    model(np.zeros((1, 3, 8), "float32"))
    paths = _paths(model)
    assert "my_model/block/multi_head_attention/query/kernel" in paths
    assert "my_model/block/layer_normalization/gamma" in paths
    assert "my_model/dense_4/kernel" in paths
    # A Functional graph's symbolic call of a subclassed layer builds its sublayers under it.
    block = Block(name="encoder")
    block(keras.Input((3, 8)))
    assert _paths(block)[0] == "encoder/multi_head_attention_1/query/kernel"


def test_a_path_is_fixed_where_the_layer_was_first_built():
    dense = layers.Dense(2)
    dense(np.zeros((1, 3)))
    wrapper = keras.Sequential([keras.Input((3,)), dense])
    assert _paths(wrapper) == ["dense/kernel", "dense/bias"]
    # Later calls inside another model's scope do not rename anything.
    inputs = keras.Input((3,))
    keras.Model(inputs, wrapper(inputs))
    assert _paths(dense) == ["dense/kernel", "dense/bias"]


def test_files_saved_before_paths_had_parents_still_load():
    """Written by the previous version (weights saved as 'query/kernel', 'lstm_cell/kernel'):
    arrays are matched to weights by order and shape, so the paths' new parents change nothing."""
    io = np.load(DATA / "paths_before_scopes_io.npz")
    model = keras.saving.load_model(DATA / "paths_before_scopes.keras")
    assert "multi_head_attention/query/kernel" in _paths(model)
    np.testing.assert_allclose(model.predict(io["ids"], verbose=0), io["out"], rtol=1e-6, atol=1e-7)
    fresh = keras.models.clone_model(model)
    fresh.load_weights(DATA / "paths_before_scopes.weights.npz")
    np.testing.assert_allclose(fresh.predict(io["ids"], verbose=0), io["out"], rtol=1e-6, atol=1e-7)
