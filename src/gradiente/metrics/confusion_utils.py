"""Confusion counts at thresholds, shared by the threshold metrics (Keras's metrics_utils).

A prediction counts as positive at threshold t when it is strictly greater than t. All
thresholds are counted in one pass: per prediction, the number of thresholds below it (a
``searchsorted``, or Keras's bucket formula for evenly spaced thresholds); a weighted
histogram of that number, summed from the top, is the true (false) positive weight at every
threshold.
"""
import enum

import numpy as np

from gradiente import backend
from gradiente.metrics.metric import squeeze_or_expand, to_array, weights_like

NEG_INF = -1e10  # what Keras gives predictions outside the top k


class AUCCurve(str, enum.Enum):
    """The curve AUC integrates; a str, so ``auc.curve == "PR"`` holds."""
    ROC = "ROC"
    PR = "PR"
    PRGAIN = "PRGAIN"

    @staticmethod
    def from_str(key):
        for member in AUCCurve:
            if key in (member.value, member.value.lower()):
                return member
        raise ValueError(f'Invalid AUC curve value: "{key}". Expected values are ["PR", "ROC", "PRGAIN"]')


class AUCSummationMethod(str, enum.Enum):
    """How AUC sums the area between two thresholds."""
    INTERPOLATION = "interpolation"
    MAJORING = "majoring"
    MINORING = "minoring"

    @staticmethod
    def from_str(key):
        for member in AUCSummationMethod:
            if key in (member.value, member.value.capitalize()):
                return member
        raise ValueError(f'Invalid AUC summation method value: "{key}". Expected values are '
                         '["interpolation", "majoring", "minoring"]')


def parse_thresholds(thresholds, default):
    """A list of thresholds, each checked to lie in [0, 1] (the default is not checked)."""
    if thresholds is None:
        return [default]
    values = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) else [thresholds]
    invalid = [t for t in values if t is None or not 0 <= t <= 1]
    if invalid:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")
    return values


def evenly_distributed(thresholds):
    """Whether thresholds are 0, 1/(n-1), ..., 1 (n >= 3): the bucket formula applies."""
    n = len(thresholds)
    if n < 3:
        return False
    return bool(np.allclose(thresholds, np.arange(n, dtype=np.float32) / (n - 1), atol=backend.epsilon()))


def prepare(y_true, y_pred, sample_weight, dtype, top_k=None, class_id=None):
    """Boolean labels, predictions (in ``dtype``, as Keras casts them) and weights, of one
    shape: y_pred's, or (samples,) for ``class_id``."""
    y_true, y_pred = to_array(y_true), to_array(y_pred, dtype)
    y_pred, y_true = squeeze_or_expand(y_pred, y_true)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape, received y_true.shape={y_true.shape}, "
            f"y_pred.shape={y_pred.shape}."
        )
    if sample_weight is None:
        weights = np.ones(y_pred.shape, dtype=dtype)
    else:
        weights = weights_like(sample_weight, y_pred.shape, dtype)
    if top_k is not None:
        # Stable order, so ties keep the first classes as ops.top_k does.
        top = np.argsort(-y_pred, axis=-1, kind="stable")[..., :top_k]
        kept = np.full(y_pred.shape, NEG_INF, dtype=y_pred.dtype)
        np.put_along_axis(kept, top, np.take_along_axis(y_pred, top, axis=-1), axis=-1)
        y_pred = kept
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(
                "When class_id is provided, y_pred must be a 2D array with shape (num_samples, "
                f"num_classes), found shape: {y_pred.shape}"
            )
        y_true, y_pred, weights = y_true[..., class_id], y_pred[..., class_id], weights[..., class_id]
    return y_true.astype(bool), y_pred, weights


def confusion_counts(thresholds, labels, y_pred, weights, evenly=False):
    """(tp, fp, fn, tn) at each of the sorted ``thresholds``; with 2-D inputs (samples,
    labels) each count has shape (thresholds, labels), else (thresholds,). ``evenly``:
    Keras's bucket formula for evenly spaced thresholds (predictions clipped to [0, 1])."""
    n = len(thresholds)
    thresholds = np.asarray(thresholds, dtype=y_pred.dtype)
    if evenly:
        with_epsilon = thresholds[0] < 0 or thresholds[-1] > 1
        scaled = np.clip(y_pred, 0.0, 1.0) * np.asarray(n - 1, dtype=y_pred.dtype)
        above = np.ceil(scaled).astype(np.intp)  # bucket index + 1
        if with_epsilon:
            above = np.maximum(above, 1)
    else:
        above = np.searchsorted(thresholds, y_pred, side="left")  # thresholds strictly below
    pos = np.where(labels, weights, 0).astype(np.float64)
    neg = np.where(labels, 0, weights).astype(np.float64)
    if y_pred.ndim == 2:
        cols = y_pred.shape[1]
        index = (above * cols + np.arange(cols)).ravel()
        size, shape = (n + 1) * cols, (n + 1, cols)
    else:
        index, size, shape = above.ravel(), n + 1, (n + 1,)
    counts = []
    for w in (pos, neg):
        hist = np.bincount(index, weights=w.ravel(), minlength=size).reshape(shape)
        from_top = np.cumsum(hist[::-1], axis=0)[::-1]  # from_top[i]: weight with >= i below
        counts.append((from_top[1:], from_top[0] - from_top[1:]))
    (tp, fn), (fp, tn) = counts
    return tp, fp, fn, tn


def divide_no_nan(num, den):
    """num / den, and 0 where den is 0 (Keras's divide_no_nan)."""
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    safe = np.where(den != 0, den, 1.0)
    return np.where(den != 0, num / safe, 0.0)


def as_result(values):
    """One threshold: a float; several: a list of floats (one per threshold, in order)."""
    values = np.asarray(values, dtype=np.float64)
    return float(values[0]) if values.size == 1 else [float(v) for v in values]
