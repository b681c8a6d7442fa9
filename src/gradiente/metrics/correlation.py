"""Correlation metrics: Pearson's and Lin's concordance correlation between y_true and
y_pred along an axis, averaged over the other samples (NumPy, as the other metric
functions)."""
import numpy as np

from gradiente import backend
from gradiente.metrics.metric import squeeze_or_expand, to_array
from gradiente.metrics.reduction import MeanMetricWrapper


def _pair(y_true, y_pred):
    y_pred = to_array(y_pred)
    if y_pred.dtype.kind != "f":
        y_pred = y_pred.astype(backend.float_dtype())
    y_true, y_pred = squeeze_or_expand(to_array(y_true, y_pred.dtype), y_pred)
    return y_true, y_pred


def pearson_correlation(y_true, y_pred, axis=-1):
    """mean(z(y_true) · z(y_pred), axis) with z the standardised values along ``axis``:
    (batch, n) -> (batch,)."""
    y_true, y_pred = _pair(y_true, y_pred)
    t = y_true - np.mean(y_true, axis=axis, keepdims=True)
    p = y_pred - np.mean(y_pred, axis=axis, keepdims=True)
    t = t / np.std(t, axis=axis, keepdims=True)
    p = p / np.std(p, axis=axis, keepdims=True)
    return np.mean(t * p, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance, 2·cov / (var_t + var_p + (mean_t - mean_p)²), along ``axis``.

    The covariance term is Keras's: mean((y_true - mean_p) · (y_pred - mean_p)), centred on
    the prediction mean for both factors; kept so values agree with Keras.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    mean_t = np.mean(y_true, axis=axis, keepdims=True)
    mean_p = np.mean(y_pred, axis=axis, keepdims=True)
    var_t = np.var(y_true - mean_t, axis=axis, keepdims=True)
    var_p = np.var(y_pred - mean_p, axis=axis, keepdims=True)
    covar = (y_true - mean_p) * (y_pred - mean_p)
    norm = var_t + var_p + np.square(mean_t - mean_p)
    return np.mean(2 * covar / (norm + backend.epsilon()), axis=axis)


class PearsonCorrelation(MeanMetricWrapper):
    """The running mean of ``pearson_correlation`` over samples."""

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class ConcordanceCorrelation(MeanMetricWrapper):
    """The running mean of ``concordance_correlation`` over samples."""

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}
