"""Normalization: ``(x - mean) / std``, with mean and variance learned from data by ``adapt``."""
import numpy as np

from gradiente import backend, ops
from gradiente.autodiff.tensor import Tensor
from gradiente.layers.layer import Layer


class Normalization(Layer):
    """Standardizes features: ``(inputs - mean) / sqrt(variance)``, per index of ``axis``
    (default the last: one mean and variance per feature). (batch, ..., n) -> same shape.

    The statistics come from ``mean=``/``variance=``, or from ``layer.adapt(data)``; they are
    non-trainable weights (``mean``, ``variance``, ``count``), so they are saved with the model.
    ``invert=True`` maps standardized values back.
    """

    traceable = True  # call is ops on inputs and weights only: fit may replay it
    supports_masking = True

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        self.axis = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        if (mean is None) != (variance is None):
            raise ValueError(
                f"Normalization '{self.name}': give both `mean` and `variance`, or neither "
                "(then call layer.adapt(data) to compute them)."
            )
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)

    def build(self, input_shape):
        ndim = len(input_shape)
        axes = tuple(a % ndim for a in self.axis)
        if 0 in axes:
            raise ValueError(f"Normalization '{self.name}': `axis` cannot include the batch axis 0.")
        for a in axes:
            if input_shape[a] is None:
                raise ValueError(
                    f"Normalization '{self.name}': axis {a} of the input shape {tuple(input_shape)} "
                    "must be known to keep one mean and variance per index."
                )
        self._axes = axes
        self._reduce_axes = tuple(a for a in range(ndim) if a not in axes)
        stats_shape = tuple(input_shape[a] for a in axes)
        self._broadcast_shape = tuple(input_shape[a] if a in axes else 1 for a in range(ndim))
        self.mean = self.add_weight("mean", stats_shape, initializer="zeros", trainable=False)
        self.variance = self.add_weight("variance", stats_shape, initializer="ones", trainable=False)
        self.count = self.add_weight("count", (), dtype="int64", initializer="zeros", trainable=False)
        if self.input_mean is not None:
            self.mean.assign(np.broadcast_to(np.asarray(self.input_mean, dtype=self._dtype), stats_shape))
            self.variance.assign(np.broadcast_to(np.asarray(self.input_variance, dtype=self._dtype), stats_shape))
        self.built = True

    def adapt(self, data):
        """Compute the mean and variance of ``data``: an array or Tensor (batch axis first), or
        as Keras a Dataset or other iterable of batches (an ``(x, y)`` batch gives ``x``)."""
        array = _adapt_array(data, self.name)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"Normalization '{self.name}'.adapt needs numeric data, received dtype {array.dtype}.")
        if array.ndim == 1:
            array = array[:, None]
        if array.shape[0] == 0:
            raise ValueError(f"Normalization '{self.name}'.adapt received no samples.")
        if not self.built:
            self._maybe_build((None,) + array.shape[1:])
        expected = tuple(array.shape[a] for a in self._axes)
        if expected != self.mean.shape:
            raise ValueError(
                f"Normalization '{self.name}' was built for {self.mean.shape} statistics, but data of "
                f"shape {array.shape} gives {expected}."
            )
        values = array.astype(np.float64)
        self.mean.assign(values.mean(axis=self._reduce_axes).reshape(self.mean.shape))
        self.variance.assign(values.var(axis=self._reduce_axes).reshape(self.variance.shape))
        self.count.assign(np.int64(array.size // max(int(np.prod(expected)), 1)))

    def _after_weights_loaded(self):
        # Weights set from a file are the statistics, as Keras's finalize_state makes them
        # after loading: Keras's own files keep count at 0 (its adapt never updates it).
        self._statistics_loaded = True

    def call(self, inputs):
        # Statistics come from mean=/variance=, or from adapt (or a loaded model): count > 0.
        if (self.input_mean is None and not self.count.data
                and not getattr(self, "_statistics_loaded", False)):
            raise ValueError(
                f"Normalization layer '{self.name}' has no statistics yet: call "
                f"layer.adapt(training_data) before using it (or pass mean= and variance=)."
            )
        mean = ops.reshape(self.mean, self._broadcast_shape)
        std = ops.maximum(ops.sqrt(ops.reshape(self.variance, self._broadcast_shape)), backend.epsilon())
        if self.invert:
            return ops.add(ops.multiply(inputs, std), mean)
        return ops.divide(ops.subtract(inputs, mean), std)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, invert=self.invert,
                      mean=None if self.input_mean is None else np.asarray(self.input_mean).tolist(),
                      variance=None if self.input_variance is None else np.asarray(self.input_variance).tolist())
        return config


def _adapt_array(data, name):
    """``adapt``'s data as one array of samples. The statistics of the whole equal Keras's
    running combination of per-batch means and variances (up to rounding)."""
    if isinstance(data, Tensor):
        return np.asarray(data.data)
    if isinstance(data, (np.ndarray, list, tuple)) or hasattr(data, "values") or not hasattr(data, "__iter__"):
        return np.asarray(getattr(data, "values", data))  # a pandas DataFrame gives its values
    parts = []
    for batch in data:
        batch = batch[0] if isinstance(batch, tuple) else batch  # (x, y[, sample_weight])
        parts.append(np.asarray(batch.data if isinstance(batch, Tensor) else batch))
    if not parts:
        raise ValueError(f"Normalization '{name}'.adapt received an empty iterable (no batches).")
    # Keras batches a Dataset of 1-D elements (one sample each) before adapting.
    unbatched = hasattr(data, "element_spec") and parts[0].ndim <= 1
    try:
        return np.stack(parts) if unbatched else np.concatenate(parts)
    except ValueError:
        shapes = sorted({p.shape for p in parts})
        raise ValueError(f"Normalization '{name}'.adapt: the batches' shapes disagree beyond the batch "
                         f"axis: {shapes[:4]}.") from None
