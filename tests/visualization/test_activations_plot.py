import os
import sys

import numpy as np
import pytest

from gradiente import activations
from gradiente.autodiff import GradientTape, Tensor
from gradiente.visualization import _mpl
from gradiente.visualization.activations_plot import activation_curves, find_breaks


def _line(fig, gid):
    return next(line for ax in fig.axes for line in ax.lines if line.get_gid() == gid)


def _tape_derivative(fn, x):
    t = Tensor(np.asarray(x, dtype=np.float64))
    with GradientTape() as tape:
        tape.watch(t)
        y = fn(t)
    return tape.gradient(y, t).data


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "elu", "heaviside", "sign", "gelu"])
def test_plotted_derivative_is_the_autodiff_derivative(mpl, name):
    fig = activations.plot([name])
    line = _line(fig, f"derivative:{name}")
    x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
    shown = np.isfinite(y)
    assert shown.sum() >= 1000 - 2  # only the break points are blanked
    np.testing.assert_allclose(y[shown], _tape_derivative(activations.get(name), x[shown]), rtol=1e-12, atol=1e-12)


def test_plotted_derivative_matches_closed_form(mpl):
    fig = activations.plot(["sigmoid", "tanh"])
    for name, exact in (("sigmoid", lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
                        ("tanh", lambda x: 1 / np.cosh(x) ** 2)):
        line = _line(fig, f"derivative:{name}")
        x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        np.testing.assert_allclose(y, exact(x), atol=1e-12)


def test_step_functions_have_zero_derivative_and_a_marked_jump():
    for name in ("heaviside", "sign"):
        c = activation_curves(name)
        assert not np.any(c["dy"])
        assert c["jumps"] == [0.0] and c["kinks"] == []


@pytest.mark.parametrize("name, kinks", [("relu", [0.0]), ("leaky_relu", [0.0]), ("selu", [0.0]),
                                         ("hard_sigmoid", [-3.0, 3.0]), ("sigmoid", []), ("elu", []),
                                         ("gelu", []), ("linear", [])])
def test_kinks_are_found(name, kinks):
    c = activation_curves(name)
    assert c["kinks"] == kinks and c["jumps"] == []


def test_breaks_of_a_user_function_off_the_grid():
    x = np.linspace(-2, 2, 401)
    y = np.where(x > 0.503, 2.0, 0.0) + np.abs(x + 1.0)
    dy = np.where(x > -1.0, 1.0, -1.0)
    jumps, kinks = find_breaks(x, y, dy)
    assert len(jumps) == 1 and abs(jumps[0] - 0.503) <= 0.01
    assert kinks == [-1.0]


def test_png_has_the_figure_size(mpl, tmp_path, png_size):
    path = activations.plot(["relu", "sigmoid", "tanh", "sign", "elu"], path=tmp_path / "act.png")
    assert os.path.getsize(path) > 1000
    assert png_size(path) == (4 * 320, 2 * 260)  # 4 columns x 2 rows of 3.2 x 2.6 in at 100 dpi


def test_callable_and_default_set(mpl):
    fig = activations.plot(lambda x: x * x, derivative=True)
    line = next(line for line in fig.axes[0].lines if (line.get_gid() or "").startswith("derivative:"))
    np.testing.assert_allclose(line.get_ydata(), 2 * np.asarray(line.get_xdata()), atol=1e-12)
    fig = activations.plot(derivative=False)
    assert sum(ax.get_visible() for ax in fig.axes) == 12
    assert not any((line.get_gid() or "").startswith("derivative") for ax in fig.axes for line in ax.lines)


def test_bad_input_is_explained():
    with pytest.raises(ValueError, match="not an elementwise"):
        activation_curves("softmax")
    with pytest.raises(ValueError, match="x_range"):
        activation_curves("relu", x_range=(3, 1))
    with pytest.raises(ValueError, match="Could not interpret"):
        activation_curves("relux")


def test_missing_matplotlib_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install gradiente\[plot\]"):
        activations.plot(["relu"])
    assert not _mpl.available()
