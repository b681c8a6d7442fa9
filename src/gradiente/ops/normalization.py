"""Normalization as one primitive: the forward and gradient of
``gamma · (x - mean) / sqrt(var + epsilon) + beta`` with mean and variance over some axes
(BatchNormalization, LayerNormalization and GroupNormalization differ only in the axes);
and of its uncentred form, ``gamma · x / sqrt(mean(x²) + epsilon)`` (RMS normalization)."""
import numpy as np

from gradiente.ops.primitive import primitive


@primitive
def normalize(x, gamma, beta, axes=(0,), epsilon=1e-3, stats=None, moving=None):
    """(x - mean) / sqrt(var + epsilon) · gamma + beta, with mean and variance over ``axes``.

    gamma and beta (or None) broadcast against x. ``stats``, a dict, receives the batch mean
    and variance and what the gradient needs. ``moving`` = (moving_mean, moving_variance,
    momentum), two Variables updated in place: v = momentum · v + (1 - momentum) · batch value.
    """
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    var = np.mean(np.square(centered), axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + epsilon)
    x_hat = centered
    x_hat *= inv_std
    stats.update(mean=mean, var=var, inv_std=inv_std, x_hat=x_hat)
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
    g_gamma = g * x_hat if gamma is not None and needs[1] else None  # summed by the engine
    g_x = None
    if needs[0]:
        d_hat = g * gamma if gamma is not None else g
        # d/dx of the normalized value: (d_hat - mean(d_hat) - x_hat · mean(d_hat · x_hat)) / std
        g_x = d_hat - d_hat.mean(axis=axes, keepdims=True)
        g_x -= x_hat * np.mean(d_hat * x_hat, axis=axes, keepdims=True)
        g_x *= inv_std
    return g_x, g_gamma, (g if beta is not None and needs[2] else None)


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
