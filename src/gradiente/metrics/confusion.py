"""Metrics from confusion counts at thresholds: TruePositives, TrueNegatives,
FalsePositives, FalseNegatives, Precision, Recall (AUC and the metrics at a fixed
sensitivity, specificity, precision or recall live beside this file).

A prediction counts as positive at threshold t when it is strictly greater than t. With
several thresholds, ``result()`` is a list with one value per threshold, in the order given.
"""
import numpy as np

from gradiente.metrics.confusion_utils import (
    NEG_INF, as_result, confusion_counts, divide_no_nan, evenly_distributed, parse_thresholds, prepare,
)
from gradiente.metrics.metric import Metric


class _ThresholdCounts(Metric):
    """State: one count per threshold for each name in ``_counts`` (tp, fp, fn, tn)."""

    _counts = ()  # (variable name, key of confusion_counts' result)

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self._thresholds_distributed_evenly = evenly_distributed(self.thresholds)
        self._order = np.argsort(self.thresholds, kind="stable")
        self._sorted = np.asarray(self.thresholds, dtype=np.float64)[self._order]
        self._unsort = np.argsort(self._order)
        for variable_name, _ in self._counts:
            setattr(self, variable_name, self.add_variable((len(self.thresholds),), name=variable_name))

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, y_pred, weights = prepare(y_true, y_pred, sample_weight, self._dtype, self.top_k,
                                          self.class_id)
        tp, fp, fn, tn = confusion_counts(self._sorted, labels.ravel(), y_pred.ravel(), weights.ravel(),
                                          self._thresholds_distributed_evenly)
        found = {"tp": tp, "fp": fp, "fn": fn, "tn": tn}
        for variable_name, key in self._counts:
            getattr(self, variable_name).data += found[key][self._unsort]


class _ConditionCount(_ThresholdCounts):
    """The (weighted) number of one confusion-matrix condition at each threshold."""

    _key = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        self._counts = (("accumulator", self._key),)
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def result(self):
        return as_result(self.accumulator.data)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConditionCount):
    """Weight of positives predicted positive (y_pred > threshold, default 0.5)."""
    _key = "tp"


class FalsePositives(_ConditionCount):
    """Weight of negatives predicted positive (y_pred > threshold, default 0.5)."""
    _key = "fp"


class TrueNegatives(_ConditionCount):
    """Weight of negatives predicted negative (y_pred <= threshold, default 0.5)."""
    _key = "tn"


class FalseNegatives(_ConditionCount):
    """Weight of positives predicted negative (y_pred <= threshold, default 0.5)."""
    _key = "fn"


class _PrecisionOrRecall(_ThresholdCounts):
    _other, _other_key = None, None  # ("false_positives", "fp") or ("false_negatives", "fn")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        self._counts = (("true_positives", "tp"), (self._other, self._other_key))
        super().__init__(thresholds=thresholds, top_k=top_k, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        tp = self.true_positives.data
        return as_result(divide_no_nan(tp, tp + getattr(self, self._other).data))

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_PrecisionOrRecall):
    """tp / (tp + fp): the fraction of predicted positives (y_pred > threshold) that are
    positive. ``top_k``: only each row's k highest predictions may count as positive;
    ``class_id``: only that column of (samples, classes) data counts."""
    _other, _other_key = "false_positives", "fp"


class Recall(_PrecisionOrRecall):
    """tp / (tp + fn): the fraction of positives predicted positive (y_pred > threshold)."""
    _other, _other_key = "false_negatives", "fn"
