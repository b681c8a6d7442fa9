"""The learning-rate range test: train briefly while the rate grows, watch the loss.

The loss first barely moves (rate too small), then falls fastest, then blows up (too
large). A good rate lies where it falls fastest, about a tenth of where it is lowest.
The model's weights and its optimizer are left exactly as they were: the sweep trains a
fresh optimizer of the same class and configuration.
"""
import math

import numpy as np

from gradiente import backend


def _smooth(losses, beta=0.9):
    """Bias-corrected exponential moving average (as Adam corrects its moments)."""
    out, avg = [], 0.0
    for i, value in enumerate(losses, start=1):
        avg = beta * avg + (1 - beta) * value
        out.append(avg / (1 - beta ** i))
    return np.array(out)


def suggest(lrs, losses):
    """The rate where the smoothed loss falls fastest (per log-step of the rate); when the
    curve is too short or never falls, a tenth of the rate with the lowest loss."""
    lrs, losses = np.asarray(lrs, dtype=np.float64), np.asarray(losses, dtype=np.float64)
    keep = np.isfinite(losses)
    lrs, losses = lrs[keep], losses[keep]
    if len(lrs) == 0:
        raise ValueError("find_learning_rate(): every loss was inf/nan; lower `min_lr`.")
    smooth = _smooth(losses)
    lowest = int(np.argmin(smooth))
    if lowest >= 4:
        # Skip the first steps, where the average has not settled.
        start = min(3, lowest - 1)
        slopes = np.gradient(smooth[:lowest + 1], np.log(lrs[:lowest + 1]))
        steepest = start + int(np.argmin(slopes[start:]))
        if slopes[steepest] < 0:
            return float(lrs[steepest])
    return float(lrs[lowest] / 10)


def find_learning_rate(model, x, y, min_lr=1e-6, max_lr=10.0, steps=200, batch_size=32,
                       stop_factor=4.0, plot=False, path=None):
    """Sweep the learning rate from ``min_lr`` to ``max_lr`` over ``steps`` training steps.

    ``model`` must be compiled. Batches of ``batch_size`` are drawn from ``x``/``y``
    (shuffled, cycling when ``steps`` batches need more than one pass); the sweep stops
    early once the loss exceeds ``stop_factor`` times its lowest value. Afterwards the
    weights are restored and the model's optimizer is untouched.

    Returns ``(lrs, losses, suggestion)``: the rates tried, the loss of each step, and the
    suggested rate. ``plot=True`` or ``path`` also draws the curve (needs matplotlib);
    the figure is then saved to ``path`` or stored as ``find_learning_rate.figure``.
    """
    state = getattr(model, "_compile_state", None)
    if state is None:
        raise ValueError("find_learning_rate(): compile the model first: model.compile(optimizer=..., loss=...).")
    if not 0 < min_lr < max_lr:
        raise ValueError(
            f"find_learning_rate(): need 0 < min_lr < max_lr, received min_lr={min_lr!r}, max_lr={max_lr!r}."
        )
    if not isinstance(steps, int) or steps < 2:
        raise ValueError(f"find_learning_rate(): `steps` must be an integer >= 2, received steps={steps!r}.")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"find_learning_rate(): `batch_size` must be a positive integer, received {batch_size!r}.")
    xs, ys = _as_list(x), _as_list(y)
    n = len(xs[0])
    if any(len(a) != n for a in xs + ys):
        raise ValueError("find_learning_rate(): x and y must have the same number of samples.")

    original = state.optimizer
    config = original.get_config()
    config["learning_rate"] = float(min_lr)
    sweeper = type(original).from_config(config)
    weights = model.get_weights()
    lrs = np.geomspace(min_lr, max_lr, steps)
    tried, losses = [], []
    rng = backend.rng()
    order = rng.permutation(n)
    position = 0
    state.optimizer = model.optimizer = sweeper
    try:
        best, avg, beta = math.inf, 0.0, 0.9
        for lr in lrs:
            if position + batch_size > n and position > 0:
                order, position = rng.permutation(n), 0
            idx = order[position:position + batch_size]
            position += batch_size
            sweeper.learning_rate = float(lr)
            logs = model.train_on_batch(_take(xs, idx, x), _take(ys, idx, y), return_dict=True)
            loss = float(logs["loss"])
            tried.append(float(lr))
            losses.append(loss)
            # Judge the smoothed loss: one lucky batch must not end the sweep.
            avg = beta * avg + (1 - beta) * loss
            smoothed = avg / (1 - beta ** len(losses))
            best = min(best, smoothed)
            if not math.isfinite(loss) or smoothed > stop_factor * best:
                break
    finally:
        state.optimizer = model.optimizer = original
        model.set_weights(weights)
    lrs_out, losses_out = np.array(tried), np.array(losses)
    suggestion = suggest(lrs_out, losses_out)
    if plot or path is not None:
        figure = plot_lr_curve(lrs_out, losses_out, suggestion, path)
        find_learning_rate.figure = figure
    return lrs_out, losses_out, suggestion


def _is_array_list(a):
    return isinstance(a, (list, tuple)) and len(a) > 0 and all(isinstance(v, np.ndarray) for v in a)


def _as_list(a):
    """The data as a list of arrays: one per model input/output."""
    if isinstance(a, dict):
        return [np.asarray(v) for v in a.values()]
    if _is_array_list(a):
        return list(a)
    return [np.asarray(a)]


def _take(arrays, idx, like):
    """Rows ``idx`` of every array, in the structure the user gave (array, list or dict)."""
    if isinstance(like, dict):
        return dict(zip(like, (a[idx] for a in arrays)))
    if _is_array_list(like):
        return [a[idx] for a in arrays]
    return arrays[0][idx]


def plot_lr_curve(lrs, losses, suggestion=None, path=None):
    """Loss against learning rate (log x axis), raw and smoothed, the suggestion marked."""
    from gradiente.visualization import _mpl

    Figure = _mpl.require("find_learning_rate(plot=True)")
    fig = Figure(figsize=(6, 4), dpi=100, layout="constrained")
    ax = fig.subplots()
    ax.plot(lrs, losses, color="0.7", lw=1, label="loss per step", gid="loss")
    ax.plot(lrs, _smooth(losses), color="tab:blue", lw=2, label="smoothed", gid="smoothed")
    if suggestion is not None:
        ax.axvline(suggestion, color="tab:red", ls="--", label=f"suggested: {suggestion:.2g}")
    ax.set_xscale("log")
    smooth = _smooth(np.asarray(losses)[np.isfinite(losses)])
    if smooth.size and smooth.min() > 0:  # the blow-up at the end would squash the useful part
        lowest = int(np.argmin(smooth))
        ax.set_ylim(0.9 * smooth[lowest], 1.1 * smooth[:lowest + 1].max())
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss")
    ax.legend()
    return _mpl.finish(fig, path)
