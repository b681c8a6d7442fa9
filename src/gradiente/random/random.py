"""The sampling functions of ``keras.random``, with Keras 3's signatures, defaults and dtypes.

Each draw happens inside a (non-differentiable) primitive that holds the seed source, not
numbers drawn beforehand: a replayed training step draws again, as an eager one would.
``dropout`` is the differentiable one: it is ``ops.dropout``, whose gradient is its mask.
"""
import math

import numpy as np

from gradiente import backend, ops
from gradiente.autodiff.tensor import Tensor, convert_to_tensor
from gradiente.ops.primitive import primitive
from gradiente.random.seed_generator import generator_for, seed_source


def _sample_forward(*arrays, sample, source):
    return sample(generator_for(source), *arrays)


def _sampler(name):
    op = primitive(_sample_forward, name=f"random.{name}")
    op.sets_dtype = True       # a 0-d draw keeps the dtype asked for
    op.has_side_effects = True  # a SeedGenerator advances even if the values go unused
    return op


_SAMPLERS = {name: _sampler(name) for name in (
    "normal", "uniform", "truncated_normal", "randint", "categorical", "shuffle", "gamma",
    "binomial", "beta")}


def _draw(name, sample, seed, *inputs):
    return _SAMPLERS[name](*inputs, sample=sample, source=seed_source(seed))


# --- argument checks -----------------------------------------------------------------------
def _dim(value, fn):
    """One entry of a shape: a Python int or a 0-d integer array/Tensor (``ops.shape(x)[0]``)."""
    data = value.data if isinstance(value, Tensor) else value
    if isinstance(data, (bool, np.bool_)) or (isinstance(data, np.ndarray) and data.ndim != 0):
        raise TypeError(f"{fn}: every entry of `shape` must be an integer, received {value!r}.")
    if isinstance(data, (int, np.integer)) or (isinstance(data, np.ndarray) and data.dtype.kind in "iu"):
        dim = int(data)
        if dim < 0:
            raise ValueError(f"{fn}: `shape` entries must be non-negative, received {dim}.")
        return dim
    if data is None:
        raise ValueError(f"{fn}: `shape` must be fully known; received None as an entry.")
    raise TypeError(f"{fn}: every entry of `shape` must be an integer, received {value!r}.")


def standardize_shape(shape, fn="keras.random"):
    """A tuple of ints from a tuple/list of ints or 0-d integer tensors, an int (one axis),
    or a 1-D integer array/Tensor."""
    data = shape.data if isinstance(shape, Tensor) else shape
    if isinstance(data, np.ndarray) and data.ndim == 1:
        data = list(data)
    if isinstance(data, (list, tuple)):
        return tuple(_dim(d, fn) for d in data)
    return (_dim(shape, fn),)


def _float_dtype(dtype, fn):
    resolved = backend.standardize_dtype(dtype)
    if resolved.kind != "f":
        raise ValueError(f"`keras.random.{fn}` requires a floating point `dtype`. Received: dtype={dtype} ")
    return resolved


def _value(x):
    """A parameter (mean, alpha, counts, ...) as NumPy sees it: Tensors give their array."""
    return x.data if isinstance(x, Tensor) else x


def _check_positive(fn, **params):
    for name, value in params.items():
        arr = np.asarray(value)
        if arr.dtype.kind not in "iuf" or not np.all(arr > 0):
            raise ValueError(f"`keras.random.{fn}`: `{name}` must be positive, received {name}={value!r}.")


