"""Overlap losses for segmentation: Dice and Tversky (Salehi et al., 2017), 1 minus a
soft overlap ratio of y_true and y_pred, summed over ``axis`` (all axes by default).

Composed of ops, so their gradients come from the tape.
"""
from gradiente import backend, ops
from gradiente.losses.loss import LossFunctionWrapper, float_target, prediction


def _pair(y_true, y_pred, axis):
    y_pred = prediction(y_pred)
    axis = tuple(axis) if isinstance(axis, list) else axis  # a config read from JSON gives a list
    return float_target(y_true, y_pred), y_pred, axis


def dice(y_true, y_pred, axis=None):
    """1 - 2·sum(y_true·y_pred) / (sum(y_true) + sum(y_pred) + epsilon) over ``axis``
    (None: one value for the whole batch; e.g. (1, 2, 3): one per image)."""
    y_true, y_pred, axis = _pair(y_true, y_pred, axis)
    intersection = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    total = ops.add(ops.add(ops.sum(y_true, axis=axis), ops.sum(y_pred, axis=axis)), backend.epsilon())
    return ops.subtract(1.0, ops.divide(ops.multiply(2.0, intersection), total))


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """1 - tp / (tp + alpha·fp + beta·fn + epsilon), the soft counts summed over ``axis``;
    alpha weighs false positives, beta false negatives (0.5 and 0.5: Dice)."""
    y_true, y_pred, axis = _pair(y_true, y_pred, axis)
    tp = ops.sum(ops.multiply(y_pred, y_true), axis=axis)
    fp = ops.sum(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=axis)
    fn = ops.sum(ops.multiply(y_true, ops.subtract(1.0, y_pred)), axis=axis)
    denominator = ops.add(ops.add(ops.add(tp, ops.multiply(fp, alpha)), ops.multiply(fn, beta)),
                          backend.epsilon())
    return ops.subtract(1.0, ops.divide(tp, denominator))


class Dice(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, reduction=reduction, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class Tversky(LossFunctionWrapper):
    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky", axis=None,
                 dtype=None):
        super().__init__(tversky, reduction=reduction, name=name, dtype=dtype, alpha=alpha, beta=beta,
                         axis=axis)
        self.alpha, self.beta, self.axis = alpha, beta, axis
