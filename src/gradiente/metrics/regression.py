"""Regression metrics (NumPy): mean squared / absolute / percentage / log errors, root
mean squared error, cosine similarity, log-cosh error. Per-sample values are means over
the last axis, as in the losses of the same names. And R2Score, the coefficient of
determination, from running sums."""
import math
import warnings

import numpy as np

from gradiente import backend
from gradiente.metrics.metric import Metric, squeeze_or_expand, to_array, weights_like
from gradiente.metrics.reduction import Mean, MeanMetricWrapper


def _pair(y_true, y_pred):
    y_pred = to_array(y_pred)
    y_true = to_array(y_true)
    y_true, y_pred = squeeze_or_expand(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape, received y_true.shape={y_true.shape}, "
            f"y_pred.shape={y_pred.shape}."
        )
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return np.mean(np.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return np.mean(np.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    scale = np.maximum(np.abs(y_true), backend.epsilon())
    return 100.0 * np.mean(np.abs(y_true - y_pred) / scale, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    eps = backend.epsilon()
    return np.mean(np.square(np.log1p(np.maximum(y_pred, eps)) - np.log1p(np.maximum(y_true, eps))),
                   axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """sum(l2_normalize(y_true) · l2_normalize(y_pred), axis): +1 when aligned."""
    y_true, y_pred = _pair(y_true, y_pred)

    def unit(x):
        return x / np.sqrt(np.maximum(np.sum(x * x, axis=axis, keepdims=True), 1e-12))

    return np.sum(unit(y_true) * unit(y_pred), axis=axis)


def log_cosh(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    return np.mean(x + np.logaddexp(0.0, -2.0 * x) - math.log(2.0), axis=-1)


class MeanSquaredError(MeanMetricWrapper):
    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)


class LogCoshError(MeanMetricWrapper):
    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """sqrt of the (weighted) mean over samples of the squared error."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _pair(y_true, y_pred)
        super().update_state(np.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return math.sqrt(super().result())


class R2Score(Metric):
    """Coefficient of determination, 1 - sum((y - ŷ)²) / sum((y - mean(y))²), per output
    column of (batch, outputs) data ((batch,) against (batch, 1) is accepted).

    ``class_aggregation``: ``"uniform_average"`` (the mean over outputs), ``"variance_weighted_average"``
    (weighted by each output's variance) or None (one score per output, an array).
    ``num_regressors`` p > 0 gives the adjusted R², 1 - (1 - R²)(n - 1) / (n - p - 1), with n
    the number of samples seen with a non-zero weight in at least one output; when p >= n - 1
    it warns and returns the plain R², as Keras does.
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(f"Invalid value for argument `class_aggregation`. Expected one of {valid}. "
                             f"Received: class_aggregation={class_aggregation}")
        if not isinstance(num_regressors, int) or isinstance(num_regressors, bool) or num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value >= 0. "
                             f"Received: num_regressors={num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), dtype="float64", name="num_samples")
        self._built = False

    def _build(self, outputs):
        # Sums in float64: the total sum of squares is a difference of two large sums, which
        # float32 would cancel away for targets far from zero (prices, years).
        for variable_name, label in (("squared_sum", "squared_sum"), ("sum", "sum"),
                                     ("total_mse", "residual"), ("count", "count")):
            setattr(self, variable_name, self.add_variable((outputs,), dtype="float64", name=label))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = squeeze_or_expand(to_array(y_true, np.float64), to_array(y_pred, np.float64))
        if y_true.ndim != 2 or y_pred.ndim != 2:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim). Received "
                             f"input shapes: y_pred.shape={y_pred.shape} and y_true.shape={y_true.shape}.")
        if y_true.shape != y_pred.shape:
            raise ValueError(f"R2Score: y_true.shape={y_true.shape} and y_pred.shape={y_pred.shape} differ.")
        if not self._built:
            self._build(y_true.shape[1])
        elif y_true.shape[1] != self.sum.shape[0]:
            raise ValueError(f"R2Score saw {self.sum.shape[0]} outputs so far, but received {y_true.shape[1]}.")
        w = np.ones_like(y_true) if sample_weight is None else weights_like(sample_weight, y_true.shape, np.float64)
        weighted = y_true * w
        self.sum.data += weighted.sum(axis=0)
        self.squared_sum.data += (y_true * weighted).sum(axis=0)
        self.total_mse.data += (np.square(y_true - y_pred) * w).sum(axis=0)
        self.count.data += w.sum(axis=0)
        # A sample counts once, whatever its number of outputs, if any of its weights is non-zero.
        self.num_samples.data += np.count_nonzero(np.any(w != 0, axis=-1))

    def result(self):
        if not self._built:
            return 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            total = self.squared_sum.data - self.sum.data * (self.sum.data / self.count.data)
            raw = 1 - self.total_mse.data / total
        raw = np.where(np.isinf(raw), 0.0, raw)  # constant targets: 0, as Keras gives
        if self.class_aggregation == "uniform_average":
            score = np.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = np.sum(total * raw) / np.sum(total)
        else:
            score = raw
        n, p = float(self.num_samples.data), self.num_regressors
        if p and p > n - 1:
            warnings.warn("More independent predictors than datapoints in adjusted R2 score. "
                          "Falling back to standard R2 score.", stacklevel=2)
        elif p and p == n - 1:
            warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard R2 score.",
                          stacklevel=2)
        elif p:
            score = 1 - (1 - score) * (n - 1) / (n - p - 1)
        return score.astype(self._dtype) if self.class_aggregation is None else float(score)

    def get_config(self):
        config = super().get_config()
        config.update(class_aggregation=self.class_aggregation, num_regressors=self.num_regressors)
        return config
