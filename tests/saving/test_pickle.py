"""Models pickle as Keras 3's do: through their .keras archive (weights, compile arguments and
optimizer state), so copies predict and keep training exactly as the original."""
import copy
import pickle

import numpy as np

import gradiente as keras


def _trained_functional():
    keras.utils.set_random_seed(3)
    inputs = keras.Input((4,), name="features")
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    outputs = keras.layers.Dense(1)(keras.layers.concatenate([inputs, hidden]))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    model.fit(x, x.sum(axis=1, keepdims=True), epochs=2, verbose=0)
    return model, x


def test_pickled_model_predicts_and_trains_like_the_original():
    model, x = _trained_functional()
    twin = pickle.loads(pickle.dumps(model))
    assert twin is not model and twin.name == model.name
    np.testing.assert_array_equal(twin.predict(x, verbose=0), model.predict(x, verbose=0))
    assert int(twin.optimizer.iterations) == int(model.optimizer.iterations) == 2
    y = x.sum(axis=1, keepdims=True)
    a = model.fit(x, y, epochs=1, shuffle=False, verbose=0).history["loss"]
    b = twin.fit(x, y, epochs=1, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(a, b, rtol=1e-6)  # optimizer moments came along too


def test_deepcopy_is_an_independent_model():
    model, x = _trained_functional()
    twin = copy.deepcopy(model)
    twin.layers[1].kernel.assign(np.zeros((4, 8), "float32"))
    assert not np.array_equal(model.layers[1].kernel.numpy(), twin.layers[1].kernel.numpy())


def test_unbuilt_sequential_pickles():
    model = keras.Sequential([keras.layers.Dense(3)])
    twin = pickle.loads(pickle.dumps(model))
    assert [type(layer).__name__ for layer in twin.layers] == ["Dense"] and not twin.built
