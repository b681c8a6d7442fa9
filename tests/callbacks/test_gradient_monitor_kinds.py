"""GradientMonitor judges Keras 3's newer activations by their flat pieces: the relu-like
ones (sparse_plus, hard/soft shrink) for dead units, the clipped ones (hard_sigmoid,
sparse_sigmoid, hard_tanh) for saturation."""
import numpy as np
import pytest

import gradiente as keras
from gradiente.callbacks import GradientMonitor
from gradiente.callbacks.gradient_monitor import _ActivationStats, _activation_kind

L = keras.layers


@pytest.mark.parametrize("name,kind", [
    ("relu", "relu"), ("relu6", "relu"), ("sparse_plus", "relu"), ("hard_shrink", "relu"),
    ("soft_shrink", "relu"), ("sigmoid", "sigmoid"), ("hard_sigmoid", "clip01"),
    ("sparse_sigmoid", "clip01"), ("tanh", "tanh"), ("hard_tanh", "clip11"), ("heaviside", "step"),
    ("celu", None), ("squareplus", None), ("tanh_shrink", None), ("leaky_relu", None),
])
def test_each_activation_is_judged_by_its_family(name, kind):
    assert _activation_kind(L.Dense(2, activation=name)) == kind


def test_dead_units_are_those_never_nonzero():
    stats = _ActivationStats(L.Dense(3, activation="soft_shrink"), "relu")
    stats.observe(np.array([[0.0, -0.2, 0.0], [0.0, 0.0, 0.0]]))  # shrink outputs may be negative
    stats.observe(np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.4]]))
    np.testing.assert_array_equal(stats.active, [False, True, True])


@pytest.mark.parametrize("kind,outputs,saturated", [
    ("clip01", [[0.0, 0.3, 1.0, 0.999]], 2),
    ("clip11", [[-1.0, 0.99, 1.0, 0.0]], 2),
])
def test_clipped_outputs_count_as_saturated_only_on_the_flat_pieces(kind, outputs, saturated):
    stats = _ActivationStats(L.Dense(4), kind)
    stats.observe(np.array(outputs))
    assert (stats.saturated, stats.total) == (saturated, 4)


def test_hard_tanh_with_huge_weights_is_reported_saturated():
    keras.utils.set_random_seed(1)
    big = keras.initializers.RandomNormal(stddev=10.0)
    model = keras.Sequential([L.Input((10,)), L.Dense(16, activation="hard_tanh", kernel_initializer=big, name="sat"),
                              L.Dense(1, activation="sigmoid", name="out")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    x = np.random.default_rng(0).normal(size=(128, 10)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    monitor = GradientMonitor(verbose=0)
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[monitor])
    sat = [p for p in monitor.problems if p["cause"] == "saturation"]
    assert [p["layer"] for p in sat] == ["sat"] and "hard_tanh outputs were saturated" in sat[0]["message"]
    assert next(r for r in monitor.records if r["layer"] == "sat")["saturated_fraction"] > 0.5
