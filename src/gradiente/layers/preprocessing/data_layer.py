"""What the text and category preprocessing layers share: they take strings and integers
as they are (no cast to a float dtype), produce integers or counts (no gradient reaches
their inputs), run eagerly outside fit's replayed step (``traceable`` stays False: their
lookups are Python, not primitives; where they read the model's inputs fit runs them on each
batch and replays the rest of the step), and learn state by ``adapt`` from arrays, lists or
iterables of batches.
"""
import numpy as np

from gradiente.autodiff.tensor import Tensor
from gradiente.layers.layer import Layer
from gradiente.layers.node import KerasTensor

NOT_SUPPORTED_SPARSE = (
    "`sparse=True` is not supported: gradiente has no sparse tensors (Keras supports it "
    "only on the TensorFlow backend). Use the default sparse=False."
)


class DataLayer(Layer):
    """Base of the preprocessing layers that map strings or integers to indices."""

    traceable = False
    # Its output depends on its inputs and adapted state only, and it has nothing to train:
    # when it reads a model's inputs, fit runs it on each batch before the replayed step
    # (models.input_pipeline), as Keras runs such layers in the tf.data pipeline.
    input_pipeline = True
    keeps_integer_inputs = True

    def __call__(self, inputs=None, *args, **kwargs):
        if inputs is not None and not isinstance(inputs, (Tensor, KerasTensor)) and not (
                isinstance(inputs, (list, tuple)) and any(isinstance(v, KerasTensor) for v in inputs)):
            inputs = Tensor(as_array(inputs, self))
        return super().__call__(inputs, *args, **kwargs)

    def _output_dtype(self, in_specs):
        return np.dtype(self.output_dtype)


def as_array(value, layer=None):
    """An array from a Tensor, an array, a (nested) list or a scalar; bytes stay bytes."""
    if isinstance(value, Tensor):
        return value.data
    if hasattr(value, "to_numpy"):  # pandas
        value = value.to_numpy()
    try:
        return np.asarray(value)
    except ValueError as err:
        where = f"{type(layer).__name__} '{layer.name}'" if layer is not None else "The data"
        raise ValueError(f"{where} could not turn its input into an array ({err}): give "
                         "an array, or lists of equal length.") from None


def string_list(array, where, encoding="utf-8"):
    """The elements of a string array (str, bytes or object dtype) as a flat list of str;
    bytes are decoded with ``encoding``."""
    kind = array.dtype.kind
    if kind == "U" or array.size == 0:  # np.asarray([]) is float64: no strings, but none wrong
        return array.ravel().tolist()
    if kind == "S":
        return [s.decode(encoding) for s in array.ravel().tolist()]
    if kind == "O":
        items = array.ravel().tolist()
        if all(type(s) is str for s in items):
            return items
        out = []
        for s in items:
            if isinstance(s, bytes):
                s = s.decode(encoding)
            elif not isinstance(s, str):
                raise TypeError(f"{where} takes strings, but its input holds {type(s).__name__} {s!r}.")
            out.append(s)
        return out
    raise TypeError(f"{where} takes strings, but received an array of dtype {array.dtype}.")


def batches(data, steps, accept_lists=True):
    """``adapt``'s data as batches (arrays) and whether it came as one array (Keras then
    treats a 1-D array as one sample per element, a batch from an iterable as one sample)."""
    single = isinstance(data, (Tensor, np.ndarray)) or (accept_lists and isinstance(data, (list, tuple)))
    if single or not hasattr(data, "__iter__"):
        if steps is not None:
            raise ValueError("`steps` can only be given when adapting on an iterable of batches "
                             "(a generator or a dataset), not on an array or a list.")
        yield as_array(data), True
        return
    for i, batch in enumerate(data):
        if steps is not None and i >= steps:
            break
        yield as_array(batch), False
