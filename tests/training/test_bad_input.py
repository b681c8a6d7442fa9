"""Careless input to compile / fit / evaluate / predict: one clear error (type, argument,
what to do) before any weight changes, never a NumPy ufunc message or a silent result."""
import math
import warnings

import numpy as np
import pytest

import gradiente as keras


def model(loss="sparse_categorical_crossentropy", units=3, activation="softmax"):
    keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(units, activation=activation)])
    m.compile(optimizer="sgd", loss=loss)
    return m


X = np.random.default_rng(0).random((20, 4)).astype("float32")
Y = np.arange(20) % 3


@pytest.mark.parametrize("bad, what", [
    (np.full((20, 4), "a"), "strings"),
    (X.astype(complex), "complex numbers"),
    (np.array([[None] * 4] * 20, dtype=object), "Python objects"),
])
def test_non_numeric_x_names_the_argument_and_its_dtype(bad, what):
    m = model()
    before = m.get_weights()
    for call in (lambda: m.fit(bad, Y, verbose=0), lambda: m.evaluate(bad, Y, verbose=0),
                 lambda: m.predict(bad, verbose=0)):
        with pytest.raises(TypeError, match=rf"`x` holds {what} \(dtype"):
            call()
    assert all(np.array_equal(a, b) for a, b in zip(before, m.get_weights()))


def test_string_labels_are_refused_with_the_argument_named():
    with pytest.raises(TypeError, match=r"`y` holds strings"):
        model().fit(X, np.array(["cat"] * 20), verbose=0)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"validation_split": "0.2"}, TypeError, "validation_split"),
    ({"validation_split": 1.5}, ValueError, "validation_split"),
    ({"verbose": "loud"}, ValueError, "verbose"),
    ({"steps_per_epoch": -3}, ValueError, "steps_per_epoch"),
    ({"steps_per_epoch": 0}, ValueError, "steps_per_epoch"),
    ({"validation_data": (X, Y), "validation_steps": 0}, ValueError, "validation_steps"),
])
def test_fit_arguments_out_of_range_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        model().fit(X, Y, **kwargs)


def test_class_weight_for_a_class_the_model_does_not_have_is_refused_before_training():
    m = model()
    before = m.get_weights()
    with pytest.raises(ValueError, match=r"class\(es\) \[5\].*3 classes"):
        m.fit(X, Y, class_weight={0: 1.0, 5: 2.0}, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, m.get_weights()))


@pytest.mark.parametrize("labels", [np.full(20, 2.0), np.full(20, -1.0)])
def test_binary_crossentropy_labels_outside_zero_one_are_refused(labels):
    m = model("binary_crossentropy", units=1, activation="sigmoid")
    with pytest.raises(ValueError, match=r"labels in \[0, 1\]"):
        m.fit(X, labels, verbose=0)


def test_binary_crossentropy_accepts_soft_labels():
    m = model("binary_crossentropy", units=1, activation="sigmoid")
    m.fit(X, np.linspace(0, 1, 20), verbose=0)


@pytest.mark.parametrize("rate", [math.nan, math.inf, -math.inf])
def test_a_non_finite_learning_rate_is_refused(rate):
    with pytest.raises(ValueError, match="finite"):
        keras.optimizers.SGD(learning_rate=rate)
    with pytest.raises(ValueError, match="finite"):
        keras.optimizers.Adam().learning_rate = rate


@pytest.mark.parametrize("kwargs", [{"metrics": 5}, {"loss_weights": "x"}, {"loss_weights": [math.nan]}])
def test_compile_refuses_malformed_metrics_and_loss_weights(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        model().compile(optimizer="sgd", loss="mse", **kwargs)


def test_fit_stops_at_the_first_non_finite_loss_and_keeps_finite_weights():
    keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])
    m.compile(optimizer="sgd", loss="mse")
    x = X.copy()
    x[12:] *= 1e30  # batch 3 (of size 4) overflows float32
    with pytest.warns(RuntimeWarning, match=r"Epoch 1, batch 3: the loss is inf"):
        history = m.fit(x, np.zeros((20, 2)), batch_size=4, epochs=5, shuffle=False, verbose=0)
    assert len(history.history["loss"]) == 1 and np.isfinite(history.history["loss"][0])
    assert all(np.isfinite(w).all() for w in m.get_weights())


def test_stopping_on_a_non_finite_loss_can_be_turned_off():
    keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])
    m.compile(optimizer="sgd", loss="mse")
    keras.config.set_stop_on_nonfinite_loss(False)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            history = m.fit(X * 1e30, np.zeros((20, 2)), epochs=2, verbose=0)
    finally:
        keras.config.set_stop_on_nonfinite_loss(True)
    assert len(history.history["loss"]) == 2


def test_nan_input_to_predict_and_evaluate_is_not_called_training_data():
    m = model()
    x = X.copy()
    x[0, 0] = np.nan
    with pytest.warns(UserWarning) as caught:
        m.predict(x, verbose=0)
        m.evaluate(x, Y, verbose=0)
    messages = [str(w.message) for w in caught]
    assert not any("training data" in msg for msg in messages)
    assert any("prediction data" in msg for msg in messages)
    assert any("evaluation data" in msg for msg in messages)
