import sys

import numpy as np

import gradiente as keras
from gradiente.visualization import save_demo_plots


def test_demo_saves_both_pictures(mpl, tmp_path, png_size):
    x = np.linspace(-1, 1, 32, dtype="float32").reshape(-1, 1)
    model = keras.Sequential([keras.layers.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, 2 * x, epochs=2, verbose=0)
    saved = save_demo_plots(history, directory=str(tmp_path))
    assert set(saved) == {"activations", "history"}
    assert all(png_size(p)[0] > 100 for p in saved.values())


def test_demo_without_matplotlib_saves_nothing(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert save_demo_plots(None, directory=str(tmp_path)) == {}
    assert list(tmp_path.iterdir()) == []
