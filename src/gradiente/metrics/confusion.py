"""Metrics from confusion counts at thresholds: Precision, Recall, AUC.

A prediction counts as positive at threshold t when it is strictly greater than t. The
counts at all thresholds are made in one pass: ``searchsorted`` gives, per prediction,
how many thresholds lie below it; a weighted histogram of that, summed from the top,
is the number of true (false) positives at every threshold.
"""
import math

import numpy as np

from gradiente import backend
from gradiente.metrics.metric import Metric, squeeze_or_expand, to_array, weights_like


def _prepare(y_true, y_pred, sample_weight, dtype, top_k=None, class_id=None):
    """Boolean labels, predictions and weights, flattened or (samples, labels)."""
    y_true, y_pred = squeeze_or_expand(to_array(y_true), to_array(y_pred))
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
        # Everything outside each row's top k becomes -inf, so it is never positive.
        kept = np.full(y_pred.shape, -np.inf)
        top = np.argpartition(-y_pred, top_k - 1, axis=-1)[..., :top_k]
        np.put_along_axis(kept, top, np.take_along_axis(y_pred, top, axis=-1), axis=-1)
        y_pred = kept
    if class_id is not None:
        y_true, y_pred, weights = y_true[..., class_id], y_pred[..., class_id], weights[..., class_id]
    return y_true != 0, y_pred, weights


def confusion_counts(thresholds, labels, y_pred, weights):
    """(tp, fp, fn, tn) at each of the sorted ``thresholds``; with 2-D inputs (samples,
    labels) each count has shape (thresholds, labels), else (thresholds,)."""
    n = len(thresholds)
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


def _thresholds(thresholds, default):
    if thresholds is None:
        return [default]
    values = [float(t) for t in (thresholds if np.ndim(thresholds) else [thresholds])]
    for t in values:
        if not 0 <= t <= 1:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {thresholds}")
    return values


def _ratio(num, den):
    return np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)


class _ThresholdMetric(Metric):
    """Shared by Precision and Recall: tp and one other count at the given thresholds."""

    _other = None  # "false_positives" or "false_negatives"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = _thresholds(thresholds, 0.5 if top_k is None else -math.inf)
        self._order = np.argsort(self.thresholds, kind="stable")
        self._sorted = np.asarray(self.thresholds, dtype=np.float64)[self._order]
        self._unsort = np.argsort(self._order)
        n = len(self.thresholds)
        self.true_positives = self.add_variable((n,), name="true_positives")
        setattr(self, self._other, self.add_variable((n,), name=self._other))

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, y_pred, weights = _prepare(y_true, y_pred, sample_weight, self._dtype,
                                           self.top_k, self.class_id)
        tp, fp, fn, _ = confusion_counts(self._sorted, labels.ravel(), y_pred.ravel(), weights.ravel())
        other = fp if self._other == "false_positives" else fn
        self.true_positives.data += tp[self._unsort]
        getattr(self, self._other).data += other[self._unsort]

    def result(self):
        tp = self.true_positives.data.astype(np.float64)
        values = _ratio(tp, tp + getattr(self, self._other).data)
        return float(values[0]) if len(values) == 1 else [float(v) for v in values]

    def get_config(self):
        config = super().get_config()
        config.update({"thresholds": self.init_thresholds, "top_k": self.top_k,
                       "class_id": self.class_id})
        return config


class Precision(_ThresholdMetric):
    """tp / (tp + fp): the fraction of predicted positives (y_pred > threshold) that are
    positive. ``thresholds`` (default 0.5) may be a list: ``result()`` is then a list."""

    _other = "false_positives"


class Recall(_ThresholdMetric):
    """tp / (tp + fn): the fraction of positives predicted positive (y_pred > threshold)."""

    _other = "false_negatives"


