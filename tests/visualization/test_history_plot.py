import numpy as np
import pytest

import gradiente as keras
from gradiente.visualization.history_plot import history_series


def test_series_pairs_each_metric_with_its_validation_twin():
    epochs, series = history_series({"loss": [3, 2, 1], "val_loss": [4, 3, 2], "accuracy": [0.1, 0.5, 0.9]})
    assert list(epochs) == [1, 2, 3]
    assert set(series) == {"loss", "accuracy"}
    np.testing.assert_array_equal(series["loss"][1], [4, 3, 2])
    assert series["accuracy"][1] is None


def test_plot_of_a_real_fit(mpl, tmp_path, png_size):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0)
    fig = keras.utils.plot_history(history)
    lines = {line.get_gid(): line for ax in fig.axes for line in ax.lines}
    assert {"train:loss", "val:loss", "train:accuracy", "val:accuracy"} <= set(lines)
    np.testing.assert_allclose(lines["val:loss"].get_ydata(), history.history["val_loss"])
    np.testing.assert_array_equal(lines["train:loss"].get_xdata(), [1, 2, 3])
    path = keras.utils.plot_history(history, path=tmp_path / "curves.png")
    assert png_size(path) == (900, 320)


def test_empty_or_wrong_history():
    with pytest.raises(ValueError, match="empty"):
        history_series({})
    with pytest.raises(TypeError, match="History"):
        history_series([1, 2])
