"""Tensors made from a shape or a range: ones, zeros, full, empty, eye, identity, tri,
arange, linspace, logspace, geomspace, array, and the window functions.

Constants, not primitives: nothing flows back into a shape, so no tape records them.
Dtypes follow Keras: floatx unless given (``arange`` promotes its arguments' types,
so ``arange(3)`` is int32 and ``arange(0.5, 3)`` float32).
"""
import numpy as np

from gradiente import backend
from gradiente.autodiff.tensor import Tensor, to_array
from gradiente.dtypes import operand_dtype, result_type


def ones(shape, dtype=None):
    """A tensor of ones; ``dtype`` defaults to ``keras.config.floatx()``."""
    return Tensor(np.ones(_shape(shape, "ones"), dtype=backend.standardize_dtype(dtype)))


def zeros(shape, dtype=None):
    """A tensor of zeros; ``dtype`` defaults to ``keras.config.floatx()``."""
    return Tensor(np.zeros(_shape(shape, "zeros"), dtype=backend.standardize_dtype(dtype)))


def _shape(shape, op_name):
    dims = (shape,) if isinstance(shape, (int, np.integer)) else shape
    try:
        dims = tuple(dims)
    except TypeError:
        raise TypeError(f"ops.{op_name}: `shape` must be an int or a tuple of ints, received {shape!r}.") from None
    if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in dims):
        raise TypeError(f"ops.{op_name}: `shape` must hold ints only, received {shape!r}.")
    if any(d < 0 for d in dims):
        raise ValueError(f"ops.{op_name}: `shape` has a negative dimension: {tuple(dims)}.")
    return tuple(int(d) for d in dims)


def _dtype(dtype):
    return backend.standardize_dtype(dtype)


def _plain(value):
    return value.data if isinstance(value, Tensor) else value


def full(shape, fill_value, dtype=None):
    """A tensor of ``fill_value``; ``dtype`` defaults to floatx."""
    return Tensor(np.full(_shape(shape, "full"), _plain(fill_value), dtype=_dtype(dtype)))


def empty(shape, dtype=None):
    """A tensor of the given shape (zero-filled here, so its contents are defined)."""
    return Tensor(np.zeros(_shape(shape, "empty"), dtype=_dtype(dtype)))


def empty_like(x, dtype=None):
    """A tensor of ``x``'s shape and dtype (or ``dtype``), zero-filled."""
    x = to_array(x)
    return Tensor(np.zeros(x.shape, dtype=x.dtype if dtype is None else _dtype(dtype)))


def _count(n, name, arg):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"ops.{name}: `{arg}` must be a non-negative integer, received {n!r}.")
    return int(n)


def eye(N, M=None, k=0, dtype=None):
    """An (N, M) matrix with ones on diagonal ``k`` (0: main, >0: above, <0: below)."""
    M = N if M is None else M
    return Tensor(np.eye(_count(N, "eye", "N"), _count(M, "eye", "M"), k=int(k), dtype=_dtype(dtype)))


def identity(n, dtype=None):
    """The (n, n) identity matrix."""
    return Tensor(np.identity(_count(n, "identity", "n"), dtype=_dtype(dtype)))


def tri(N, M=None, k=0, dtype=None):
    """(N, M): ones at and below diagonal ``k``, zeros above."""
    M = N if M is None else M
    return Tensor(np.tri(_count(N, "tri", "N"), _count(M, "tri", "M"), k=int(k), dtype=_dtype(dtype)))


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in [start, stop). Without ``dtype``, Keras's promotion of the
    arguments' types: Python ints give int32, any float gives floatx."""
    args = [_plain(a) for a in (start, stop, step) if a is not None]
    if dtype is None:
        dtype = result_type(*map(operand_dtype, args))
    if step is not None and _plain(step) == 0:
        raise ValueError("ops.arange: `step` must not be zero.")
    start, stop, step = _plain(start), _plain(stop), _plain(step)
    if stop is None:
        start, stop = 0, start
    return Tensor(np.arange(start, stop, 1 if step is None else step, dtype=_dtype(dtype)))


def _space_dtype(start, stop, dtype):
    if dtype is not None:
        return _dtype(dtype)
    return np.dtype(result_type(operand_dtype(start), operand_dtype(stop), float))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop`` (included with ``endpoint``);
    ``start``/``stop`` may be arrays, spaced along ``axis``. ``retstep`` also returns the step."""
    start, stop = _plain(start), _plain(stop)
    out_dtype = _space_dtype(start, stop, dtype)
    out = np.linspace(start, stop, num=_count(num, "linspace", "num"), endpoint=endpoint,
                      retstep=retstep, dtype=out_dtype, axis=axis)
    if retstep:
        return Tensor(out[0]), Tensor(np.asarray(out[1], dtype=out_dtype))
    return Tensor(out)


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """``base ** linspace(start, stop, num)``."""
    start, stop = _plain(start), _plain(stop)
    return Tensor(np.logspace(start, stop, num=_count(num, "logspace", "num"), endpoint=endpoint,
                              base=_plain(base), dtype=_space_dtype(start, stop, dtype), axis=axis))


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """``num`` values from ``start`` to ``stop`` spaced evenly on a log scale (floatx)."""
    start, stop = _plain(start), _plain(stop)
    if np.any(np.asarray(start) == 0) or np.any(np.asarray(stop) == 0):
        raise ValueError("ops.geomspace: `start` and `stop` must be non-zero.")
    return Tensor(np.geomspace(start, stop, num=_count(num, "geomspace", "num"), endpoint=endpoint,
                               dtype=_dtype(dtype), axis=axis))


def array(x, dtype=None):
    """A tensor holding ``x`` (Keras: ``ops.array``): Python floats become floatx,
    Python ints int32, NumPy arrays keep their dtype unless ``dtype`` is given."""
    if dtype is None and not isinstance(x, (np.ndarray, Tensor, np.generic)):
        values = np.asarray(x)
        if values.dtype == np.int64:
            dtype = result_type(int)
    return Tensor(np.array(to_array(x, None if dtype is None else _dtype(dtype))))


# --- windows (signal processing); floatx, as Keras's ---------------------------------
def _window(fn, x, name, *args):
    return Tensor(fn(_count(int(_plain(x)), name, "x"), *args).astype(backend.floatx()))


def bartlett(x):
    """The Bartlett (triangular) window of ``x`` points."""
    return _window(np.bartlett, x, "bartlett")


def blackman(x):
    """The Blackman window of ``x`` points."""
    return _window(np.blackman, x, "blackman")


def hamming(x):
    """The Hamming window of ``x`` points."""
    return _window(np.hamming, x, "hamming")


def hanning(x):
    """The Hann window of ``x`` points."""
    return _window(np.hanning, x, "hanning")


def kaiser(x, beta):
    """The Kaiser window of ``x`` points with shape parameter ``beta``."""
    return _window(np.kaiser, x, "kaiser", float(_plain(beta)))
