"""Stateful recurrent layers' reset_state / reset_states and the LSTM/GRU `implementation`
argument (layers/recurrent/): Keras 3's lstm_test, gru_test, simple_rnn_test and
bidirectional_test facts (the same inputs and expected values)."""
import numpy as np
import pytest

from gradiente import initializers, layers


def constant_inits():
    return dict(kernel_initializer=initializers.Constant(0.01),
                recurrent_initializer=initializers.Constant(0.02),
                bias_initializer=initializers.Constant(0.03))


@pytest.mark.parametrize("cls, expected", [
    (layers.SimpleRNN, [0.40559256, 0.7361247]),
    (layers.LSTM, [0.3124785, 0.6863672]),
    (layers.GRU, [0.29542392, 0.5885018]),
])
@pytest.mark.parametrize("reset", ["reset_state", "reset_states"])
def test_stateful_second_call_and_reset(cls, expected, reset):
    sequence = np.arange(24).reshape((2, 3, 4)).astype("float32")
    layer = cls(4, stateful=True, **constant_inits())
    want = np.repeat(np.array(expected)[:, None], 4, axis=1)
    for _ in range(2):  # the second round runs after the reset: the same values again
        layer(sequence)
        np.testing.assert_allclose(layer(sequence).numpy(), want, atol=1e-5, rtol=1e-5)
        getattr(layer, reset)()
        assert all(not s.numpy().any() for s in layer.states)


def test_reset_state_on_a_layer_that_is_not_stateful_does_nothing():
    layer = layers.LSTM(2)
    layer(np.ones((1, 2, 3), "float32"))
    layer.reset_state()
    assert layer.states is None
    with pytest.raises(ValueError, match="not stateful"):
        layer.reset_state(states=[np.zeros((1, 2))] * 2)


def test_reset_state_with_given_states_continues_from_them():
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    plain = layers.LSTM(4)
    plain.build((None, 5, 3))
    layer = layers.LSTM(4, stateful=True)
    layer.build((None, 5, 3))
    layer.set_weights(plain.get_weights())
    h, c = np.full((2, 4), 0.5, "float32"), np.full((2, 4), -0.25, "float32")
    layer.reset_state(states=[h, c])
    np.testing.assert_allclose(layer(x).numpy(), plain(x, initial_state=[h, c]).numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="2 state"):
        layer.reset_state(states=[h])
    with pytest.raises(ValueError, match="2 state"):
        layer.reset_state(states=[h, np.zeros((2, 3))])


def test_bidirectional_statefulness():
    sequence = np.arange(24).reshape((2, 4, 3)).astype("float32")
    layer = layers.Bidirectional(layers.LSTM(2, stateful=True, **constant_inits()))
    want = np.array([[0.26234663, 0.26234663, 0.16959146, 0.16959146],
                     [0.6137073, 0.6137073, 0.5381646, 0.5381646]])
    for _ in range(2):
        layer(sequence)
        np.testing.assert_allclose(layer(sequence).numpy(), want, atol=1e-5, rtol=1e-5)
        layer.reset_state()
    assert layer.stateful and len(layer.states) == 4
    layer.reset_states()
    with pytest.raises(AttributeError, match="must be stateful"):
        layers.Bidirectional(layers.LSTM(2)).reset_state()


@pytest.mark.parametrize("implementation", [1, 2])
def test_implementation_gives_the_same_values(implementation):
    sequence = np.arange(72).reshape((3, 6, 4)).astype("float32")
    lstm = layers.LSTM(3, implementation=implementation, **constant_inits())
    np.testing.assert_allclose(
        lstm(sequence).numpy()[:, 0], [0.6288687, 0.86899155, 0.9460773], atol=1e-5, rtol=1e-5)
    gru = layers.GRU(3, implementation=implementation, **constant_inits())
    np.testing.assert_allclose(
        gru(sequence).numpy()[:, 0], [0.5217289, 0.6371659, 0.39384964], atol=1e-5, rtol=1e-5)
    assert lstm.cell.implementation == implementation == gru.cell.implementation


def test_implementation_is_kept_on_the_cell_not_in_the_config():
    layer = layers.LSTM(3, implementation=1)
    assert "implementation" not in layer.get_config()
    assert "implementation" not in layer.cell.get_config()
    assert layers.LSTM(3).cell.implementation == 2
    # Recurrent dropout forces mode 1, as in Keras.
    assert layers.GRU(3, recurrent_dropout=0.5).cell.implementation == 1
    assert layers.LSTMCell(3, implementation=1).implementation == 1
    with pytest.raises(TypeError):
        layers.SimpleRNN(3, implementation=1)  # Keras's SimpleRNN has no such argument
    with pytest.raises(ValueError, match="implementation"):
        layers.LSTM(3, implementation=3)


def test_legacy_implementation_in_a_config_still_loads():
    sequence = np.arange(72).reshape((3, 6, 4)).astype("float32")
    config = layers.GRU(3, **constant_inits()).get_config()
    config["implementation"] = 0  # written by an older Keras
    layer = layers.GRU.from_config(config)
    np.testing.assert_allclose(
        layer(sequence).numpy()[:, 0], [0.5217289, 0.6371659, 0.39384964], atol=1e-5, rtol=1e-5)
