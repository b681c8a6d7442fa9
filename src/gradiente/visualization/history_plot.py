"""Learning curves: each logged quantity against the epoch, training beside validation."""
import math

import numpy as np

from gradiente.visualization import _mpl


def history_series(history):
    """``(epochs, {name: (train values, val values or None)})`` from a History or its dict.

    ``epochs`` counts from 1, as the progress bar does. The validation twin of ``name`` is
    ``val_<name>``; a ``val_`` key without a training twin gets a panel of its own.
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict):
        raise TypeError(
            "plot_history() expects the History returned by model.fit (or its .history dict), "
            f"received {type(history).__name__}."
        )
    if not logs or not any(len(v) for v in logs.values()):
        raise ValueError("plot_history(): the history is empty; train for at least one epoch first.")
    n = max(len(v) for v in logs.values())
    first = getattr(history, "epoch", None)
    start = int(first[0]) if first else 0
    epochs = np.arange(start + 1, start + n + 1)
    series = {}
    for key, values in logs.items():
        if key.startswith("val_") and key[4:] in logs:
            continue
        val = logs.get("val_" + key)
        series[key] = (_as_floats(values), None if val is None else _as_floats(val))
    return epochs, series


def _as_floats(values):
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def plot_history(history, path=None, ncols=2):
    """Draw ``history`` (``model.fit``'s return value): one panel per quantity (loss first),
    the training curve solid and its ``val_`` twin dashed, x axis in epochs.

    ``path``: save there (PNG/SVG/PDF) and return the path; otherwise return the Figure.
    """
    Figure = _mpl.require("gradiente.utils.plot_history")
    epochs, series = history_series(history)
    names = sorted(series, key=lambda k: (k != "loss", k in ("lr", "learning_rate"), k))
    ncols = max(1, min(int(ncols), len(names)))
    nrows = math.ceil(len(names) / ncols)
    fig = Figure(figsize=(4.5 * ncols, 3.2 * nrows), dpi=100, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    from matplotlib.ticker import MaxNLocator

    for ax, name in zip(axes, names):
        train, val = series[name]
        marker = "o" if len(epochs) <= 30 else None
        ax.plot(epochs[:len(train)], train, marker=marker, ms=3, label=name, gid=f"train:{name}")
        if val is not None:
            ax.plot(epochs[:len(val)], val, marker=marker, ms=3, ls="--", label="val_" + name,
                    gid=f"val:{name}")
        if name in ("lr", "learning_rate"):
            ax.set_yscale("log")
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    return _mpl.finish(fig, path)
