"""Normalization as one primitive: the forward and gradient of
``gamma · (x - mean) / sqrt(var + epsilon) + beta`` with mean and variance over some axes
(BatchNormalization, LayerNormalization and GroupNormalization differ only in the axes);
and of its uncentred form, ``gamma · x / sqrt(mean(x²) + epsilon)`` (RMS normalization)."""
import numpy as np

from gradiente.ops.primitive import primitive
from gradiente.ops.reduction import column_sums


def _last_axis_weights(x, axes):
    """For statistics over the last axis only (LayerNormalization), a (C, 1) column of 1/C
    whose product with rows gives their means: NumPy's mean along a short contiguous axis
    is ~6x slower than the BLAS product (C = 64). None for other axes."""
    if x.ndim < 2 or len(axes) != 1 or axes[0] not in (-1, x.ndim - 1) or x.dtype.kind != "f":
        return None
    return np.full((x.shape[-1], 1), 1.0 / x.shape[-1], dtype=x.dtype)


def _row_means(a, weights):
    """(..., C) -> (..., 1) means over the last axis, as one matrix-vector product."""
    return (a.reshape(-1, a.shape[-1]) @ weights).reshape(a.shape[:-1] + (1,))


@primitive
def normalize(x, gamma, beta, axes=(0,), epsilon=1e-3, stats=None, moving=None):
    """(x - mean) / sqrt(var + epsilon) · gamma + beta, with mean and variance over ``axes``.

    gamma and beta (or None) broadcast against x. ``stats``, a dict, receives the batch mean
    and variance and what the gradient needs. ``moving`` = (moving_mean, moving_variance,
    momentum), two Variables updated in place: v = momentum · v + (1 - momentum) · batch value.
    """
    last = _last_axis_weights(x, axes)
    if last is not None:  # LayerNormalization's case: means as matrix-vector products
        mean = _row_means(x, last)
        centered = x - mean
        var = _row_means(np.square(centered), last)
    else:
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        var = np.mean(np.square(centered), axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + epsilon)
    x_hat = centered
    x_hat *= inv_std
    stats.update(mean=mean, var=var, inv_std=inv_std, x_hat=x_hat)
    return finish_normalize(x_hat, gamma, beta, moving, mean, var)


def finish_normalize(x_hat, gamma, beta, moving, mean, var):
    """Updates the moving statistics in place (``moving``: (mean, variance, momentum) or
    None) and returns ``x_hat * gamma + beta``; shared by the local and synchronized forms."""
    if moving is not None:
        moving_mean, moving_variance, momentum = moving
        for variable, value in ((moving_mean, mean), (moving_variance, var)):
            variable.data *= momentum
            variable.data += (1 - momentum) * value.reshape(variable.data.shape).astype(variable.data.dtype)
    out = x_hat * gamma if gamma is not None else x_hat.copy()
    if beta is not None:
        out += beta
    return out


@normalize.defvjp
def _(g, ans, needs, x, gamma, beta, axes=(0,), epsilon=1e-3, stats=None, moving=None):
    x_hat, inv_std = stats["x_hat"], stats["inv_std"]
    last = _last_axis_weights(x, axes)
    g_gamma = g * x_hat if gamma is not None and needs[1] else None  # summed by the engine
    g_beta = g if beta is not None and needs[2] else None
    if last is not None:
        # Per-channel weights (C,): summed here as one matrix-vector product each.
        if g_gamma is not None and gamma.shape == x.shape[-1:]:
            g_gamma = column_sums(g_gamma)
        if g_beta is not None and beta.shape == x.shape[-1:]:
            g_beta = column_sums(g_beta)
    g_x = None
    if needs[0]:
        d_hat = g * gamma if gamma is not None else g
        # d/dx of the normalized value: (d_hat - mean(d_hat) - x_hat · mean(d_hat · x_hat)) / std
        if last is not None:
            g_x = d_hat - _row_means(d_hat, last)
            g_x -= x_hat * _row_means(d_hat * x_hat, last)
        else:
            g_x = d_hat - d_hat.mean(axis=axes, keepdims=True)
            g_x -= x_hat * np.mean(d_hat * x_hat, axis=axes, keepdims=True)
        g_x *= inv_std
    return g_x, g_gamma, g_beta


# Updating moving statistics is a side effect: a replayed step must keep this op even when
# nothing reads its output (autodiff.trace).
normalize.has_side_effects = True


@primitive
def rms_normalize(x, gamma, axes=(-1,), epsilon=1e-6, stats=None):
    """x / sqrt(mean(x², axes) + epsilon) · gamma: scaled to unit root mean square, not
    centred. gamma (or None) broadcasts against x; ``stats`` (a dict) keeps what the
    gradient needs."""
    inv_rms = 1.0 / np.sqrt(np.mean(np.square(x), axis=axes, keepdims=True) + epsilon)
    x_hat = x * inv_rms
    stats.update(inv_rms=inv_rms, x_hat=x_hat)
    return x_hat * gamma if gamma is not None else x_hat.copy()


@rms_normalize.defvjp
def _(g, ans, needs, x, gamma, axes=(-1,), epsilon=1e-6, stats=None):
    x_hat, inv_rms = stats["x_hat"], stats["inv_rms"]
    g_gamma = g * x_hat if gamma is not None and needs[1] else None  # summed by the engine
    g_x = None
    if needs[0]:
        d_hat = g * gamma if gamma is not None else g
        # d/dx of x·r with r = mean(x²)^(-1/2): (d_hat - x_hat · mean(d_hat · x_hat)) · r
        g_x = d_hat - x_hat * np.mean(d_hat * x_hat, axis=axes, keepdims=True)
        g_x *= inv_rms
    return g_x, g_gamma
