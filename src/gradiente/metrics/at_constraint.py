"""The best value of one rate where another meets a constraint: SensitivityAtSpecificity,
SpecificityAtSensitivity, PrecisionAtRecall, RecallAtPrecision.

Counts are kept at ``num_thresholds`` thresholds evenly spaced in [0, 1]; the result is the
largest value of the first rate over the thresholds where the second is >= the given value
(0 when none is).
"""
import numpy as np

from gradiente.metrics.confusion_utils import confusion_counts, divide_no_nan, prepare
from gradiente.metrics.metric import Metric


class _AtConstraint(Metric):
    """tp, fp, tn, fn at each threshold; subclasses say which rate is maximised where
    which other rate meets ``value``."""

    _value_name = None  # the constructor argument (and attribute) holding the constraint

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if value < 0 or value > 1:
            raise ValueError(f"Argument `{self._value_name}` must be in the range [0, 1]. "
                             f"Received: {self._value_name}={value}")
        if num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        super().__init__(name=name, dtype=dtype)
        setattr(self, self._value_name, value)
        self.value = value
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds, self._thresholds_distributed_evenly = [0.5], False
        else:
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds, self._thresholds_distributed_evenly = [0.0] + inner + [1.0], True
        n = len(self.thresholds)
        for variable_name in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, variable_name, self.add_variable((n,), name=variable_name))

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, y_pred, weights = prepare(y_true, y_pred, sample_weight, self._dtype, class_id=self.class_id)
        tp, fp, fn, tn = confusion_counts(self.thresholds, labels.ravel(), y_pred.ravel(), weights.ravel(),
                                          self._thresholds_distributed_evenly)
        self.true_positives.data += tp
        self.false_positives.data += fp
        self.false_negatives.data += fn
        self.true_negatives.data += tn

    def _rates(self):
        tp, fp, fn, tn = (v.data for v in (self.true_positives, self.false_positives,
                                            self.false_negatives, self.true_negatives))
        return {"sensitivity": divide_no_nan(tp, tp + fn), "specificity": divide_no_nan(tn, tn + fp),
                "precision": divide_no_nan(tp, tp + fp)}

    def _best(self, dependent, constrained):
        rates = self._rates()
        rates["recall"] = rates["sensitivity"]
        # Compared in the metric's dtype, as Keras does: a rate equal to the value in float32
        # must not fall short of it by a float64 rounding.
        feasible = rates[constrained].astype(self._dtype) >= np.asarray(self.value, dtype=self._dtype)
        return float(np.max(np.where(feasible, rates[dependent], 0.0), initial=0.0))

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id, "num_thresholds": self.num_thresholds,
                self._value_name: getattr(self, self._value_name)}


class SensitivityAtSpecificity(_AtConstraint):
    """Best sensitivity tp / (tp + fn) where specificity tn / (tn + fp) >= ``specificity``."""
    _value_name = "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def result(self):
        return self._best("sensitivity", "specificity")


class SpecificityAtSensitivity(_AtConstraint):
    """Best specificity tn / (tn + fp) where sensitivity tp / (tp + fn) >= ``sensitivity``."""
    _value_name = "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def result(self):
        return self._best("specificity", "sensitivity")


class PrecisionAtRecall(_AtConstraint):
    """Best precision tp / (tp + fp) where recall tp / (tp + fn) >= ``recall``."""
    _value_name = "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def result(self):
        return self._best("precision", "recall")


class RecallAtPrecision(_AtConstraint):
    """Best recall tp / (tp + fn) where precision tp / (tp + fp) >= ``precision``
    (0 when no threshold reaches that precision)."""
    _value_name = "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def result(self):
        return self._best("recall", "precision")
