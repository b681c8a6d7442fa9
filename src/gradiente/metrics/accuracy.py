"""Accuracy metrics and their per-sample functions (NumPy; 1.0 for a hit, 0.0 for a miss).

Which accuracy fits which targets (Keras's rule, used by compile for ``"accuracy"``):
one output unit -> binary; integer labels -> sparse categorical; one-hot -> categorical.
"""
import numpy as np

from gradiente.metrics.metric import squeeze_or_expand, to_array
from gradiente.metrics.reduction import MeanMetricWrapper


def accuracy(y_true, y_pred):
    """Exact element-wise match of y_true and y_pred."""
    y_true, y_pred = squeeze_or_expand(to_array(y_true), to_array(y_pred))
    return y_true == y_pred


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Match of y_true with (y_pred > threshold), element-wise."""
    y_true, y_pred = squeeze_or_expand(to_array(y_true), to_array(y_pred))
    return y_true == (y_pred > threshold)


def categorical_accuracy(y_true, y_pred):
    """argmax(y_true) == argmax(y_pred) over the last axis: one value per sample."""
    y_true, y_pred = to_array(y_true), to_array(y_pred)
    return np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)


def _labels(y_true, y_pred):
    """Integer labels of shape y_pred.shape[:-1] ((N, 1) labels are accepted)."""
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if y_true.shape != y_pred.shape[:-1]:
        raise ValueError(
            f"Sparse accuracy expects one integer label per sample, of shape "
            f"{y_pred.shape[:-1]} for predictions of shape {y_pred.shape}; received labels of "
            f"shape {y_true.shape}. For one-hot labels use categorical accuracy."
        )
    return y_true


def sparse_categorical_accuracy(y_true, y_pred):
    """label == argmax(y_pred) per sample."""
    y_pred = to_array(y_pred)
    y_true = _labels(to_array(y_true), y_pred)
    return y_true == np.argmax(y_pred, axis=-1)


def _in_top_k(labels, y_pred, k):
    """Whether each label's score is among the k largest: fewer than k classes score
    strictly higher (ties at the boundary count as in, as TensorFlow's in_top_k)."""
    labels = labels.astype(np.intp, copy=False)
    target = np.take_along_axis(y_pred, labels[..., None], axis=-1)
    return np.sum(y_pred > target, axis=-1) < k


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """argmax(y_true) among the k highest-scoring classes of y_pred."""
    y_pred = to_array(y_pred)
    return _in_top_k(np.argmax(to_array(y_true), axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """Integer label among the k highest-scoring classes of y_pred (batch, classes); with
    ``from_sorted_ids``, y_pred (batch, N >= k) already lists class ids from the highest
    score down, and the label must be among its first k."""
    y_pred = to_array(y_pred)
    labels = _labels(to_array(y_true), y_pred)
    if from_sorted_ids:
        return np.any(labels[..., None] == y_pred[..., :k], axis=-1)
    return _in_top_k(labels, y_pred, k)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often (y_pred > threshold) equals the 0/1 label."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the most likely class matches the one-hot label."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the most likely class matches the integer label."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is among the k most likely classes."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the k most likely classes (``from_sorted_ids``:
    among the first k of the class ids y_pred lists, best first)."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        extra = {"from_sorted_ids": True} if from_sorted_ids else {}  # Keras's config omits False
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k, **extra)
        self.k = k
        self.from_sorted_ids = from_sorted_ids


def accuracy_for(y_true_shape, y_pred_shape, name="accuracy"):
    """The accuracy Keras's compile picks for ``metrics=["accuracy"]`` from the shapes of
    the targets and predictions (see the module docstring), named ``name``."""
    if len(y_pred_shape) and y_pred_shape[-1] == 1:
        return BinaryAccuracy(name=name)
    if len(y_true_shape) < len(y_pred_shape) or (
            len(y_true_shape) and y_true_shape[-1] == 1 and y_pred_shape[-1] != 1):
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)
