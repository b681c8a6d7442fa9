"""Discretization: numbers -> bucket indices by bin boundaries (given, or quantiles from adapt)."""
import numpy as np

from gradiente.autodiff.tensor import Tensor
from gradiente.layers.preprocessing import encoding
from gradiente.layers.preprocessing.data_layer import NOT_SUPPORTED_SPARSE, DataLayer, as_array, batches


class Discretization(DataLayer):
    """Bucket of each value: ``i`` such that ``bin_boundaries[i-1] <= x < bin_boundaries[i]``
    (left edges inclusive, as ``np.digitize``), so ``len(bin_boundaries) + 1`` buckets.
    Inputs are cast to the layer's float dtype first, as Keras does.

    With ``num_bins`` instead, ``adapt`` estimates the boundaries as quantiles, by Keras's
    approximate summary: each batch is sorted and sampled every ``len/(1/epsilon)``
    values (every value when that is under 1) with that step as weight; summaries are
    merged by value and compressed to ``1/epsilon`` points by interpolating the cumulative
    weight; the boundaries are the points at cumulative fractions 1/num_bins, 2/num_bins,
    ... (the last dropped), interpolated the same way. On small data (fewer than
    ``1/epsilon`` values) these are interpolated quantiles of the data itself.
    ``output_mode``: "int" (int32), "one_hot", "multi_hot", "count" (float32).

    >>> x = np.array([[-1.5, 1.0, 3.4, .5], [0.0, 3.0, 1.3, 0.0]])
    >>> Discretization(bin_boundaries=[0., 1., 2.])(x).numpy().tolist()
    [[0, 2, 3, 1], [1, 3, 2, 1]]
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False,
                 dtype=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError(f"Discretization: {NOT_SUPPORTED_SPARSE}")
        encoding.check_mode(output_mode, ("int", "one_hot", "multi_hot", "count"), "Discretization")
        if num_bins is not None and num_bins <= 0:
            raise ValueError(f"Discretization: `num_bins` must be a positive integer. Received: num_bins={num_bins}")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Discretization: set `num_bins` or `bin_boundaries`, not both. Received: "
                             f"num_bins={num_bins} and bin_boundaries={bin_boundaries}")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("Discretization: set either `num_bins` (then call adapt) or `bin_boundaries`.")
        if not 0 < epsilon < 1:
            raise ValueError(f"Discretization: `epsilon` must be in (0, 1). Received: epsilon={epsilon}")
        if bin_boundaries is not None:
            bin_boundaries = [float(b) for b in np.asarray(bin_boundaries, dtype=np.float64).ravel()]
            if any(b > a for b, a in zip(bin_boundaries, bin_boundaries[1:])):
                raise ValueError(f"Discretization: `bin_boundaries` must be sorted. Received: {bin_boundaries}")
        self.bin_boundaries, self.num_bins = bin_boundaries, num_bins
        self.epsilon, self.output_mode, self.sparse = float(epsilon), output_mode, False
        self.reset_state()
        self.built = True

    @property
    def output_dtype(self):
        return "int32" if self.output_mode == "int" else self.dtype

    def adapt(self, data, steps=None):
        """Estimate ``num_bins`` quantile boundaries from ``data`` (an array, or an iterable of
        batches)."""
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that was given `bin_boundaries`; "
                             "use `num_bins` instead.")
        self.reset_state()
        for batch, _ in batches(data, steps, accept_lists=False):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        values = as_array(data, self)
        if values.dtype.kind not in "biuf":
            raise TypeError(f"Discretization '{self.name}'.adapt takes numbers, received dtype {values.dtype}.")
        values = values.astype("float32")
        if values.size == 0:
            raise ValueError(f"Discretization '{self.name}'.adapt received no values.")
        self._summary = _merge(_summarize(values, self.epsilon), self._summary, self.epsilon)

    def finalize_state(self):
        if self.num_bins is not None and self._summary.shape[1]:
            self.bin_boundaries = _compress(self._summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def reset_state(self):
        self._summary = np.zeros((2, 0), dtype="float32")

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(f"Discretization '{self.name}' has no bin boundaries yet: pass `bin_boundaries` "
                             "or call adapt(data) before using it.")
        array = inputs.data
        if array.dtype.kind not in "biuf":
            raise TypeError(f"Discretization '{self.name}' takes numbers, received dtype {array.dtype}.")
        indices = np.digitize(array.astype(self.dtype), self.bin_boundaries)
        depth = len(self.bin_boundaries) + 1
        return Tensor(encoding.encode(indices, self.output_mode, depth, self.output_dtype,
                                      where=f"Discretization '{self.name}'"))

    def compute_output_shape(self, input_shape):
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        return encoding.output_shape(input_shape, self.output_mode, depth)

    def get_config(self):
        config = super().get_config()
        config.update(bin_boundaries=self.bin_boundaries, num_bins=self.num_bins, epsilon=self.epsilon,
                      output_mode=self.output_mode, sparse=False)
        return config

    @classmethod
    def from_config(cls, config):
        # An adapted layer has both; the constructor takes one, so boundaries are set after.
        config = dict(config)
        boundaries = config.pop("bin_boundaries", None)
        if config.get("num_bins") is None:
            return cls(bin_boundaries=boundaries, **config)
        layer = cls(**config)
        layer.bin_boundaries = boundaries
        return layer


def _summarize(values, epsilon):
    """Sorted values sampled at a step of len*epsilon (at least 1), weighted by the step."""
    values = np.sort(values.reshape(-1))
    step = max(values.size * epsilon, 1)
    points = values[int(step - 1)::int(step)]
    return np.stack([points, np.ones_like(points) * step])


def _merge(a, b, epsilon):
    merged = np.concatenate((a, b), axis=1)
    merged = merged[:, np.argsort(merged[0])]
    return _compress(merged, epsilon)


def _compress(summary, epsilon):
    """At most 1/epsilon points: values and cumulative weights interpolated at the
    cumulative fractions epsilon, 2*epsilon, ..., 1."""
    if summary.shape[1] * epsilon < 1:
        return summary
    fractions = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = summary[1].cumsum()
    position = cumulative / cumulative[-1]
    points = np.interp(fractions, position, summary[0])
    at = np.interp(fractions, position, cumulative)
    weights = at - np.concatenate(([0.0], at[:-1]))
    return np.stack((points, weights)).astype("float32")
