"""Argument checks shared by the ``keras.ops.linalg`` functions, with Keras's messages,
and the conversion that gives them a floating-point tensor to work on."""
import numpy as np

from gradiente import backend
from gradiente.autodiff.tensor import Tensor, to_array


def float_tensor(x, int_dtype=None):
    """``x`` as a Tensor; integer and boolean values become ``int_dtype`` or floatx (the
    decompositions are defined over the reals, and NumPy's float64 would not be Keras's dtype)."""
    t = x if isinstance(x, Tensor) else Tensor(to_array(x))
    if t.data.dtype.kind not in "fc":
        t = Tensor(t.data.astype(int_dtype or backend.floatx()))
    return t


def assert_rank_at_least(name, x, rank):
    if x.ndim < rank:
        what = "a scalar" if x.ndim == 0 else f"input with shape {tuple(x.shape)}"
        raise ValueError(f"{name}: expected input to have rank >= {rank}. Received {what}.")


def assert_square(name, x):
    assert_rank_at_least(name, x, 2)
    if x.shape[-1] != x.shape[-2]:
        raise ValueError(
            f"{name}: expected a square matrix. Received non-square input with shape {tuple(x.shape)}."
        )


def assert_system(name, a, b):
    """``a`` (..., M, M) against a right-hand side (..., M) or (..., M, N)."""
    assert_square(name, a)
    assert_rank_at_least(name, b, 1)
    if b.ndim == a.ndim and b.shape[-2] != a.shape[-2]:
        raise ValueError(
            f"{name}: incompatible shapes between `a` and `b`: expected a.shape[-2] == b.shape[-2]. "
            f"Received: a.shape={tuple(a.shape)}, b.shape={tuple(b.shape)}."
        )
    if b.ndim == a.ndim - 1 and b.shape[-1] != a.shape[-1]:
        raise ValueError(
            f"{name}: incompatible shapes between `a` and `b`: expected a.shape[-1] == b.shape[-1]. "
            f"Received: a.shape={tuple(a.shape)}, b.shape={tuple(b.shape)}."
        )
    if b.ndim not in (a.ndim, a.ndim - 1):
        raise ValueError(
            f"{name}: `b` must have rank {a.ndim} or {a.ndim - 1} for `a` of rank {a.ndim}. "
            f"Received: a.shape={tuple(a.shape)}, b.shape={tuple(b.shape)}."
        )


def mT(x):
    """The matrix transpose of a stack of matrices (..., M, N) -> (..., N, M)."""
    return np.swapaxes(x, -1, -2)
