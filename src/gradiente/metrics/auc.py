"""AUC: the area under the ROC, precision-recall or precision-recall-gain curve, from
confusion counts at fixed thresholds, as Keras approximates it."""
import numpy as np

from gradiente import backend
from gradiente.metrics.confusion_utils import (
    AUCCurve, AUCSummationMethod, confusion_counts, divide_no_nan, evenly_distributed, prepare,
)
from gradiente.metrics.metric import Metric


class AUC(Metric):
    """Area under a curve through the confusion counts at ``num_thresholds`` thresholds
    evenly spaced in [0, 1] (or the given ``thresholds``), the ends nudged by epsilon so 0
    and 1 predictions fall inside.

    ``curve``: "ROC" (recall against false-positive rate), "PR" (precision against recall)
    or "PRGAIN" (precision gain against recall gain, Flach & Kull 2015).
    ``summation_method``: "interpolation" (trapezoids; for PR, Davis & Goadrich's
    interpolation), "minoring" or "majoring". ``multi_label=True`` keeps one curve per
    column of (samples, labels) data and averages their areas (weighted by ``label_weights``);
    otherwise all values are pooled, each weighted by its column's label weight.
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        self.curve = curve if isinstance(curve, AUCCurve) else AUCCurve.from_str(curve)
        self.summation_method = (summation_method if isinstance(summation_method, AUCSummationMethod)
                                 else AUCSummationMethod.from_str(summation_method))
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            num_thresholds = len(inner) + 2
            self._thresholds_distributed_evenly = evenly_distributed([0.0] + inner + [1.0])
        else:
            if num_thresholds is None or num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        self.num_thresholds = num_thresholds
        eps = backend.epsilon()
        self._thresholds = np.array([0.0 - eps] + inner + [1.0 + eps])
        super().__init__(name=name, dtype=dtype)
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else np.asarray(label_weights, dtype=self._dtype)
        self._from_logits = bool(from_logits)
        self._built = False
        if self.multi_label:
            if num_labels:
                self._build(num_labels)
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        """The thresholds, epsilon-nudged ends included."""
        return self._thresholds.tolist()

    @property
    def from_logits(self):
        return self._from_logits

    def _build(self, num_labels):
        shape = (self.num_thresholds, num_labels) if self.multi_label else (self.num_thresholds,)
        self._num_labels = num_labels
        for variable_name in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, variable_name, self.add_variable(shape, name=variable_name))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.multi_label and np.ndim(to_values(y_pred)) != 2:
            raise ValueError(
                "`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                f"{np.ndim(to_values(y_pred))}. Full shape received for `y_pred`: {np.shape(to_values(y_pred))}")
        labels, y_pred, weights = prepare(y_true, y_pred, sample_weight, self._dtype)
        if self._from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-y_pred))
        if self.multi_label:
            if not self._built:
                self._build(y_pred.shape[1])
            elif y_pred.shape[1] != self._num_labels:
                raise ValueError(f"AUC(multi_label=True) was built for {self._num_labels} labels, "
                                 f"received predictions with {y_pred.shape[1]}.")
        else:
            if self.label_weights is not None:
                weights = weights * np.broadcast_to(self.label_weights, y_pred.shape)
            labels, y_pred, weights = labels.ravel(), y_pred.ravel(), weights.ravel()
        tp, fp, fn, tn = confusion_counts(self._thresholds, labels, y_pred, weights,
                                          self._thresholds_distributed_evenly)
        self.true_positives.data += tp
        self.false_positives.data += fp
        self.false_negatives.data += fn
        self.true_negatives.data += tn

    def _interpolate_pr_auc(self, tp, fp, fn):
        """Davis & Goadrich (2006): tp and predicted positives vary linearly between two
        thresholds; the area of each interval then has a closed form with a logarithm."""
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        p_ratio = np.where(both, divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        with np.errstate(divide="ignore"):
            log_ratio = np.log(np.where(p_ratio > 0, p_ratio, 1.0))
        return divide_no_nan(slope * (dtp + intercept * log_ratio), np.maximum(tp[1:] + fn[1:], 0))

    def _curve(self, tp, fp, fn, tn):
        """(x, y) points of the curve, one per threshold."""
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == AUCCurve.ROC:
            return divide_no_nan(fp, fp + tn), recall
        if self.curve == AUCCurve.PR:
            return recall, divide_no_nan(tp, tp + fp)
        scale = divide_no_nan(tp + fn, tn + fp)  # positives per negative
        no_tp = tp == 0
        recall_gain = np.maximum(np.where(no_tp, 0.0, 1.0 - scale * divide_no_nan(fn, tp)), 0.0)
        precision_gain = np.where(no_tp, 1.0, 1.0 - scale * divide_no_nan(fp, tp))
        return recall_gain, precision_gain

    def result(self):
        if not self._built:
            return 0.0
        tp, fp, fn, tn = (v.data.astype(np.float64) for v in (
            self.true_positives, self.false_positives, self.false_negatives, self.true_negatives))
        if self.curve == AUCCurve.PR and self.summation_method == AUCSummationMethod.INTERPOLATION:
            terms = self._interpolate_pr_auc(tp, fp, fn)
        else:
            x, y = self._curve(tp, fp, fn, tn)
            if self.summation_method == AUCSummationMethod.INTERPOLATION:
                heights = (y[:-1] + y[1:]) / 2.0
            elif self.summation_method == AUCSummationMethod.MINORING:
                heights = np.minimum(y[:-1], y[1:])
            else:
                heights = np.maximum(y[:-1], y[1:])
            terms = (x[:-1] - x[1:]) * heights
        if not self.multi_label:
            return float(np.sum(terms))
        per_label = np.sum(terms, axis=0)
        if self.label_weights is None:
            return float(np.mean(per_label))
        return float(divide_no_nan(np.sum(per_label * self.label_weights), np.sum(self.label_weights)))

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        config = {
            **super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve.value,
            "summation_method": self.summation_method.value, "multi_label": self.multi_label,
            "num_labels": self.num_labels, "from_logits": self._from_logits,
            "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
        }
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config


def to_values(x):
    return getattr(x, "data", x)
