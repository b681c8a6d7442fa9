"""``keras.ops.top_k`` and ``in_top_k``. The values of top_k come through
``take_along_axis``, so they carry gradients to the entries picked; indices are int32."""
import numpy as np

from gradiente.autodiff.tensor import Tensor, to_array
from gradiente.ops.shape import take_along_axis


def _array(x):
    return np.asarray(x.data if isinstance(x, Tensor) else to_array(x))


def _top_indices(x, k, sorted=True, is_stable=True):
    if not is_stable and not sorted:
        return np.argpartition(x, -k, axis=-1)[..., -k:]
    if not is_stable:
        return np.argsort(x, axis=-1)[..., ::-1][..., :k]
    # Stable descending order (ties keep their original order): argsort the reversed
    # array stably, then reverse back.
    reversed_order = np.argsort(np.flip(x, axis=-1), axis=-1, kind="stable")[..., ::-1]
    return (x.shape[-1] - 1 - reversed_order)[..., :k]


def top_k(x, k, sorted=True, is_stable=True):
    """The ``k`` largest entries along the last axis and their indices: values (..., k)
    (largest first with ``sorted``; equal values in index order with ``is_stable``) and
    int32 indices (..., k)."""
    arr = _array(x)
    if not 0 <= int(k) <= arr.shape[-1]:
        raise ValueError(f"top_k: k={k} must be between 0 and the last axis's size {arr.shape[-1]}.")
    indices = _top_indices(arr, int(k), sorted, is_stable).astype(np.int32)
    source = x if isinstance(x, Tensor) else Tensor(arr)
    return take_along_axis(source, indices, axis=-1), Tensor(indices)


def in_top_k(targets, predictions, k):
    """Whether each target class (batch,) is among the ``k`` largest predictions (batch,
    classes); ties with the k-th value count as in."""
    scores = _array(predictions)
    labels = _array(targets).astype(np.int64)[..., None]
    kth = np.partition(scores, -k, axis=-1)[..., -k:].min(axis=-1, keepdims=True) if k > 0 else np.inf
    return Tensor(np.any(np.take_along_axis(scores, labels, axis=-1) >= kth, axis=-1))
