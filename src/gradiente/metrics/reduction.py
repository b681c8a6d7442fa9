"""Metrics that average or add up values: Mean, Sum, and MeanMetricWrapper (the mean of a
per-sample function of y_true and y_pred, e.g. accuracy or squared error)."""
import numpy as np

from gradiente.autodiff.tensor import Tensor
from gradiente.metrics.metric import Metric, squeeze_or_expand, to_array


def reduce_to_samplewise(values, sample_weight, reduce_fn, dtype):
    """Weighted per-sample values (batch,) and the per-sample weights (or None), as Keras:
    values with more axes than the weights are first reduced over the extra axes."""
    values = to_array(values, dtype)
    weights = None
    if sample_weight is not None:
        weights = to_array(sample_weight, dtype)
        values, weights = squeeze_or_expand(values, weights)
        if values.ndim > weights.ndim:
            values = reduce_fn(values, axis=tuple(range(weights.ndim, values.ndim)))
        try:
            weights = np.broadcast_to(weights, values.shape)
        except ValueError:
            raise ValueError(
                f"sample_weight of shape {np.shape(sample_weight)} does not match values of "
                f"shape {values.shape}: give one weight per sample (batch,)."
            ) from None
        values = values * weights
        if weights.ndim > 1:
            weights = reduce_fn(weights, axis=tuple(range(1, weights.ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, weights


class Mean(Metric):
    """The (weighted) mean of the values seen: sum(values · w) / sum(w)."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), name="total")
        self.count = self.add_variable((), name="count")

    def update_state(self, values, sample_weight=None):
        if isinstance(values, (float, int)) and (sample_weight is None or isinstance(sample_weight, (float, int))):
            # The training loop's running loss (weighted by the batch size): one scalar per
            # batch, keep it cheap.
            weight = 1 if sample_weight is None else sample_weight
            self.total.data += values * weight
            self.count.data += weight
            return
        values, weights = reduce_to_samplewise(values, sample_weight, np.mean, self._dtype)
        self.total.data += np.sum(values)
        if weights is not None:
            self.count.data += np.sum(weights)
        else:
            self.count.data += values.shape[0] if values.ndim else 1

    def result(self):
        count = float(self.count.data)
        return float(self.total.data) / count if count else 0.0


class Sum(Metric):
    """The (weighted) sum of the values seen."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise(values, sample_weight, np.sum, self._dtype)
        self.total.data += np.sum(values)

    def result(self):
        return float(self.total.data)


class MeanMetricWrapper(Mean):
    """The mean over samples of ``fn(y_true, y_pred, **kwargs)`` (per-sample values)."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        mask = getattr(y_pred, "_keras_mask", None)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if isinstance(values, Tensor):
            own_mask = values._keras_mask
            values = values.data
            if own_mask is not None and sample_weight is not None:
                # Keras applies the values' own mask (e.g. an ignored class) to given
                # weights only; unweighted, masked values count as they are.
                own_mask = to_array(own_mask, self._dtype)
                sample_weight = own_mask * _expand_to(to_array(sample_weight, self._dtype), own_mask.ndim)
        if mask is not None:
            mask = to_array(mask, self._dtype)
            if mask.shape == np.shape(values):
                sample_weight = mask if sample_weight is None else mask * _expand_to(
                    to_array(sample_weight, self._dtype), mask.ndim)
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        if type(self).__init__ is MeanMetricWrapper.__init__:
            # Subclasses fix their function; a plain wrapper must record it to be rebuilt.
            from gradiente.saving.serialization_lib import serialize_keras_object

            config["fn"] = serialize_keras_object(self._fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("fn"), (dict, str)):
            from gradiente.saving.serialization_lib import deserialize_keras_object

            fn = config["fn"]
            config["fn"] = deserialize_keras_object(
                {"class_name": "function", "config": fn} if isinstance(fn, str) else fn)
        return cls(**config)


def _expand_to(w, ndim):
    while 0 < w.ndim < ndim:
        w = w[..., None]
    return w
