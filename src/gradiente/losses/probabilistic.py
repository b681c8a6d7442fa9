"""Cross-entropies, Kullback-Leibler divergence and Poisson: losses on probabilities.

Cross-entropy on the output of a softmax (or sigmoid) is computed from that layer's
logits with one fused, stable primitive (``ops.softmax_cross_entropy`` and friends):
the output tensor carries ``_activation = ("softmax", logits)``. Otherwise probabilities
are clipped to [epsilon, 1 - epsilon] before the log, as Keras does.
"""
import warnings

import numpy as np

from gradiente import backend, ops
from gradiente.autodiff.tensor import Tensor
from gradiente.losses.loss import (
    LossFunctionWrapper, float_target, matched_pair, prediction, squeeze_or_expand_to_same_rank,
)


def _logits(y_pred, kind, from_logits, fn_name):
    """The logits to use with the fused primitive, or None for the probability path."""
    tag = y_pred._activation
    if from_logits:
        if tag is not None and tag[0] == kind:
            warnings.warn(
                f'"`{fn_name}` received `from_logits=True`, but the `y_pred` argument was '
                f'produced by a {kind} activation and thus does not represent logits. '
                "Was this intended?", stacklevel=3,
            )
        return y_pred
    if tag is not None and tag[0] == kind:
        return tag[1]
    return None


def _clipped_log(p):
    eps = backend.epsilon()
    return ops.log(ops.clip(p, eps, 1.0 - eps))


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean(-(y·log p + (1 - y)·log(1 - p)), axis). y_true: 0/1 labels (or soft labels),
    same shape as y_pred ((N,) against (N, 1) is accepted)."""
    y_pred = prediction(y_pred)
    logits = _logits(y_pred, "sigmoid", from_logits, "binary_crossentropy")
    y_true = float_target(y_true, y_pred)
    y_true, squeezed = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if squeezed is not y_pred and logits is not None:
        logits = ops.squeeze(logits, axis=-1)
    y_pred = squeezed
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "binary_crossentropy: `y_true` and `y_pred` must have the same shape. Received: "
            f"y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}."
        )
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if logits is not None:
        return ops.mean(ops.sigmoid_cross_entropy(logits, y_true), axis=axis)
    eps = backend.epsilon()
    p = ops.clip(y_pred, eps, 1.0 - eps)
    log_p = ops.multiply(y_true, ops.log(p))
    log_not_p = ops.multiply(ops.subtract(1.0, y_true), ops.log(ops.subtract(1.0, p)))
    return ops.mean(ops.negative(ops.add(log_p, log_not_p)), axis=axis)


def _looks_like_labels(y_true, y_pred):
    arr = y_true.data if isinstance(y_true, Tensor) else np.asarray(y_true)
    return arr.ndim == y_pred.ndim - 1 or (arr.ndim == y_pred.ndim and arr.shape[-1] == 1
                                           and y_pred.shape[-1] > 1)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(y_true · log p, axis) with y_true one-hot (or a distribution) of y_pred's
    shape (batch, ..., classes) -> (batch, ...)."""
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")
    y_pred = prediction(y_pred)
    if tuple(np.shape(y_true.data if isinstance(y_true, Tensor) else y_true)) != y_pred.shape:
        shape = np.shape(y_true.data if isinstance(y_true, Tensor) else y_true)
        hint = ""
        if _looks_like_labels(y_true, y_pred):
            hint = (" y_true looks like integer class labels: use "
                    "loss='sparse_categorical_crossentropy', or one-hot encode them with "
                    f"keras.utils.to_categorical(y, num_classes={y_pred.shape[-1]}).")
        raise ValueError(
            "categorical_crossentropy: Arguments `y_true` and `y_pred` must have the same "
            f"shape. Received: y_true.shape={tuple(shape)}, y_pred.shape={y_pred.shape}.{hint}"
        )
    if y_pred.shape[-1] == 1:
        warnings.warn(
            "In loss categorical_crossentropy, expected y_pred.shape to be (batch_size, "
            f"num_classes) with num_classes > 1. Received: y_pred.shape={y_pred.shape}. "
            "Consider using 'binary_crossentropy' if you only have 2 classes.", stacklevel=2,
        )
    logits = _logits(y_pred, "softmax", from_logits, "categorical_crossentropy")
    y_true = float_target(y_true, y_pred)
    if label_smoothing:
        classes = y_pred.shape[axis]
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / classes)
    if logits is not None:
        return ops.softmax_cross_entropy(logits, y_true, axis=axis)
    p = ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True))
    return ops.negative(ops.sum(ops.multiply(y_true, _clipped_log(p)), axis=axis))


