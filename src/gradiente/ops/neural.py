"""Neural-network primitives: activations, softmax, one_hot, and the fused ops that the
training hot path uses (dense layer, softmax/sigmoid cross-entropy from logits).

Activations are written in forms that do not overflow: sigmoid and softplus work from
exp(-|x|), softmax and log_softmax subtract the maximum first.
"""
import math
import warnings

import numpy as np

from gradiente import backend
from gradiente.autodiff.tensor import Tensor
from gradiente.ops.arithmetic import erf_array, multiply
from gradiente.ops.primitive import primitive
from gradiente.ops.reduction import column_sums

_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805
# Python floats, not NumPy scalars: a NumPy float64 scalar would promote float32 arrays.
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_SQRT_2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _sigmoid_array(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


@primitive(name="sigmoid")
def _sigmoid(x):
    return _sigmoid_array(x)


@_sigmoid.defvjp
def _(g, ans, needs, x):
    return (g * ans * (1 - ans),)


def sigmoid(x):
    """1 / (1 + exp(-x)); the output remembers its logits for a fused cross-entropy."""
    out = _sigmoid(x)
    if isinstance(x, Tensor):
        out._activation = ("sigmoid", x)
    return out


@primitive
def tanh(x):
    return np.tanh(x)


@tanh.defvjp
def _(g, ans, needs, x):
    return (g * (1 - ans * ans),)


@primitive
def relu(x):
    """max(x, 0). By convention relu'(0) = 0."""
    return np.maximum(x, 0)


@relu.defvjp
def _(g, ans, needs, x):
    return (g * (ans > 0),)


@primitive
def relu6(x):
    return np.clip(x, 0, 6)


@relu6.defvjp
def _(g, ans, needs, x):
    return (g * ((x > 0) & (x < 6)),)


@primitive
def leaky_relu(x, negative_slope=0.2):
    return np.where(x > 0, x, x * negative_slope)


@leaky_relu.defvjp
def _(g, ans, needs, x, negative_slope=0.2):
    return (np.where(x > 0, g, g * negative_slope),)


@primitive
def elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


@elu.defvjp
def _(g, ans, needs, x, alpha=1.0):
    return (np.where(x > 0, g, g * (ans + alpha)),)


@primitive
def selu(x):
    return _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0)))


@selu.defvjp
def _(g, ans, needs, x):
    return (np.where(x > 0, g * _SELU_SCALE, g * (ans + _SELU_SCALE * _SELU_ALPHA)),)


@primitive
def gelu(x, approximate=True):
    """x·Φ(x). ``approximate=True`` uses the tanh form (Keras ops' default);
    ``approximate=False`` the exact erf form (the ``'gelu'`` activation's default)."""
    if approximate:
        inner = _SQRT_2_OVER_PI * (x + 0.044715 * x**3)
        return 0.5 * x * (1 + np.tanh(inner))
    return 0.5 * x * (1 + erf_array(x / _SQRT_2))


@gelu.defvjp
def _(g, ans, needs, x, approximate=True):
    if approximate:
        t = np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x**3))
        d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
    else:
        cdf = 0.5 * (1 + erf_array(x / _SQRT_2))
        d = cdf + x * np.exp(-0.5 * x * x) / _SQRT_2PI
    return (g * d,)


@primitive
def softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


@softplus.defvjp
def _(g, ans, needs, x):
    return (g * _sigmoid_array(x),)


@primitive
def softsign(x):
    return x / (1 + np.abs(x))


@softsign.defvjp
def _(g, ans, needs, x):
    return (g / np.square(1 + np.abs(x)),)


@primitive
def silu(x):
    return x * _sigmoid_array(x)


@silu.defvjp
def _(g, ans, needs, x):
    s = _sigmoid_array(x)
    return (g * s * (1 + x * (1 - s)),)


swish = silu


@primitive
def hard_sigmoid(x):
    """relu6(x + 3) / 6, as Keras 3 defines it."""
    return np.clip(x / 6 + 0.5, 0, 1)


@hard_sigmoid.defvjp
def _(g, ans, needs, x):
    return (g * ((x > -3) & (x < 3)) / 6,)


