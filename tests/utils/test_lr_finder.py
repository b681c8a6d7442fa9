import numpy as np
import pytest

import gradiente as keras
from gradiente.utils.lr_finder import suggest

L = keras.layers


def _model_and_data():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 10)).astype("float32")
    y = (x[:, :3].sum(1, keepdims=True) > 0).astype("float32")
    model = keras.Sequential([L.Input((10,)), L.Dense(16, activation="relu"), L.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    return model, x, y


def test_sweep_restores_weights_and_optimizer():
    model, x, y = _model_and_data()
    model.fit(x, y, epochs=1, verbose=0)
    weights = [w.copy() for w in model.get_weights()]
    opt = model.optimizer
    opt_state = [v.copy() for v in opt.get_weights()]
    lrs, losses, lr = keras.utils.find_learning_rate(model, x, y, steps=60)
    assert model.optimizer is opt and model._compile_state.optimizer is opt
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))
    assert all(np.array_equal(a, b) for a, b in zip(opt_state, opt.get_weights()))
    assert 2 <= len(lrs) == len(losses) <= 60
    np.testing.assert_allclose(lrs, np.geomspace(1e-6, 10, 60)[:len(lrs)])
    assert 1e-6 <= lr <= 10


def test_sweep_stops_when_the_loss_blows_up():
    model, x, y = _model_and_data()
    lrs, losses, lr = keras.utils.find_learning_rate(model, x, y, min_lr=1e-4, max_lr=1e4, steps=80)
    assert len(lrs) < 80  # it diverged before the end
    assert 1e-4 < lr < 10


def test_suggestion_on_a_known_curve():
    lrs = np.geomspace(1e-5, 1, 100)
    losses = 1.0 / (1 + np.exp(4 * (np.log10(lrs) + 2)))  # falls fastest at 1e-2
    assert abs(np.log10(suggest(lrs, losses)) + 2) < 0.4  # the smoothing lags a few steps
    rising = np.linspace(1.0, 2.0, 10)  # never falls: a tenth of the best rate
    assert suggest(lrs[:10], rising) == pytest.approx(lrs[0] / 10)


def test_plot_and_errors(tmp_path):
    pytest.importorskip("matplotlib")
    model, x, y = _model_and_data()
    path = tmp_path / "lr.png"
    keras.utils.find_learning_rate(model, x, y, steps=20, path=str(path))
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="min_lr"):
        keras.utils.find_learning_rate(model, x, y, min_lr=1.0, max_lr=0.1)
    uncompiled = keras.Sequential([L.Input((10,)), L.Dense(1)])
    with pytest.raises(ValueError, match="compile"):
        keras.utils.find_learning_rate(uncompiled, x, y)


def test_works_without_matplotlib_unless_asked_to_plot(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    model, x, y = _model_and_data()
    lrs, losses, lr = keras.utils.find_learning_rate(model, x, y, steps=10)
    assert len(lrs) == len(losses) > 0
    with pytest.raises(ImportError, match=r"gradiente\[plot\]"):
        keras.utils.find_learning_rate(model, x, y, steps=10, plot=True)