# --- the distributions -------------------------------------------------------------------
def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of N(mean, stddev²) with the given shape; dtype defaults to floatx."""
    shape, dtype = standardize_shape(shape, "keras.random.normal"), _float_dtype(dtype, "normal")
    mean, stddev = _value(mean), _value(stddev)
    return _draw("normal", lambda rng: rng.normal(size=shape, loc=mean, scale=stddev).astype(dtype), seed)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples uniform on [minval, maxval) with the given shape; dtype must be a float."""
    shape, dtype = standardize_shape(shape, "keras.random.uniform"), _float_dtype(dtype, "uniform")
    minval, maxval = _value(minval), _value(maxval)

    def sample(rng):
        out = rng.uniform(size=shape, low=minval, high=maxval).astype(dtype)
        # Rounding to float32/16 can land a value just below maxval on maxval itself;
        # the range excludes it, so such values step down to the largest one below.
        high = np.asarray(maxval, dtype=dtype)
        hit = out >= high
        if hit.any() and np.all(np.asarray(minval, dtype=dtype) < high):
            out = np.where(hit, np.nextafter(high, np.asarray(minval, dtype=dtype)), out).astype(dtype)
        return out

    return _draw("uniform", sample, seed)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of N(mean, stddev²) redrawn until within two standard deviations of the mean."""
    shape = standardize_shape(shape, "keras.random.truncated_normal")
    dtype = _float_dtype(dtype, "truncated_normal")
    mean, stddev = np.asarray(_value(mean)), np.asarray(_value(stddev))
    if mean.ndim or stddev.ndim:
        raise ValueError(
            "`keras.random.truncated_normal` takes a scalar `mean` and `stddev`, received arrays of "
            f"shapes {mean.shape} and {stddev.shape}.")
    mean, stddev = float(mean), float(stddev)
    low, high, count = mean - 2 * stddev, mean + 2 * stddev, math.prod(shape)

    def sample(rng):
        # Whole batches of candidates, keeping the in-range ones in order until enough.
        kept = np.empty(0)
        while kept.size < count:
            batch = rng.normal(loc=mean, scale=stddev, size=count)
            kept = np.append(kept, batch[(batch >= low) & (batch <= high)])
        return kept[:count].astype(dtype).reshape(shape)

    return _draw("truncated_normal", sample, seed)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers uniform on [minval, maxval) with the given shape; dtype must be an integer."""
    resolved = np.dtype("int32") if dtype is None else backend.standardize_dtype(dtype)
    if resolved.kind not in "iu":
        raise ValueError(f"`keras.random.randint` requires an integer `dtype`. Received: dtype={dtype} ")
    shape = standardize_shape(shape, "keras.random.randint")
    minval, maxval = _value(minval), _value(maxval)
    if not np.all(np.asarray(minval) < np.asarray(maxval)):
        raise ValueError(
            f"`keras.random.randint` needs minval < maxval, received minval={minval!r}, maxval={maxval!r}.")
    return _draw("randint", lambda rng: rng.integers(low=minval, high=maxval, size=shape, dtype=resolved), seed)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """logits (batch, classes) of unnormalized log-probabilities -> class ids (batch, num_samples)."""
    logits = convert_to_tensor(logits)
    if logits.ndim != 2:
        raise ValueError(
            "`logits` should be a 2-D tensor with shape [batch_size, num_classes]. "
            f"Received: logits={logits!r}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples < 0:
        raise ValueError(f"`keras.random.categorical`: `num_samples` must be a non-negative int, "
                         f"received {num_samples!r}.")
    dtype = backend.standardize_dtype(dtype)

    def sample(rng, logits):
        out = np.empty((logits.shape[0], int(num_samples)), dtype=np.int64)
        for i, row in enumerate(logits.astype(np.float64)):
            p = np.exp(row - row.max())
            out[i] = rng.choice(row.shape[0], size=int(num_samples), p=p / p.sum())
        return out.astype(dtype)

    return _draw("categorical", sample, seed, logits)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero each entry with probability ``rate`` and scale the rest by 1 / (1 - rate).

    ``noise_shape`` (one entry per axis, None for the input's size) broadcasts one mask over
    ``inputs``. Differentiable: the gradient is the same mask and scale.
    """
    x = convert_to_tensor(inputs)
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.number)) or not 0 <= rate <= 1:
        raise ValueError(f"`keras.random.dropout`: `rate` must be a number in [0, 1], received rate={rate!r}.")
    if x.dtype.kind != "f":
        raise TypeError(f"`keras.random.dropout` needs floating-point inputs, received dtype {x.dtype.name}.")
    source = seed_source(seed)
    if noise_shape is not None:
        noise_shape = _noise_shape(noise_shape, x.shape)
    if rate == 1:
        return ops.zeros_like(x)
    if rate == 0:
        return x
    return ops.dropout(x, rate=float(rate), noise_shape=noise_shape, generator=source, cache={})


def _noise_shape(noise_shape, shape):
    noise_shape = list(noise_shape)
    if len(noise_shape) != len(shape):
        raise ValueError(f"`keras.random.dropout`: noise_shape={noise_shape} must have one entry per axis "
                         f"of the inputs, which have shape {shape}.")
    resolved = tuple(n if d is None else _dim(d, "keras.random.dropout") for d, n in zip(noise_shape, shape))
    if any(d not in (1, n) for d, n in zip(resolved, shape)):
        raise ValueError(f"`keras.random.dropout`: noise_shape={tuple(noise_shape)} does not broadcast to the "
                         f"inputs' shape {shape} (each entry must be 1, None or the input's size).")
    return None if resolved == tuple(shape) else resolved


def shuffle(x, axis=0, seed=None):
    """Shuffle the entries of ``x`` along ``axis``, each slice along it on its own (as
    Keras's JAX and NumPy backends do). Not differentiable."""
    x = convert_to_tensor(x)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -x.ndim <= axis < max(x.ndim, 1):
        raise ValueError(f"`keras.random.shuffle`: axis={axis!r} is out of range for an input of rank {x.ndim}.")
    return _draw("shuffle", lambda rng, data: rng.permuted(data, axis=int(axis)), seed, x)


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples of Gamma(alpha, 1) (shape parameter ``alpha``, unit scale)."""
    shape, dtype = standardize_shape(shape, "keras.random.gamma"), _float_dtype(dtype, "gamma")
    alpha = _value(alpha)
    _check_positive("gamma", alpha=alpha)
    return _draw("gamma", lambda rng: rng.gamma(alpha, scale=1.0, size=shape).astype(dtype), seed)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Successes in ``counts`` trials of probability ``probabilities`` (broadcast to ``shape``).
    dtype defaults to floatx; integer dtypes are accepted too (the values are counts)."""
    shape = standardize_shape(shape, "keras.random.binomial")
    dtype = backend.standardize_dtype(dtype)
    if dtype.kind not in "fiu":
        raise ValueError(f"`keras.random.binomial` requires a numeric `dtype`. Received: dtype={dtype} ")
    counts, probabilities = _value(counts), _value(probabilities)
    p = np.asarray(probabilities)
    if p.dtype.kind not in "iuf" or not np.all((p >= 0) & (p <= 1)):
        raise ValueError(f"`keras.random.binomial`: `probabilities` must lie in [0, 1], received {probabilities!r}.")
    n = np.asarray(counts)
    if n.dtype.kind not in "iuf" or not np.all(n >= 0):
        raise ValueError(f"`keras.random.binomial`: `counts` must be non-negative, received {counts!r}.")
    return _draw("binomial", lambda rng: rng.binomial(n=counts, p=probabilities, size=shape).astype(dtype), seed)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples of Beta(alpha, beta); ``alpha`` and ``beta`` broadcast to ``shape``."""
    shape, dtype = standardize_shape(shape, "keras.random.beta"), _float_dtype(dtype, "beta")
    alpha, b = _value(alpha), _value(beta)
    _check_positive("beta", alpha=alpha, beta=b)
    return _draw("beta", lambda rng: rng.beta(a=alpha, b=b, size=shape).astype(dtype), seed)
