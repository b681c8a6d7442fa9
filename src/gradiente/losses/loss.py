"""The Loss base class, reductions and sample weighting, as Keras 3 defines them.

A loss *function* maps ``(y_true, y_pred)`` to one value per sample (the mean over the
last axis). A ``Loss`` *object* calls it, multiplies by ``sample_weight`` and reduces to a
scalar: ``"sum_over_batch_size"`` (the default, sum / number of elements), ``"sum"``,
``"mean"`` (same as the default), ``"mean_with_sample_weight"`` (sum / sum of weights)
or ``"none"`` / ``None`` (no reduction).
"""
import numpy as np

from gradiente import backend, ops
from gradiente.autodiff.tensor import Tensor, convert_to_tensor
from gradiente.autodiff.trace import host_array
from gradiente.utils import naming

REDUCTIONS = ("sum", "sum_over_batch_size", "mean", "mean_with_sample_weight", "none", None)


def standardize_reduction(reduction):
    if reduction == "auto":  # tf.keras 2 spelling of the default
        return "sum_over_batch_size"
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Invalid value for argument `reduction`. Expected one of {REDUCTIONS}. "
            f"Received: reduction={reduction!r}"
        )
    return reduction


class Loss:
    """Base class: subclasses implement ``call(y_true, y_pred)`` -> per-sample losses.

    ``loss(y_true, y_pred, sample_weight=None)`` returns the reduced loss (a scalar
    Tensor unless ``reduction="none"``), differentiable with respect to ``y_pred``.
    """

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None):
        self.reduction = standardize_reduction(reduction)
        self.name = name or naming.to_snake_case(type(self).__name__)
        self.dtype = backend.standardize_dtype(dtype) if dtype is not None else None

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = self._prediction(y_pred)
        y_true = _like(y_true, y_pred)
        losses = self.call(y_true, y_pred)
        return reduce_weighted_values(losses, sample_weight, _mask_for(losses, y_pred), self.reduction)

    def _prediction(self, y_pred):
        # A Tensor is kept as it is, so the tape and its softmax/sigmoid tag survive.
        if isinstance(y_pred, Tensor):
            return y_pred
        arr = np.asarray(y_pred)
        if arr.dtype.kind != "f" or (self.dtype is not None and arr.dtype != self.dtype):
            arr = arr.astype(self.dtype or backend.float_dtype())
        return Tensor(arr)

    def call(self, y_true, y_pred):  # pragma: no cover - abstract
        raise NotImplementedError("Loss subclasses implement call(y_true, y_pred) (abstract)")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """A Loss object around a per-sample loss function ``fn(y_true, y_pred, **kwargs)``."""

    @property
    def traceable(self):
        """fit may replay this loss when it is one of ours (computed through ops only)."""
        return getattr(self.fn, "__module__", "").startswith("gradiente.losses.")

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(reduction=reduction, name=name or getattr(fn, "__name__", None), dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config.update(self._fn_kwargs)
        return config


def _mask_for(losses, y_pred):
    """The mask that weights the per-sample losses, as Keras 3 takes it: the predictions'
    ``_keras_mask`` (e.g. padded time steps of a sequence model's output) and the losses'
    own (e.g. an ignored class), both when both exist; used when it lines up with the losses."""
    out_mask = _mask_values(losses._keras_mask if isinstance(losses, Tensor) else None)
    in_mask = _mask_values(getattr(y_pred, "_keras_mask", None))
    if in_mask is not None and out_mask is not None:
        mask = np.logical_and(in_mask, out_mask)
    else:
        mask = in_mask if out_mask is None else out_mask
    if mask is None:
        return None
    return mask if tuple(losses.shape[:mask.ndim]) == mask.shape else None


def _mask_values(mask):
    if mask is None:
        return None
    return host_array(mask, "the mask the loss weights by", dtype=bool)


def _like(y_true, y_pred):
    """y_true as a Tensor of y_pred's float dtype (integer labels keep theirs)."""
    if isinstance(y_true, Tensor):
        return y_true
    arr = np.asarray(y_true)
    if arr.dtype.kind == "f" and arr.dtype != y_pred.dtype:
        arr = arr.astype(y_pred.dtype)
    elif arr.dtype.kind == "b":
        arr = arr.astype(y_pred.dtype)
    return Tensor(arr)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Make ranks equal when they differ by a trailing axis of size 1: ``(N,)`` against
    ``(N, 1)`` gives ``(N, 1)`` for both; deeper ranks drop the size-1 axis instead."""
    r1, r2 = len(x1.shape), len(x2.shape)
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = ops.expand_dims(x2, -1)
        else:
            x1 = ops.squeeze(x1, axis=-1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = ops.expand_dims(x1, -1)
        else:
            x2 = ops.squeeze(x2, axis=-1)
    return x1, x2


def _as_weights(sample_weight, dtype):
    arr = sample_weight.data if isinstance(sample_weight, Tensor) else np.asarray(sample_weight)
    return arr.astype(dtype, copy=False)


def _broadcastable(weights, values_shape):
    """Weights (batch,) or (batch, 1) against values (batch, ...): squeeze or expand the
    trailing axes so NumPy broadcasting lines up the batch axes."""
    if weights.ndim == 0 or weights.shape == values_shape:
        return weights
    if weights.ndim == len(values_shape) + 1 and weights.shape[-1] == 1:
        weights = weights[..., 0]
    while weights.ndim < len(values_shape):
        weights = weights[..., None]
    try:
        np.broadcast_shapes(weights.shape, values_shape)
    except ValueError:
        raise ValueError(
            f"sample_weight of shape {np.shape(weights)} cannot be applied to per-sample "
            f"losses of shape {values_shape}: give one weight per sample (batch,)."
        ) from None
    return weights


def reduce_weighted_values(values, sample_weight=None, mask=None, reduction="sum_over_batch_size"):
    """Weight per-sample ``values`` by ``sample_weight`` (and a mask) and reduce them."""
    if not isinstance(values, Tensor):
        values = convert_to_tensor(values)
    dtype = values.data.dtype
    weights = None
    if sample_weight is not None:
        weights = _broadcastable(_as_weights(sample_weight, dtype), values.shape)
    if mask is not None:
        mask = _broadcastable(_as_weights(mask.data if isinstance(mask, Tensor) else mask, dtype),
                              values.shape)
        if reduction in ("mean", "sum_over_batch_size"):
            # Valid entries weigh total/valid (0 when none is valid, as Keras's divide_no_nan),
            # so dividing by the element count averages over the valid entries only.
            valid = np.sum(mask)
            mask = mask * (mask.size / valid if valid else 0.0)
        weights = mask if weights is None else weights * mask
    if weights is not None:
        values = ops.multiply(values, weights)
    if reduction in (None, "none") or values.ndim == 0 or values.shape == (0,):
        return values
    if reduction == "sum":
        return ops.sum(values)
    if reduction == "mean_with_sample_weight" and weights is not None:
        total = float(np.sum(np.broadcast_to(weights, values.shape)))
        return ops.divide(ops.sum(values), np.asarray(total if total else 1.0, dtype=dtype))
    return ops.mean(values)


# --- argument preparation shared by the loss functions -----------------------------------
def prediction(y_pred):
    """y_pred as a float Tensor; an existing Tensor is returned unchanged (tape, tags)."""
    if isinstance(y_pred, Tensor):
        return y_pred
    arr = np.asarray(y_pred)
    if arr.dtype.kind != "f":
        arr = arr.astype(backend.float_dtype())
    return Tensor(arr)


def float_target(y_true, y_pred):
    """y_true as a Tensor of y_pred's dtype (cast on the tape when it is a Tensor)."""
    if isinstance(y_true, Tensor):
        return y_true if y_true.dtype == y_pred.dtype else ops.cast(y_true, y_pred.dtype)
    arr = np.asarray(y_true)
    return Tensor(arr if arr.dtype == y_pred.dtype else arr.astype(y_pred.dtype))


def matched_pair(y_true, y_pred, fn_name):
    """Float y_true and y_pred with equal shapes ((N,) against (N, 1) is reconciled),
    or a ValueError naming both shapes."""
    y_pred = prediction(y_pred)
    y_true = float_target(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{fn_name}: `y_true` and `y_pred` must have the same shape. Received: "
            f"y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}."
        )
    return y_true, y_pred
