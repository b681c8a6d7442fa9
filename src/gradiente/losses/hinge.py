"""Hinge losses for maximum-margin classifiers. Labels may be -1/1 or 0/1 (converted)."""
import numpy as np

from gradiente import ops
from gradiente.losses.loss import LossFunctionWrapper, matched_pair


def _signed_labels(y_true):
    """0/1 labels become -1/1, as Keras's hinge losses do; -1/1 labels stay."""
    arr = y_true.data
    if np.all((arr == 0) | (arr == 1)):
        return 2.0 * arr - 1.0
    return y_true


def hinge(y_true, y_pred):
    """mean(max(1 - y_true · y_pred, 0), axis=-1)."""
    y_true, y_pred = matched_pair(y_true, y_pred, "hinge")
    margin = ops.subtract(1.0, ops.multiply(_signed_labels(y_true), y_pred))
    return ops.mean(ops.relu(margin), axis=-1)


def squared_hinge(y_true, y_pred):
    """mean(max(1 - y_true · y_pred, 0)², axis=-1)."""
    y_true, y_pred = matched_pair(y_true, y_pred, "squared_hinge")
    margin = ops.subtract(1.0, ops.multiply(_signed_labels(y_true), y_pred))
    return ops.mean(ops.square(ops.relu(margin)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(max((1 - y_true) · y_pred) - sum(y_true · y_pred) + 1, 0) over the last axis."""
    y_true, y_pred = matched_pair(y_true, y_pred, "categorical_hinge")
    positive = ops.sum(ops.multiply(y_true, y_pred), axis=-1)
    negative = ops.max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.relu(ops.add(ops.subtract(negative, positive), 1.0))


class Hinge(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction=reduction, name=name, dtype=dtype)
