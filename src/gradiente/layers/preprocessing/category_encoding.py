"""CategoryEncoding: integer categories -> one_hot / multi_hot / count vectors."""
import numpy as np

from gradiente.autodiff.tensor import Tensor
from gradiente.layers.preprocessing import encoding
from gradiente.layers.preprocessing.data_layer import NOT_SUPPORTED_SPARSE, DataLayer, as_array


class CategoryEncoding(DataLayer):
    """Encodes integers in ``[0, num_tokens)``: "one_hot" (each element; a last axis of size
    1 is replaced), "multi_hot" (default) or "count" (each sample: (batch, n) ->
    (batch, num_tokens), a 1-D input being one sample). ``count_weights`` (the inputs'
    shape) weights the counts. Output in the layer's dtype (float32). Out-of-range values
    raise ValueError.

    >>> CategoryEncoding(num_tokens=4, output_mode="one_hot")([3, 2, 0, 1]).numpy().tolist()[0]
    [0.0, 0.0, 0.0, 1.0]
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        encoding.check_mode(output_mode, ("count", "one_hot", "multi_hot"), "CategoryEncoding")
        if num_tokens is None:
            raise ValueError("CategoryEncoding: `num_tokens` must be set. If the number of tokens is not "
                             "known beforehand, use the IntegerLookup layer instead.")
        if num_tokens < 1:
            raise ValueError(f"CategoryEncoding: `num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError(f"CategoryEncoding: {NOT_SUPPORTED_SPARSE}")
        self.num_tokens, self.output_mode, self.sparse = int(num_tokens), output_mode, False
        self.built = True

    @property
    def output_dtype(self):
        return self.dtype

    def call(self, inputs, count_weights=None):
        array = inputs.data
        where = f"CategoryEncoding '{self.name}'"
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(f"{where}: `count_weights` is only used when output_mode is 'count'. "
                                 f"Received output_mode={self.output_mode!r}.")
            count_weights = as_array(count_weights).astype(self.dtype)
        if array.dtype.kind == "f":
            if not np.all(np.isfinite(array)) or np.any(array != np.floor(array)):
                raise ValueError(f"{where} takes integer categories; received non-integer values.")
            array = array.astype(np.int64)
        elif array.dtype.kind not in "iub":
            raise TypeError(f"{where} takes integer categories; received dtype {array.dtype}.")
        if array.size and (array.min() < 0 or array.max() >= self.num_tokens):
            raise ValueError(f"{where}: values must be in the range 0 <= value < num_tokens="
                             f"{self.num_tokens}; received values from {array.min()} to {array.max()}.")
        return Tensor(encoding.encode(array, self.output_mode, self.num_tokens, self.dtype, count_weights, where))

    def compute_output_shape(self, input_shape):
        return encoding.output_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self):
        config = super().get_config()
        config.update(num_tokens=self.num_tokens, output_mode=self.output_mode, sparse=False)
        return config
