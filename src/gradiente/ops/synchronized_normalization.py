"""Batch normalization with the statistics of the global batch, spread over processes
(``BatchNormalization(synchronized=True)`` under data parallelism).

Same maths as ``ops.normalization.normalize``, except that every mean over the batch axes
is a mean over all processes' rows: the forward sums (rows, sum x), then the squared
deviations; the VJP sums the two means it needs. ``reduce`` sums a float64 array across the
processes in place (the identity in one process). The sums are float64 so that the
result does not depend on how the rows are split, beyond rounding.
"""
import numpy as np

from gradiente.ops.normalization import finish_normalize
from gradiente.ops.primitive import primitive


def _global_mean(local_sum, rows, reduce):
    """Sums over the processes of ``local_sum`` (arrays) divided by the total ``rows``."""
    flat = np.concatenate([np.asarray(s, dtype=np.float64).ravel() for s in local_sum] + [[rows]])
    reduce(flat)
    total = flat[-1]
    out, start = [], 0
    for s in local_sum:
        out.append((flat[start:start + s.size] / total).reshape(s.shape))
        start += s.size
    return out, total


@primitive
def synchronized_normalize(x, gamma, beta, axes=(0,), epsilon=1e-3, stats=None, moving=None,
                           reduce=None):
    """(x - mean) / sqrt(var + epsilon) · gamma + beta, with mean and variance over ``axes``
    of every process's ``x``. ``stats`` and ``moving`` as in ``normalize``."""
    rows = int(np.prod([x.shape[a] for a in axes]))
    (mean,), _ = _global_mean([x.sum(axis=axes, keepdims=True)], rows, reduce)
    mean = mean.astype(x.dtype)
    centered = x - mean
    (var,), _ = _global_mean([np.square(centered).sum(axis=axes, keepdims=True)], rows, reduce)
    var = var.astype(x.dtype)
    inv_std = 1.0 / np.sqrt(var + np.asarray(epsilon, dtype=x.dtype))
    x_hat = centered
    x_hat *= inv_std
    stats.update(x_hat=x_hat, inv_std=inv_std, rows=rows)
    return finish_normalize(x_hat, gamma, beta, moving, mean, var)


@synchronized_normalize.defvjp
def _(g, ans, needs, x, gamma, beta, axes=(0,), epsilon=1e-3, stats=None, moving=None, reduce=None):
    x_hat, inv_std = stats["x_hat"], stats["inv_std"]
    g_gamma = g * x_hat if gamma is not None and needs[1] else None  # summed by the engine
    d_hat = g * gamma if gamma is not None else g
    # Every process takes part in the sums, also one whose x needs no gradient.
    (mean_d, mean_dx), _ = _global_mean(
        [d_hat.sum(axis=axes, keepdims=True), (d_hat * x_hat).sum(axis=axes, keepdims=True)],
        stats["rows"], reduce)
    g_x = None
    if needs[0]:
        g_x = d_hat - mean_d.astype(x.dtype)
        g_x -= x_hat * mean_dx.astype(x.dtype)
        g_x *= inv_std
    return g_x, g_gamma, (g if beta is not None and needs[2] else None)


# It updates the moving statistics and takes part in collectives: a replayed step keeps it.
synchronized_normalize.has_side_effects = True
