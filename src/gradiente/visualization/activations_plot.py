"""Activation functions beside their derivatives, one panel per function.

The derivative drawn is the one training uses: the autodiff engine's (a GradientTape over
the activation), not a hand-written formula. Kinks (the derivative jumps: relu at 0) and
discontinuities (the function jumps: heaviside, sign at 0) are found numerically on the
grid, so a user's own activation gets them marked too.
"""
import math

import numpy as np

from gradiente import activations
from gradiente.autodiff import GradientTape, Tensor
from gradiente.visualization import _mpl

# The lecture's order: the useless step functions, the saturating ones, the relu family.
DEFAULT_NAMES = ("heaviside", "sign", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu",
                 "gelu", "softplus", "silu", "linear")
_NOT_ELEMENTWISE = ("softmax", "log_softmax", "sparsemax", "glu")
# Every other built-in activation is elementwise and drawable by name. threshold has no
# defaults for its cut-off and replacement value (nor in Keras), so a panel draws it at
# these; a function such as ``lambda x: activations.threshold(x, 1.0, -1.0)`` draws others.
_PLOT_ARGUMENTS = {"threshold": {"threshold": 0.0, "default_value": -1.0}}


def _resolve(name):
    if callable(name) and not isinstance(name, str):
        return getattr(name, "__name__", "activation"), name
    if not isinstance(name, str):
        raise TypeError(
            f"plot(): each entry of `names` must be an activation name or a function, received "
            f"{type(name).__name__}: {name!r}."
        )
    if name in _NOT_ELEMENTWISE:
        raise ValueError(
            f"plot(): {name!r} is not an elementwise function (each output depends on a whole vector), so it "
            "has no curve of one variable to draw. Choose elementwise activations such as 'sigmoid'."
        )
    fn = activations.get(name)
    if name in _PLOT_ARGUMENTS:
        kwargs = _PLOT_ARGUMENTS[name]
        label = name + "(" + ", ".join(f"{k}={v:g}" for k, v in kwargs.items()) + ")"
        return label, lambda x: fn(x, **kwargs)
    return name, fn


def derivative(fn, x):
    """``fn`` and its derivative at the points ``x`` (1-D float64), by the autodiff engine.

    Returns ``(y, dy)``, arrays shaped like ``x``. Elementwise ``fn`` only: the tape's
    all-ones seed then gives each point's own derivative.
    """
    t = Tensor(np.asarray(x, dtype=np.float64))
    with GradientTape() as tape:
        tape.watch(t)
        y = fn(t)
    dy = tape.gradient(y, t)
    y = np.asarray(getattr(y, "data", y), dtype=np.float64)
    dy = np.zeros_like(t.data) if dy is None else np.asarray(dy.data, dtype=np.float64)
    if y.shape != t.data.shape:
        raise ValueError(
            f"plot(): the activation returned shape {y.shape} for {t.data.shape[0]} points; only "
            "elementwise functions (one output per input) can be drawn."
        )
    return y, dy


def _snap(value, step):
    """The roundest number within one grid step of ``value`` (0.005 -> 0.0)."""
    for decimals in range(7):
        rounded = round(value, decimals)
        if abs(rounded - value) <= step:
            return float(rounded) + 0.0  # no -0.0
    return float(value)


def find_breaks(x, y, dy):
    """Where ``y`` jumps (discontinuities) and where ``dy`` jumps (kinks), on a uniform grid.

    A smooth function moves by about ``dy·h`` between neighbours; a jump in ``y`` shows as a
    step of order 1 that ``dy`` does not explain, a jump in ``dy`` as a step much larger
    than the steps around it. Returns two sorted lists of x positions (snapped to round
    numbers); a point is a kink only if it is not a discontinuity.
    """
    h = x[1] - x[0]
    scale = 1.0 + np.max(np.abs(dy[np.isfinite(dy)]), initial=0.0)
    step = np.diff(y)
    predicted = 0.5 * (dy[1:] + dy[:-1]) * h
    jump_idx = np.flatnonzero(np.abs(step - predicted) > 20 * h * scale)
    jumps = sorted({_snap(0.5 * (x[i] + x[i + 1]), h) for i in jump_idx})

    ddy = np.abs(np.diff(dy))
    neighbours = np.maximum(np.concatenate([[0.0], ddy[:-1]]), np.concatenate([ddy[1:], [0.0]]))
    kink_idx = np.flatnonzero((ddy > 10 * neighbours) & (ddy > 1e-2 * scale))
    kinks = sorted({_snap(0.5 * (x[i] + x[i + 1]), h) for i in kink_idx} - set(jumps))
    return jumps, kinks


def activation_curves(name, x_range=(-5.0, 5.0), points=1001):
    """The numbers one panel draws: ``{"name", "x", "y", "dy", "jumps", "kinks"}``.

    ``name``: an activation name or an elementwise function. ``x``: ``points`` evenly
    spaced values over ``x_range`` (float64); ``y``, ``dy``: the function and its autodiff
    derivative there. Needs no matplotlib.
    """
    label, fn = _resolve(name)
    lo, hi = _check_range(x_range)
    x = np.linspace(lo, hi, int(points))
    y, dy = derivative(fn, x)
    jumps, kinks = find_breaks(x, y, dy)
    return {"name": label, "x": x, "y": y, "dy": dy, "jumps": jumps, "kinks": kinks}