def _class_indices(y_true, y_pred, ignore_class):
    """Integer labels of shape y_pred.shape[:-1], checked against the number of classes."""
    labels = y_true.data if isinstance(y_true, Tensor) else np.asarray(y_true)
    if labels.ndim == y_pred.ndim and labels.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.shape != y_pred.shape[:-1]:
        hint = ""
        if labels.shape == y_pred.shape:
            hint = " y_true looks one-hot encoded: use loss='categorical_crossentropy' instead."
        raise ValueError(
            "sparse_categorical_crossentropy: `y_true` must hold one integer class index per "
            f"sample, of shape {y_pred.shape[:-1]}, to match y_pred.shape={y_pred.shape}. "
            f"Received: y_true.shape={np.shape(y_true.data if isinstance(y_true, Tensor) else y_true)}.{hint}"
        )
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind not in "fb" or not np.all(labels == np.floor(labels)):
            raise ValueError(
                "sparse_categorical_crossentropy: `y_true` must hold integer class indices, "
                f"received values of dtype {labels.dtype.name} such as "
                f"{labels.ravel()[:3].tolist()}."
            )
        labels = labels.astype(np.intp)
    valid = None
    if ignore_class is not None:
        valid = labels != ignore_class
        labels = np.where(valid, labels, 0)
    classes = y_pred.shape[-1]
    if labels.size and (np.minimum.reduce(labels, axis=None) < 0
                        or np.maximum.reduce(labels, axis=None) >= classes):
        bad = labels[(labels < 0) | (labels >= classes)].ravel()
        raise ValueError(
            f"sparse_categorical_crossentropy: label {int(bad[0])} is out of range: y_pred "
            f"has {classes} classes, so labels must be in [0, {classes}) "
            f"({bad.size} labels out of range). Make the last layer's units equal the number "
            "of classes, or fix the labels."
        )
    return labels, valid


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """-log p[label] per sample. y_true: integer labels (batch, ...) (or with a size-1 axis
    where y_pred has its classes); y_pred: classes along ``axis`` (the last by default; any
    axis works, as Keras's torch backend allows). ``ignore_class`` labels give 0 and are
    masked out of the mean."""
    y_pred = prediction(y_pred)
    if y_pred.ndim < 1:
        raise ValueError("sparse_categorical_crossentropy: `y_pred` must be at least rank 1.")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -y_pred.ndim <= axis < y_pred.ndim:
        raise ValueError(f"sparse_categorical_crossentropy: `axis` must be an integer in "
                         f"[-{y_pred.ndim}, {y_pred.ndim}) for y_pred of rank {y_pred.ndim}. Received: axis={axis}")
    axis = int(axis) % y_pred.ndim
    logits = _logits(y_pred, "softmax", from_logits, "sparse_categorical_crossentropy")
    if axis != y_pred.ndim - 1:
        labels = y_true.data if isinstance(y_true, Tensor) else np.asarray(y_true)
        if labels.ndim == y_pred.ndim and labels.shape[axis] == 1:
            y_true = np.squeeze(labels, axis=axis)
        # Classes last from here on; a softmax tag is along the last axis, so it cannot apply.
        y_pred = ops.moveaxis(y_pred, axis, -1)
        logits = y_pred if from_logits else None
    labels, valid = _class_indices(y_true, y_pred, ignore_class)
    if logits is not None:
        losses = ops.sparse_softmax_cross_entropy(logits, labels)
    else:
        p = ops.divide(y_pred, ops.sum(y_pred, axis=-1, keepdims=True))
        picked = ops.take_along_axis(p, labels[..., None], axis=-1)
        losses = ops.negative(ops.squeeze(_clipped_log(picked), axis=-1))
    if valid is not None:
        losses = ops.where(valid, losses, np.zeros((), dtype=losses.dtype))
        losses._keras_mask = valid
    return losses


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """(1 - p^q) / q per sample, p the probability y_pred (batch, ..., classes) gives the
    integer label y_true (batch, ...): q -> 0 approaches cross-entropy, q = 1 is MAE
    (Zhang & Sabuncu, 2018). Labels must lie in [0, classes)."""
    y_pred = prediction(y_pred)
    labels = np.asarray(y_true.data if isinstance(y_true, Tensor) else y_true)
    if labels.ndim == y_pred.ndim and labels.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.shape != y_pred.shape[:-1]:
        raise ValueError("categorical_generalized_cross_entropy: `y_true` must hold one integer class "
                         f"index per sample, of shape {y_pred.shape[:-1]} for y_pred.shape={y_pred.shape}. "
                         f"Received: y_true.shape={labels.shape}.")
    labels = labels.astype(np.intp)
    classes = y_pred.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"categorical_generalized_cross_entropy: labels must lie in [0, {classes}); "
                         f"received labels from {labels.min()} to {labels.max()}.")
    p = ops.squeeze(ops.take_along_axis(y_pred, labels[..., None], axis=-1), axis=-1)
    return ops.divide(ops.subtract(1.0, ops.power(p, q)), q)


def kl_divergence(y_true, y_pred):
    """sum(y_true · log(y_true / y_pred), axis=-1), both clipped to [epsilon, 1]."""
    y_true, y_pred = matched_pair(y_true, y_pred, "kl_divergence")
    eps = backend.epsilon()
    t = ops.clip(y_true, eps, 1.0)
    p = ops.clip(y_pred, eps, 1.0)
    return ops.sum(ops.multiply(t, ops.log(ops.divide(t, p))), axis=-1)


def poisson(y_true, y_pred):
    """mean(y_pred - y_true · log(y_pred + epsilon), axis=-1)."""
    y_true, y_pred = matched_pair(y_true, y_pred, "poisson")
    log_rate = ops.log(ops.add(y_pred, backend.epsilon()))
    return ops.mean(ops.subtract(y_pred, ops.multiply(y_true, log_rate)), axis=-1)


class BinaryCrossentropy(LossFunctionWrapper):
    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class CategoricalCrossentropy(LossFunctionWrapper):
    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis


class KLDivergence(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


class Poisson(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    def __init__(self, q=0.5, reduction="sum_over_batch_size", name="categorical_generalized_cross_entropy",
                 dtype=None):
        if not 0 < q < 1:
            raise ValueError("q must be in the interval (0, 1)")
        super().__init__(categorical_generalized_cross_entropy, reduction=reduction, name=name, dtype=dtype, q=q)
        self.q = q
