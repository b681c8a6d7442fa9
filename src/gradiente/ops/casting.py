"""Dtype questions and conversions from ``keras.ops``' core: result_type, dtype,
is_tensor, saturate_cast."""
import numpy as np

from gradiente.autodiff.tensor import Tensor
from gradiente.dtypes import result_type  # noqa: F401 - re-exported as keras.ops.result_type
from gradiente.ops.shape import cast


def dtype(x):
    """The dtype name of ``x`` ("float32", "int32", ...)."""
    return np.asarray(getattr(x, "data", x)).dtype.name


def is_tensor(x):
    """Whether ``x`` is a tensor of this backend (a gradiente Tensor or Variable)."""
    return isinstance(x, Tensor)


def saturate_cast(x, dtype):
    """Cast to ``dtype``, first clipping values to its range, so out-of-range values
    become the nearest representable one instead of wrapping around."""
    target = np.dtype(getattr(dtype, "name", dtype))
    arr = np.asarray(getattr(x, "data", x))
    if target.kind in "iu" or (target.kind == "f" and arr.dtype.kind == "f" and target.itemsize < arr.dtype.itemsize):
        info = np.iinfo(target) if target.kind in "iu" else np.finfo(target)
        lo, hi = info.min, info.max
        if arr.dtype.kind in "iu":
            src = np.iinfo(arr.dtype)
            lo, hi = max(lo, src.min), min(hi, src.max)
        from gradiente.ops.arithmetic import clip

        x = clip(x, np.asarray(lo).astype(arr.dtype), np.asarray(hi).astype(arr.dtype))
    return cast(x, target)