def _check_range(x_range):
    try:
        lo, hi = (float(v) for v in x_range)
    except (TypeError, ValueError):
        raise ValueError(f"plot(): `x_range` must be a pair (low, high), received {x_range!r}.") from None
    if not lo < hi:
        raise ValueError(f"plot(): `x_range` must have low < high, received {x_range!r}.")
    return lo, hi


def _with_breaks(x, values, breaks):
    """``x`` and ``values`` cut at each break, so the line shows a jump instead of a steep
    segment the function does not have. A grid point lying on the break is blanked (NaN):
    the value there is a convention (relu'(0) = 0), marked separately as a dot."""
    x, values = x.copy(), values.astype(np.float64)
    h = x[1] - x[0]
    for b in breaks:
        i = int(np.argmin(np.abs(x - b)))
        if abs(x[i] - b) < 1e-6 * h:
            values[i] = np.nan
        else:
            at = np.searchsorted(x, b)
            x, values = np.insert(x, at, b), np.insert(values, at, np.nan)
    return x, values


def _value_at(x, values, x0):
    """The value on the grid point at ``x0`` (the engine's convention there), or None."""
    i = int(np.argmin(np.abs(x - x0)))
    return values[i] if abs(x[i] - x0) < 1e-6 * (x[1] - x[0]) else None


def plot_activations(names=None, derivative=True, x_range=(-5, 5), path=None, points=1001, ncols=4):
    """One panel per activation: the function (solid) and its autodiff derivative (dashed),
    discontinuities marked in red, kinks in orange.

    ``names``: activation names or elementwise functions (default: the lecture's set).
    ``path``: save there (PNG, SVG or PDF by extension) and return the path; without it,
    return the matplotlib Figure. Each derivative line has ``gid`` "derivative:<name>".
    """
    Figure = _mpl.require("gradiente.activations.plot")
    if names is None:
        names = DEFAULT_NAMES
    elif isinstance(names, str) or callable(names):
        names = [names]
    curves = [activation_curves(n, x_range, points) for n in names]
    if not curves:
        raise ValueError("plot(): `names` is empty; give at least one activation name.")
    ncols = max(1, min(int(ncols), len(curves)))
    nrows = math.ceil(len(curves) / ncols)
    fig = Figure(figsize=(3.2 * ncols, 2.6 * nrows), dpi=100, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, c in zip(axes, curves):
        _draw_panel(ax, c, derivative)
    for ax in axes[len(curves):]:
        ax.set_visible(False)
    return _mpl.finish(fig, path)


def _draw_panel(ax, c, show_derivative):
    breaks = sorted(c["jumps"] + c["kinks"])
    ax.axhline(0, color="0.8", lw=0.8)
    ax.axvline(0, color="0.8", lw=0.8)
    xs, ys = _with_breaks(c["x"], c["y"], c["jumps"])
    ax.plot(xs, ys, color="tab:blue", lw=2, label="f(x)", gid=f"function:{c['name']}")
    if show_derivative:
        xd, yd = _with_breaks(c["x"], c["dy"], breaks)
        ax.plot(xd, yd, color="tab:orange", lw=1.6, ls="--", label="f'(x) (autodiff)",
                gid=f"derivative:{c['name']}")
    for x0 in c["jumps"]:
        ax.axvline(x0, color="tab:red", lw=1, ls=":")
        # The one-sided limits as open circles, the value taken at x0 as a filled dot.
        i = np.searchsorted(c["x"], x0)
        below, above = c["y"][max(i - 1, 0)], c["y"][min(i + 1, len(c["y"]) - 1)]
        ax.plot([x0, x0], [below, above], ls="none", marker="o", mfc="white", mec="tab:red", ms=5)
        at = _value_at(c["x"], c["y"], x0)
        if at is not None:
            ax.plot([x0], [at], ls="none", marker="o", color="tab:red", ms=4)
    for x0 in c["kinks"]:
        ax.axvline(x0, color="tab:orange", lw=1, ls=":")
        ax.plot([x0], [np.interp(x0, c["x"], c["y"])], ls="none", marker="o", color="tab:orange", ms=5)
    if show_derivative:
        for x0 in breaks:
            at = _value_at(c["x"], c["dy"], x0)
            if at is not None:  # the value the engine uses where f' is undefined
                ax.plot([x0], [at], ls="none", marker="s", color="tab:orange", ms=3)
    notes = []
    if c["jumps"]:
        notes.append("jump at x=" + ", ".join(f"{v:g}" for v in c["jumps"]))
    if c["kinks"]:
        notes.append("kink at x=" + ", ".join(f"{v:g}" for v in c["kinks"]))
    if show_derivative and not np.any(c["dy"]):
        notes.append("f' = 0 everywhere: no gradient")
    title = c["name"] + ("\n" + "; ".join(notes) if notes else "")
    ax.set_title(title, fontsize=9)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=6, loc="upper left")
