import numpy as np
import pytest

import gradiente as keras
from gradiente.callbacks import GradientMonitor

L = keras.layers


def _data(n=256):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 10)).astype("float32")
    y = (x[:, :3].sum(1, keepdims=True) > 0).astype("float32")
    return x, y


def _fit(layers, optimizer, epochs=3, **kwargs):
    keras.utils.set_random_seed(1)
    model = keras.Sequential([L.Input((10,))] + layers)
    model.compile(optimizer=optimizer, loss="binary_crossentropy")
    monitor = GradientMonitor(verbose=0, **kwargs)
    x, y = _data()
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=0, callbacks=[monitor], validation_split=0.25)
    return model, monitor


def _causes(monitor):
    return {(p["layer"], p["cause"]) for p in monitor.problems}


def test_healthy_model_gets_no_warning():
    model, monitor = _fit([L.Dense(16, activation="relu", name="h1"), L.Dense(16, activation="tanh", name="h2"),
                           L.Dense(1, activation="sigmoid", name="out")], keras.optimizers.Adam(1e-2))
    assert monitor.problems == []
    assert "healthy" in monitor.report()
    assert {r["layer"] for r in monitor.records} == {"h1", "h2", "out"}
    assert len(monitor.records) == 9
    rec = next(r for r in monitor.records if r["layer"] == "h1")
    assert set(rec["grad_norm"]) == {"kernel", "bias"} and rec["grad_norm"]["kernel"] > 0
    assert 0 < rec["update_ratio"] < 0.1 and rec["dead_fraction"] is not None
    assert next(r for r in monitor.records if r["layer"] == "h2")["saturated_fraction"] is not None
    # The wrappers are gone after fit: call is the class's method again.
    assert "call" not in model.get_layer("h1").__dict__


def test_huge_learning_rate_kills_relus():
    # clipnorm keeps the huge steps finite, so the relus die rather than the numbers overflow.
    keras.utils.set_random_seed(1)
    model = keras.Sequential([L.Input((10,)), L.Dense(32, activation="relu", name="hot"), L.Dense(1, name="out")])
    model.compile(optimizer=keras.optimizers.SGD(20.0, clipnorm=1.0), loss="mse")
    monitor = GradientMonitor(verbose=0)
    x, y = _data()
    model.fit(x, y, epochs=3, batch_size=32, verbose=0, callbacks=[monitor])
    dead = [p for p in monitor.problems if p["cause"] == "dead_relu"]
    assert [p["layer"] for p in dead] == ["hot"]
    assert "of relu units never activated in epoch 3" in dead[0]["message"]
    assert "lower learning rate" in dead[0]["message"]
    assert ("hot", "large_updates") in _causes(monitor)
    assert monitor.records[0]["dead_fraction"] == 0.0  # alive before the big steps


def test_large_sigmoid_weights_saturate():
    big = keras.initializers.RandomNormal(stddev=10.0)
    _, monitor = _fit([L.Dense(32, activation="sigmoid", kernel_initializer=big, name="sat"),
                       L.Dense(1, activation="sigmoid", name="out")], keras.optimizers.Adam(1e-3))
    assert _causes(monitor) == {("sat", "saturation")}
    message = monitor.problems[0]["message"]
    assert message.startswith("sat: ") and "saturated" in message


def test_step_activation_gets_zero_gradient():
    _, monitor = _fit([L.Dense(8, activation="relu", name="before"), L.Dense(8, activation="heaviside", name="step"),
                       L.Dense(1, activation="sigmoid", name="out")], keras.optimizers.Adam(1e-2))
    causes = _causes(monitor)
    assert ("step", "zero_gradient") in causes and ("before", "zero_gradient") in causes
    assert not any(layer == "out" for layer, _ in causes)
    messages = {p["layer"]: p["message"] for p in monitor.problems}
    assert "'heaviside'" in messages["step"] and "derivative is 0" in messages["step"]
    assert "'step'" in messages["before"]


def test_validation_passes_are_not_recorded():
    # All validation inputs are negative, so relus see nothing there; the record must
    # come from training batches only.
    keras.utils.set_random_seed(0)
    model = keras.Sequential([L.Input((1,)), L.Dense(4, activation="relu", kernel_initializer="ones", name="r"),
                              L.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    monitor = GradientMonitor(verbose=0)
    x = np.ones((32, 1), "float32")
    model.fit(x, x, epochs=1, verbose=0, callbacks=[monitor], validation_data=(-x, x))
    assert monitor.records[0]["dead_fraction"] == 0.0
    monitor = GradientMonitor(verbose=0)
    model.fit(-x, x, epochs=1, verbose=0, callbacks=[monitor], validation_data=(x, x))
    assert monitor.records[0]["dead_fraction"] == 1.0


def test_every_and_printing(capsys):
    model, monitor = _fit([L.Dense(4, activation="heaviside", name="step"), L.Dense(1, activation="sigmoid")],
                          "adam", epochs=3, every=2)
    assert sorted({r["epoch"] for r in monitor.records}) == [0, 2]
    monitor.verbose = 1
    monitor.on_train_end()
    assert "step: its weights got exactly zero gradient" in capsys.readouterr().out


def test_curves_png(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "health.png"
    _fit([L.Dense(8, activation="relu"), L.Dense(1, activation="sigmoid")], "adam", epochs=2, path=str(path))
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_bad_arguments():
    with pytest.raises(ValueError, match="every"):
        GradientMonitor(every=0)
    with pytest.raises(ValueError, match="dead_threshold"):
        GradientMonitor(dead_threshold=2)
