"""Losses a subclassed model adds in its own call are those of the latest call, as with a
layer: they do not pile up across calls, fits and evaluations."""
import numpy as np
import pytest

import gradiente as keras


class Penalised(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(2)

    def call(self, inputs):
        z = self.dense(inputs)
        self.add_loss(keras.ops.mean(z * z))
        return z


def test_added_losses_are_those_of_the_latest_call():
    model = Penalised()
    x = np.ones((4, 3), dtype="float32")
    for _ in range(3):
        model(x)
    assert len(model.losses) == 1


def test_evaluate_does_not_grow_with_repeated_calls():
    keras.utils.set_random_seed(0)
    model = Penalised()
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((4, 3), dtype="float32"), np.zeros((4, 2), dtype="float32")
    model.fit(x, y, epochs=2, verbose=0)
    first, second = model.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0)
    z = model.predict(x, verbose=0)
    assert first == pytest.approx(second)
    assert first == pytest.approx(2 * float(np.mean(z * z)), rel=1e-5)  # mse + the added mean
