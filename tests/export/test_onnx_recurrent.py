"""ONNX export of SimpleRNN, LSTM, GRU (ONNX's RNN/LSTM/GRU operators) and Bidirectional."""
import pytest

import gradiente as keras
from gradiente import layers

CELLS = {"SimpleRNN": layers.SimpleRNN, "LSTM": layers.LSTM, "GRU": layers.GRU}


def _sequences(rng, batch=4, steps=5, features=3):
    return rng.normal(size=(batch, steps, features)).astype("float32")


@pytest.mark.parametrize("kind", sorted(CELLS))
@pytest.mark.parametrize("return_sequences,go_backwards", [(False, False), (True, False), (False, True),
                                                           (True, True)])
def test_recurrent_layers(kind, return_sequences, go_backwards, check_export, randomized, rng):
    inputs = keras.Input((5, 3))
    layer = CELLS[kind](4, return_sequences=return_sequences, go_backwards=go_backwards)
    model = randomized(keras.Model(inputs, layer(inputs)))
    check_export(model, _sequences(rng))


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_return_state_and_stacking(kind, check_export, randomized, rng):
    inputs = keras.Input((None, 3))  # any number of steps
    seq = CELLS[kind](4, return_sequences=True, use_bias=False)(inputs)
    outputs = CELLS[kind](2, return_state=True)(seq)
    model = randomized(keras.Model(inputs, outputs))
    session = check_export(model, _sequences(rng))
    longer = _sequences(rng, batch=2, steps=8)
    got = session.run(None, {session.get_inputs()[0].name: longer})
    for r, e in zip(got, model.predict(longer, verbose=0)):
        assert r.shape == e.shape
        assert abs(r - e).max() < 1e-5


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_reset_after(reset_after, check_export, randomized, rng):
    model = keras.Sequential([keras.Input((5, 3)), layers.GRU(4, reset_after=reset_after, return_sequences=True),
                              layers.GRU(3, reset_after=reset_after)])
    check_export(randomized(model), _sequences(rng))


@pytest.mark.parametrize("activation,recurrent_activation", [("relu", "hard_sigmoid"), ("softsign", "sigmoid"),
                                                             ("tanh", "softplus")])
def test_cell_activations(activation, recurrent_activation, check_export, randomized, rng):
    inputs = keras.Input((5, 3))
    outputs = [layers.LSTM(3, activation=activation, recurrent_activation=recurrent_activation)(inputs),
               layers.GRU(3, activation=activation, recurrent_activation=recurrent_activation)(inputs),
               layers.SimpleRNN(3, activation=activation)(inputs)]
    check_export(randomized(keras.Model(inputs, outputs)), _sequences(rng))


def test_rnn_over_a_built_in_cell(check_export, randomized, rng):
    model = keras.Sequential([keras.Input((5, 3)), layers.RNN(layers.LSTMCell(4), return_sequences=True),
                              layers.RNN(layers.GRUCell(2))])
    check_export(randomized(model), _sequences(rng))


@pytest.mark.parametrize("kind", sorted(CELLS))
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional(kind, merge_mode, check_export, randomized, rng):
    inputs = keras.Input((5, 3))
    seq = layers.Bidirectional(CELLS[kind](3, return_sequences=True), merge_mode=merge_mode)(inputs)
    last = layers.Bidirectional(CELLS[kind](2), merge_mode=merge_mode)(inputs)
    outputs = list(seq) + list(last) if merge_mode is None else [seq, last]
    model = randomized(keras.Model(inputs, outputs))
    check_export(model, _sequences(rng))


def test_bidirectional_return_state(check_export, randomized, rng):
    inputs = keras.Input((5, 3))
    outputs = layers.Bidirectional(layers.LSTM(3, return_state=True, return_sequences=True))(inputs)
    model = randomized(keras.Model(inputs, outputs))
    check_export(model, _sequences(rng))


def test_text_classifier(check_export, randomized, rng):
    model = keras.Sequential([keras.Input((6,), dtype="int32"), layers.Embedding(20, 4),
                              layers.Bidirectional(layers.GRU(5, return_sequences=True)), layers.LSTM(3),
                              layers.Dense(2, activation="softmax")])
    check_export(randomized(model), rng.integers(0, 20, (4, 6)).astype("int32"))


def test_masked_rnn_is_refused(tmp_path):
    model = keras.Sequential([keras.Input((6,), dtype="int32"), layers.Embedding(20, 4, mask_zero=True),
                              layers.LSTM(3, name="reader")])
    with pytest.raises(ValueError, match=r"'reader' \(LSTM\).*mask"):
        model.export(tmp_path / "m.onnx", format="onnx", verbose=False)


def test_stateful_and_unsupported_activation_are_refused(tmp_path):
    model = keras.Sequential([keras.Input((5, 3), batch_size=2), layers.GRU(3, stateful=True, name="carry")])
    with pytest.raises(ValueError, match=r"'carry' \(GRU\).*stateful"):
        model.export(tmp_path / "m.onnx", format="onnx", verbose=False)
    model = keras.Sequential([keras.Input((5, 3)), layers.SimpleRNN(3, activation="gelu", name="odd")])
    with pytest.raises(ValueError, match=r"'odd' \(SimpleRNN\).*'gelu'"):
        model.export(tmp_path / "m.onnx", format="onnx", verbose=False)
