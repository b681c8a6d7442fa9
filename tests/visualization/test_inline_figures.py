"""Figures show inline in a notebook without ``%matplotlib inline`` and still save."""
import pytest

import gradiente as keras


def _history():
    history = keras.callbacks.History()
    history.history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}
    history.epoch = [0, 1]
    return history


def test_figures_have_a_png_view_and_save(mpl, tmp_path, png_size):
    for fig in (keras.utils.plot_history(_history()), keras.activations.plot(["relu", "tanh"])):
        assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
        fig.savefig(tmp_path / "f.png")
        assert png_size(tmp_path / "f.png")[0] > 100


def test_ipython_formats_them_as_image_png(mpl):
    formatters = pytest.importorskip("IPython.core.formatters")
    data, _ = formatters.DisplayFormatter().format(keras.utils.plot_history(_history()))
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
