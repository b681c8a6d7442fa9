"""Which way a monitored quantity should move: shared by the callbacks that watch a metric."""
import warnings

from gradiente.callbacks.logs import logs_dict

# Metrics where larger is better; everything else (losses, errors) is minimised.
_MAXIMISED_SUFFIXES = ("acc", "accuracy", "auc", "precision", "recall", "f1_score",
                       "fbeta_score", "r2_score", "iou")


def resolve_mode(monitor, mode, owner):
    """``'min'`` or ``'max'`` for ``monitor``; ``mode='auto'`` infers it from the name."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(
            f"{owner}: `mode` must be 'auto', 'min' or 'max'; received mode={mode!r}."
        )
    if mode != "auto":
        return mode
    name = monitor[4:] if monitor.startswith("val_") else monitor
    return "max" if name.lower().endswith(_MAXIMISED_SUFFIXES) else "min"


def read_monitor(logs, monitor, owner):
    """``logs[monitor]`` as a float, or ``None`` (with a warning naming what is there)."""
    logs = logs_dict(logs)
    value = logs.get(monitor)
    if value is None:
        available = ", ".join(logs) or "none"
        warnings.warn(
            f"{owner} is watching `{monitor}`, which is not in the logs (available: {available}). "
            f"Check the metric name; validation metrics need validation data.",
            stacklevel=3,
        )
        return None
    # NaN stays NaN: it compares False, so it never counts as an improvement.
    return float(value)
