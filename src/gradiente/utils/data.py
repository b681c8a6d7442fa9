"""Data helpers Keras keeps in ``keras.utils``: one-hot labels, normalising, batch sources,
and the validation split ``fit`` uses."""
import itertools
import math

import numpy as np

from gradiente import backend
from gradiente.autodiff.tensor import Tensor
from gradiente.utils import nest


def to_categorical(x, num_classes=None, dtype=None):
    """One-hot encode integer class labels.

    Args:
        x: labels 0..num_classes-1, any shape ``s`` (a trailing axis of size 1 is dropped).
        num_classes: number of classes; default ``max(x) + 1``.
        dtype: output dtype; default ``backend.floatx()``.

    Returns:
        An array of shape ``s + (num_classes,)``.

    >>> to_categorical([0, 2], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    """
    labels = np.asarray(x.data if isinstance(x, Tensor) else x)
    if labels.dtype.kind not in "biuf":
        raise ValueError(
            f"to_categorical: labels must be integers; received an array of dtype {labels.dtype}."
        )
    if labels.dtype.kind == "f":
        whole = np.isfinite(labels) & (labels == np.floor(labels))
        if not whole.all():
            bad = labels.reshape(-1)[np.argmin(whole.reshape(-1))]
            raise ValueError(
                f"to_categorical: labels must be whole numbers (class indices); found {bad}. "
                f"Convert class names or scores to integer indices first."
            )
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    flat = labels.reshape(-1).astype(np.int64)
    if num_classes is None:
        if flat.size == 0:
            raise ValueError("to_categorical: cannot infer `num_classes` from empty labels; pass num_classes.")
        num_classes = int(flat.max()) + 1
    elif isinstance(num_classes, bool) or int(num_classes) != num_classes or num_classes < 1:
        raise ValueError(f"to_categorical: `num_classes` must be a positive int; received {num_classes!r}.")
    num_classes = int(num_classes)
    if flat.size:
        low, high = int(flat.min()), int(flat.max())
        if low < 0 or high >= num_classes:
            bad = low if low < 0 else high
            raise ValueError(
                f"to_categorical: label {bad} is out of range for num_classes={num_classes}; labels "
                f"must be in [0, {num_classes - 1}]. Pass a larger num_classes, or remap the labels."
            )
    out = np.zeros((flat.size, num_classes), dtype=backend.standardize_dtype(dtype))
    out[np.arange(flat.size), flat] = 1
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Scale ``x`` to unit ``order``-norm along ``axis`` (zero vectors stay zero).

    NumPy in, NumPy out (same shape); a Tensor in gives a Tensor out, differentiable.
    """
    if isinstance(x, Tensor):
        from gradiente import ops

        if order == 2:
            squares = ops.sum(ops.square(x), axis=axis, keepdims=True)
            # max with a tiny floor instead of a zero test keeps the gradient finite at 0.
            return ops.multiply(x, ops.power(ops.maximum(squares, 1e-24), -0.5))
        norm = ops.power(ops.sum(ops.power(ops.abs(x), order), axis=axis, keepdims=True), 1.0 / order)
        return ops.divide(x, ops.maximum(norm, 1e-12))
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


class PyDataset:
    """Base class for a source of batches, given to ``fit``/``evaluate``/``predict`` as ``x``.

    Subclass it and define ``__len__`` (batches per epoch) and ``__getitem__(index)`` returning
    one batch: ``(x, y)``, ``(x, y, sample_weight)`` or, for predict, ``x``. ``on_epoch_end``
    runs after each epoch (reshuffle there). For an endless source, define ``num_batches`` to
    return ``None`` instead of ``__len__``. ``workers``, ``use_multiprocessing`` and
    ``max_queue_size`` are accepted for Keras compatibility; batches are produced in-process.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    # getattr defaults: subclasses that forget super().__init__() still work.
    @property
    def workers(self):
        return getattr(self, "_workers", 1)

    @property
    def use_multiprocessing(self):
        return getattr(self, "_use_multiprocessing", False)

    @property
    def max_queue_size(self):
        return getattr(self, "_max_queue_size", 10)

    def __getitem__(self, index):
        raise NotImplementedError(
            f"{type(self).__name__} must define __getitem__(self, index) returning one batch, "
            f"e.g. (x, y)."
        )

    @property
    def num_batches(self):
        """Batches per epoch (``len(self)``), or ``None`` for an endless source."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            f"{type(self).__name__} must define __len__ (batches per epoch), or a `num_batches` "
            f"property returning None for an endless source."
        )

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        pass

    def __iter__(self):
        count = self.num_batches
        indices = itertools.count() if count is None else range(count)
        for index in indices:
            yield self[index]


# tf.keras 2 name of the same idea.
Sequence = PyDataset


def train_validation_split(arrays, validation_split):
    """Split nested arrays into training and validation parts as Keras's ``fit`` does.

    The first ``floor(n * (1 - validation_split))`` samples train and the rest validate,
    taken before any shuffling, so the split is deterministic. ``arrays`` is an array or a
    (nested) tuple/list/dict of arrays (``None`` leaves stay ``None``); returns
    ``(train, validation)`` with the same structure.
    """
    if isinstance(validation_split, bool) or not 0 < validation_split < 1:
        raise ValueError(
            f"`validation_split` must be a fraction between 0 and 1 (exclusive); received "
            f"validation_split={validation_split!r}."
        )
    leaves = [a for a in nest.flatten(arrays) if a is not None]
    unsplittable = [type(a).__name__ for a in leaves if not hasattr(a, "shape")]
    if unsplittable:
        raise ValueError(
            f"`validation_split` is only supported for arrays (NumPy, Tensors, pandas); found "
            f"{', '.join(unsplittable)}. For generators or PyDataset inputs pass `validation_data`."
        )
    sizes = {int(a.shape[0]) for a in leaves}
    if len(sizes) > 1:
        raise ValueError(
            f"`validation_split`: all arrays must have the same number of samples; found sizes "
            f"{sorted(sizes)}."
        )
    n = sizes.pop() if sizes else 0
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a "
            f"validation and training set as specified by `validation_split={validation_split}`. "
            f"Either provide more data, or a different value for the `validation_split` argument."
        )

    def take(lo, hi):
        return nest.map_structure(lambda a: None if a is None else _rows(a, lo, hi), arrays)

    return take(0, split_at), take(split_at, n)


def _rows(array, lo, hi):
    # pandas objects slice by label with [], by position with .iloc.
    iloc = getattr(array, "iloc", None)
    return iloc[lo:hi] if iloc is not None else array[lo:hi]


def unpack_x_y_sample_weight(data):
    """``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` as ``(x, y, sample_weight)``."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`; "
        f"received a tuple of {len(data)} elements."
    )


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The tuple a step receives: ``x`` alone (``(x,)`` when x is a list or tuple, so it is
    not mistaken for ``(x, y)``), ``(x, y)``, or ``(x, y, sample_weight)``."""
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    if sample_weight is None:
        return x, y
    return x, y, sample_weight


def batch_size_of(x):
    """Samples in a batch: the leading axis of its first input (array, Tensor, list or dict)."""
    if type(x) is np.ndarray:
        return len(x) if x.ndim else 1
    for value in nest.flatten(x):
        if value is not None:
            shape = getattr(value, "shape", None)
            shape = np.shape(value) if shape is None else shape
            return shape[0] if len(shape) else 1
    return 1
