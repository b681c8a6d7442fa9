"""F-beta and F1 scores: harmonic means of precision and recall, per class or averaged.

Predictions are made binary first: above ``threshold``, or (without one) the largest value
of each row. Counts of true positives, false positives and false negatives accumulate per
class (or in total, for ``average="micro"``), as Keras does.
"""
import numpy as np

from gradiente import backend
from gradiente.metrics.metric import Metric, to_array, weights_like

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """(1 + beta²) · precision · recall / (beta² · precision + recall).

    y_true (batch, classes), one-hot or multi-label; y_pred (batch, classes) scores.
    ``average``: None (one score per class, an array), ``"micro"`` (from the total counts),
    ``"macro"`` (mean of the class scores) or ``"weighted"`` (their mean weighted by each
    class's number of true instances). ``threshold`` in (0, 1]: y_pred above it counts as
    predicted; None: each row's maximum does (a row of zeros predicts nothing).
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in _AVERAGES:
            raise ValueError("Invalid `average` argument value. Expected one of: {None, 'micro', "
                             f"'macro', 'weighted'}}. Received: average={average}")
        # Keras takes only a Python float here (an int such as beta=1 is refused).
        if not isinstance(beta, float):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError("Invalid `threshold` argument value. It should be a Python float. "
                                 f"Received: threshold={threshold} of type '{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify 0 < threshold "
                                 f"<= 1. Received: threshold={threshold}")
        self.average = average
        self.beta = float(beta)
        self.threshold = None if threshold is None else float(threshold)
        self._built = False

    def _build(self, classes):
        shape = () if self.average == "micro" else (classes,)
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")
        self.intermediate_weights = self.add_variable(shape, name="intermediate_weights")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = to_array(y_true, self._dtype), to_array(y_pred, self._dtype)
        if y_pred.ndim != 2 or y_true.shape != y_pred.shape:
            raise ValueError(
                f"{type(self).__name__} expects 2D inputs with shape (batch_size, output_dim). "
                f"Received input shapes: y_pred.shape={y_pred.shape} and y_true.shape={y_true.shape}. "
                "For integer labels, one-hot encode them first (keras.utils.to_categorical).")
        if not self._built:
            self._build(y_pred.shape[1])
        elif self.average != "micro" and y_pred.shape[1] != self.true_positives.shape[0]:
            raise ValueError(f"{type(self).__name__} counted {self.true_positives.shape[0]} classes so far, "
                             f"but received y_pred with {y_pred.shape[1]}.")
        if self.threshold is None:
            predicted = (y_pred >= y_pred.max(axis=1, keepdims=True)) & (np.abs(y_pred) > 1e-9)
        else:
            predicted = y_pred > self.threshold
        predicted = predicted.astype(self._dtype)
        w = np.ones_like(y_true) if sample_weight is None else weights_like(sample_weight, y_true.shape, self._dtype)
        axis = None if self.average == "micro" else 0
        self.true_positives.data += np.sum(predicted * y_true * w, axis=axis)
        self.false_positives.data += np.sum(predicted * (1 - y_true) * w, axis=axis)
        self.false_negatives.data += np.sum((1 - predicted) * y_true * w, axis=axis)
        self.intermediate_weights.data += np.sum(y_true * w, axis=axis)

    def result(self):
        if not self._built:
            return 0.0
        eps = backend.epsilon()
        tp = self.true_positives.data.astype(np.float64)
        precision = tp / (tp + self.false_positives.data + eps)
        recall = tp / (tp + self.false_negatives.data + eps)
        b2 = self.beta ** 2
        score = (1 + b2) * precision * recall / (b2 * precision + recall + eps)
        if self.average == "weighted":
            weights = self.intermediate_weights.data / (np.sum(self.intermediate_weights.data) + eps)
            return float(np.sum(score * weights))
        if self.average is not None:
            return float(np.mean(score))
        return score.astype(self._dtype)

    def get_config(self):
        config = super().get_config()
        config.update(average=self.average, beta=self.beta, threshold=self.threshold)
        return config


class F1Score(FBetaScore):
    """2 · precision · recall / (precision + recall): FBetaScore with beta = 1."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