def hard_silu(x):
    return multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


# The ufuncs' own reduce methods: np.max / np.sum add a Python layer that costs more than
# the arithmetic on the small arrays of a training step.
_max = np.maximum.reduce
_sum = np.add.reduce


def _softmax_array(x, axis):
    z = x - _max(x, axis=axis, keepdims=True)
    np.exp(z, out=z)
    z /= _sum(z, axis=axis, keepdims=True)
    return z


@primitive(name="softmax")
def _softmax(x, axis=-1):
    return _softmax_array(x, axis)


@_softmax.defvjp
def _(g, ans, needs, x, axis=-1):
    return (ans * (g - _sum(g * ans, axis=axis, keepdims=True)),)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis`` (an int, a tuple of axes or None for all),
    after subtracting the maximum."""
    shape = np.shape(x.data if isinstance(x, Tensor) else x)
    if isinstance(axis, int) and -len(shape) <= axis < len(shape) and shape[axis] == 1:
        warnings.warn(
            f"You are using a softmax over axis {axis} of a tensor of shape {shape}. This axis has "
            "size 1. The softmax operation will always return the value 1, which is likely not "
            "what you intended. Did you mean to use a sigmoid instead?", stacklevel=2)
    out = _softmax(x, axis=axis)
    if isinstance(x, Tensor) and axis in (-1, np.ndim(x.data) - 1):
        out._activation = ("softmax", x)
    return out


@primitive
def log_softmax(x, axis=-1):
    z = x - np.max(x, axis=axis, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


@log_softmax.defvjp
def _(g, ans, needs, x, axis=-1):
    return (g - np.exp(ans) * np.sum(g, axis=axis, keepdims=True),)


@primitive
def log_sigmoid(x):
    return -(np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0))


@log_sigmoid.defvjp
def _(g, ans, needs, x):
    return (g * _sigmoid_array(-x),)


def mish(x):
    """x · tanh(softplus(x))."""
    return multiply(x, tanh(softplus(x)))


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """Integer labels (...,) -> one-hot vectors (..., num_classes). No gradient."""
    if sparse:
        raise ValueError("one_hot: sparse=True is not supported: gradiente has no sparse tensors.")
    labels = np.asarray(x.data if isinstance(x, Tensor) else x)
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind == "f" and np.all(labels == np.round(labels)):
            labels = labels.astype(np.int64)
        else:
            raise TypeError(f"one_hot expects integer labels, got dtype {labels.dtype.name}.")
    out = (labels[..., None] == np.arange(num_classes)).astype(backend.standardize_dtype(dtype))
    if axis not in (-1, out.ndim - 1):
        out = np.moveaxis(out, -1, axis)
    return Tensor(out)


@primitive
def dropout(x, rate=0.5, noise_shape=None, generator=None, cache=None):
    """Inverted dropout: each element zeroed with probability ``rate``, the rest scaled by
    1 / (1 - rate). The mask is drawn here, from ``generator`` or else the library's, so a
    replayed training step draws a fresh one; ``noise_shape`` broadcasts it over ``x``."""
    rng = generator if generator is not None else backend.rng()
    keep = rng.random(x.shape if noise_shape is None else noise_shape, dtype=np.float32) >= rate
    scale = keep.astype(x.dtype) * np.asarray(1.0 / (1.0 - rate), dtype=x.dtype)
    cache["scale"] = scale
    return x * scale


@dropout.defvjp
def _(g, ans, needs, x, rate=0.5, noise_shape=None, generator=None, cache=None):
    return (g * cache["scale"],)


# --- fused ops for the training hot path ---------------------------------------------
# A Dense layer with relu (or no activation) is one record instead of three, and does its
# bias and relu in place: measured 10-15% of an MLP training step (benchmarks/mlp_epoch.py).
@primitive
def dense(x, kernel, bias=None, activation=None):
    """activation(x @ kernel + bias), activation in (None, "relu"). x: (..., n) -> (..., units)."""
    z = np.matmul(x, kernel)
    if bias is not None:
        z += bias
    if activation == "relu":
        np.maximum(z, 0, out=z)
    return z


@dense.defvjp
def _(g, ans, needs, x, kernel, bias=None, activation=None):
    dz = g * (ans > 0) if activation == "relu" else g
    gx = None
    if needs[0]:
        # NumPy's stacked matmul, (..., T, units) x (units, n), runs ~1.5x slower on the
        # transposed (Fortran-order) kernel view than on a C-contiguous copy of the small
        # kernel (benchmarks/transformer_epoch.py); a 2-D product gains nothing from the copy.
        kernel_t = kernel.T if dz.ndim == 2 else np.ascontiguousarray(kernel.T)
        gx = np.matmul(dz, kernel_t)
    gk = gb = None
    if needs[1] or (bias is not None and needs[2]):
        dz2 = dz.reshape(-1, dz.shape[-1]) if dz.ndim != 2 else dz
        if needs[1]:
            x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
            gk = x2.T @ dz2
        if bias is not None and needs[2]:
            gb = column_sums(dz2)
    return gx, gk, gb, None


def _label_index(labels, axis, ndim):
    """An index that picks ``labels`` along ``axis``: rows × labels for the usual 2-D case."""
    if ndim == 2 and axis in (-1, 1):
        return np.arange(labels.shape[0]), labels
    return None


@primitive(name="sparse_softmax_cross_entropy")
def _sparse_softmax_cross_entropy(logits, labels, axis=-1, cache=None):
    z = logits - _max(logits, axis=axis, keepdims=True)
    e = np.exp(z)
    total = _sum(e, axis=axis, keepdims=True)
    # The VJP needs softmax(logits): keep it rather than exponentiate twice.
    cache["probabilities"] = e / total
    lse = np.log(total).squeeze(axis)
    index = _label_index(labels, axis, z.ndim)
    if index is not None:
        return lse - z[index]
    picked = np.take_along_axis(z, np.expand_dims(labels, axis), axis=axis)
    return lse - np.squeeze(picked, axis=axis)


@_sparse_softmax_cross_entropy.defvjp
def _(g, ans, needs, logits, labels, axis=-1, cache=None):
    probabilities = cache.get("probabilities")
    if probabilities is None or probabilities.shape != logits.shape:
        probabilities = _softmax_array(logits, axis)
    index = _label_index(labels, axis, logits.ndim)
    if index is not None:
        grad = probabilities * g[:, None]  # a new array: the cache may serve another gradient()
        grad[index] -= g
    else:
        grad = probabilities * np.expand_dims(g, axis)
        idx = np.expand_dims(labels, axis)
        np.put_along_axis(grad, idx, np.take_along_axis(grad, idx, axis=axis) - np.expand_dims(g, axis),
                          axis=axis)
    return grad, None, None


def sparse_softmax_cross_entropy(logits, labels, axis=-1):
    """Per-sample -log softmax(logits)[label]. logits (N, ..., C), labels (N, ...) int."""
    return _sparse_softmax_cross_entropy(logits, labels, axis=axis, cache={})


@primitive
def softmax_cross_entropy(logits, targets, axis=-1):
    """Per-sample -sum(targets * log softmax(logits)) along ``axis``."""
    return -np.sum(targets * log_softmax.forward(logits, axis=axis), axis=axis)


@softmax_cross_entropy.defvjp
def _(g, ans, needs, logits, targets, axis=-1):
    ge = np.expand_dims(g, axis)
    g_logits = g_targets = None
    if needs[0]:
        total = np.sum(targets, axis=axis, keepdims=True)
        g_logits = ge * (_softmax_array(logits, axis) * total - targets)
    if needs[1]:
        g_targets = -ge * log_softmax.forward(logits, axis=axis)
    return g_logits, g_targets, None


@primitive
def sigmoid_cross_entropy(logits, targets):
    """Elementwise binary cross-entropy from logits: max(z,0) - z·y + log(1 + exp(-|z|))."""
    return np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))


@sigmoid_cross_entropy.defvjp
def _(g, ans, needs, logits, targets):
    g_logits = g * (_sigmoid_array(logits) - targets) if needs[0] else None
    g_targets = -g * logits if needs[1] else None
    return g_logits, g_targets