class AUC(Metric):
    """Area under the ROC (or precision-recall) curve, from confusion counts at
    ``num_thresholds`` thresholds evenly spaced in [0, 1] (the ends nudged by epsilon so
    0 and 1 predictions fall inside), summed by the trapezoid rule (``"interpolation"``)
    as Keras does. ``multi_label=True`` keeps one curve per label and averages them.
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        super().__init__(name=name, dtype=dtype)
        curve = str(curve).upper()
        if curve not in ("ROC", "PR"):
            raise ValueError(f'Invalid `curve` argument value "{curve}". Expected one of: ROC, PR')
        summation_method = str(summation_method).lower()
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(
                f'Invalid `summation_method` argument value "{summation_method}". Expected '
                "one of: interpolation, minoring, majoring"
            )
        eps = backend.epsilon()
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            num_thresholds = len(inner) + 2
        else:
            if num_thresholds <= 1:
                raise ValueError(
                    f"Argument `num_thresholds` must be an integer > 1. Received: num_thresholds={num_thresholds}"
                )
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.num_thresholds = num_thresholds
        self._thresholds = np.array([0.0 - eps] + inner + [1.0 + eps])
        self.curve = curve
        self.summation_method = summation_method
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else np.asarray(label_weights, dtype=np.float64)
        self.from_logits = bool(from_logits)
        self._init_thresholds = thresholds
        self._built = False
        if not self.multi_label or num_labels is not None:
            self._build(num_labels)

    @property
    def thresholds(self):
        return self._thresholds.tolist()

    def _build(self, num_labels):
        shape = (self.num_thresholds, num_labels) if self.multi_label else (self.num_thresholds,)
        self.num_labels = num_labels
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.true_negatives = self.add_variable(shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, y_pred, weights = _prepare(y_true, y_pred, sample_weight, self._dtype)
        if self.from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-y_pred))
        if self.multi_label:
            cols = y_pred.shape[-1] if y_pred.ndim > 1 else 1
            labels, y_pred, weights = (a.reshape(-1, cols) for a in (labels, y_pred, weights))
            if not self._built:
                self._build(cols)
            elif cols != self.num_labels:
                raise ValueError(f"AUC(multi_label=True) was built for {self.num_labels} labels, "
                                 f"received predictions with {cols}.")
        else:
            if self.label_weights is not None:
                weights = weights * self.label_weights
            labels, y_pred, weights = labels.ravel(), y_pred.ravel(), weights.ravel()
        tp, fp, fn, tn = confusion_counts(self._thresholds, labels, y_pred, weights)
        self.true_positives.data += tp
        self.false_positives.data += fp
        self.false_negatives.data += fn
        self.true_negatives.data += tn

    def _pr_interpolated(self, tp, fp, fn):
        """Davis & Goadrich (2006) interpolation of the precision-recall curve."""
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _ratio(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        p_ratio = np.where(both, _ratio(p[:-1], np.maximum(p[1:], 0)), 1.0)
        terms = _ratio(slope * (dtp + intercept * np.log(np.where(p_ratio > 0, p_ratio, 1.0))),
                       np.maximum(tp[1:] + fn[1:], 0))
        return terms

    def result(self):
        if not self._built:
            return 0.0
        tp, fp, fn, tn = (v.data.astype(np.float64) for v in (
            self.true_positives, self.false_positives, self.false_negatives, self.true_negatives))
        if self.curve == "PR" and self.summation_method == "interpolation":
            terms = self._pr_interpolated(tp, fp, fn)
        else:
            recall = _ratio(tp, tp + fn)
            if self.curve == "ROC":
                x, y = _ratio(fp, fp + tn), recall
            else:
                x, y = recall, _ratio(tp, tp + fp)
            if self.summation_method == "interpolation":
                heights = (y[:-1] + y[1:]) / 2.0
            elif self.summation_method == "minoring":
                heights = np.minimum(y[:-1], y[1:])
            else:
                heights = np.maximum(y[:-1], y[1:])
            terms = (x[:-1] - x[1:]) * heights
        if not self.multi_label:
            return float(np.sum(terms))
        per_label = np.sum(terms, axis=0)
        if self.label_weights is None:
            return float(np.mean(per_label))
        return float(np.sum(per_label * self.label_weights) / np.sum(self.label_weights))

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_thresholds": self.num_thresholds, "curve": self.curve,
            "summation_method": self.summation_method, "multi_label": self.multi_label,
            "num_labels": self.num_labels, "from_logits": self.from_logits,
            "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
        })
        if self._init_thresholds is not None:
            config["thresholds"] = self.thresholds[1:-1]
        return config
