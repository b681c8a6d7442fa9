"""Focal cross-entropies (Lin et al., 2017): cross-entropy scaled down where the model is
already right, so training attends to the hard, often rare, examples.

Composed of ops (their gradients come from the ops), with Keras's formulas: predictions
are clipped to [epsilon, 1 - epsilon] inside the logarithm.
"""
import warnings

from gradiente import backend, ops
from gradiente.losses.loss import LossFunctionWrapper, matched_pair


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """mean((1 - p_t)^gamma · bce, axis), p_t the probability given to the true class;
    with ``apply_class_balancing`` each term is also weighted alpha (class 1) or 1 - alpha."""
    y_true, y_pred = matched_pair(y_true, y_pred, "binary_focal_crossentropy")
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    p = ops.sigmoid(y_pred) if from_logits else y_pred
    eps = backend.epsilon()
    clipped = ops.clip(p, eps, 1.0 - eps)
    not_y = ops.subtract(1.0, y_true)
    bce = ops.negative(ops.add(ops.multiply(y_true, ops.log(clipped)),
                               ops.multiply(not_y, ops.log(ops.subtract(1.0, clipped)))))
    p_t = ops.add(ops.multiply(y_true, p), ops.multiply(not_y, ops.subtract(1.0, p)))
    focal = ops.multiply(ops.power(ops.subtract(1.0, p_t), gamma), bce)
    if apply_class_balancing:
        focal = ops.multiply(ops.add(ops.multiply(y_true, alpha), ops.multiply(not_y, 1.0 - alpha)), focal)
    return ops.mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """sum(alpha · (1 - p)^gamma · -y · log p, axis) over classes, with y_pred (batch, ...,
    classes) renormalised to sum to one and y_true one-hot of its shape. ``alpha`` is a
    number or one weight per class."""
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")
    y_true, y_pred = matched_pair(y_true, y_pred, "categorical_focal_crossentropy")
    if y_pred.shape[-1] == 1:
        warnings.warn(
            "In loss categorical_focal_crossentropy, expected y_pred.shape to be (batch_size, "
            f"num_classes) with num_classes > 1. Received: y_pred.shape={y_pred.shape}. Consider "
            "using 'binary_crossentropy' if you only have 2 classes.", SyntaxWarning, stacklevel=2)
    if label_smoothing:
        classes = y_pred.shape[axis]  # the class axis, which need not be the last
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / classes)
    p = ops.softmax(y_pred, axis=axis) if from_logits else y_pred
    p = ops.divide(p, ops.sum(p, axis=axis, keepdims=True))
    eps = backend.epsilon()
    p = ops.clip(p, eps, 1.0 - eps)
    cce = ops.negative(ops.multiply(y_true, ops.log(p)))
    weight = ops.multiply(ops.power(ops.subtract(1.0, p), gamma), alpha)
    return ops.sum(ops.multiply(weight, cce), axis=axis)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.apply_class_balancing, self.alpha, self.gamma = apply_class_balancing, alpha, gamma
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy", dtype=None):
        super().__init__(categorical_focal_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.alpha, self.gamma = alpha, gamma
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis
