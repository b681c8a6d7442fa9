"""The one place for global numeric policy: float dtype, fuzz epsilon, image layout, seeds.

Every other module asks here instead of hard-coding ``np.float32`` or creating its own
random generator, so ``set_floatx("float64")`` or ``utils.set_random_seed(0)`` changes
the whole library at once.
"""
import contextvars as _contextvars
import os as _os
import sys as _sys

import numpy as np

_FLOAT_NAMES = ("float16", "float32", "float64")
_state = {
    "floatx": np.dtype("float32"),
    "epsilon": 1e-7,
    "image_data_format": "channels_last",
    "rng": None,  # made on first use (rng()): importing numpy.random takes ~10 ms
    "stop_on_nonfinite_loss": True,
}


def backend():
    """``"gradiente"``: the name of the engine under the Keras API.

    Keras 3 answers "tensorflow", "jax", "torch" or "numpy". None of those is true here, and
    each would send code that branches on it down a wrong path: TF/JAX/torch branches import
    and call those libraries, and Keras's "numpy" backend cannot train, so code skips
    training for it (and expects raw NumPy arrays where gradiente has Tensors). A name of
    its own sends such code down its generic path.
    """
    return "gradiente"


def floatx():
    """Name of the default float dtype (``"float32"`` unless changed)."""
    return _state["floatx"].name


def float_dtype():
    """The default float dtype as a NumPy dtype object."""
    return _state["floatx"]


def set_floatx(value):
    """Set the default float dtype: ``"float16"``, ``"float32"`` or ``"float64"``."""
    name = np.dtype(value).name if not isinstance(value, str) else value
    if name not in _FLOAT_NAMES:
        raise ValueError(f"Unknown float type {value!r}: expected one of {', '.join(_FLOAT_NAMES)}.")
    _state["floatx"] = np.dtype(name)


def standardize_dtype(dtype):
    """``None`` -> the default float dtype; anything NumPy understands -> a NumPy dtype."""
    if dtype is None:
        return _state["floatx"]
    try:
        return np.dtype(getattr(dtype, "name", dtype))
    except TypeError:
        raise ValueError(f"Invalid dtype: {dtype!r}") from None


def is_float_dtype(dtype):
    return np.issubdtype(np.dtype(dtype), np.floating)


def epsilon():
    """The fuzz factor used to keep logs and divisions finite (Keras: 1e-7)."""
    return _state["epsilon"]


def set_epsilon(value):
    _state["epsilon"] = float(value)


def image_data_format():
    """``"channels_last"`` (batch, rows, cols, channels) unless changed."""
    return _state["image_data_format"]


def set_image_data_format(value):
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            f"image_data_format must be 'channels_last' or 'channels_first', received {value!r}."
        )
    _state["image_data_format"] = value


def stop_on_nonfinite_loss():
    """Whether ``fit`` stops, before applying it, at the first step whose loss is NaN or
    infinite (gradiente's default; Keras needs a ``TerminateOnNaN`` callback for this)."""
    return _state["stop_on_nonfinite_loss"]


def set_stop_on_nonfinite_loss(value):
    if not isinstance(value, bool):
        raise TypeError(f"set_stop_on_nonfinite_loss() takes True or False, received {value!r}.")
    _state["stop_on_nonfinite_loss"] = value


def set_random_seed(seed):
    """Seed every source of randomness the library uses (its generator, NumPy's, Python's)."""
    import random as _pyrandom  # here: only seeding needs Python's generator

    seed = int(seed)
    _state["rng"] = np.random.default_rng(seed)
    np.random.seed(seed % (2**32))
    _pyrandom.seed(seed)


def rng():
    """The library's random generator; initializers, dropout and shuffling draw from it."""
    generator = _state["rng"]
    if generator is None:
        generator = _state["rng"] = np.random.default_rng()
    return generator


def make_rng(seed=None):
    """A generator for an object that was given its own ``seed``, else the library's."""
    if seed is None:
        return rng()
    return np.random.default_rng(seed)


# A model loader's check on each weight before it is allocated (saving.weight_plan): a
# file must not make the library allocate what its arrays cannot fill. A context variable,
# so loads in several threads each keep their own.
_weight_check = _contextvars.ContextVar("gradiente_weight_check", default=None)


def check_new_weight(shape, dtype, path):
    """Called by ``Layer.add_weight`` before it allocates a weight: raises when a model being
    loaded from a file creates a weight the file cannot fill; a no-op otherwise."""
    check = _weight_check.get()
    if check is not None:
        check(shape, dtype, path)


def weight_check():
    return _weight_check.get()


def set_weight_check(check):
    return _weight_check.set(check)


def reset_weight_check(token):
    _weight_check.reset(token)


def clear_session():
    """Reset automatic layer and model names (``dense``, ``dense_1``, ...) as Keras does."""
    from gradiente.utils import naming

    naming.reset()


# --- memory allocator ---------------------------------------------------------------------
# A training step frees its megabyte-sized arrays (activations, im2col columns, gradients)
# and asks for the same sizes again on the next step. glibc's defaults serve such blocks
# with mmap and hand them back to the OS on free, so every step page-faults them in again:
# measured, 44% of a small CNN's epoch. Keeping freed blocks in the process is what deep-
# learning frameworks' caching allocators do; GRADIENTE_MALLOC_TUNING=0 keeps glibc's defaults.
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_MALLOC_SETTINGS = {_M_MMAP_THRESHOLD: 64 << 20, _M_TRIM_THRESHOLD: 512 << 20, _M_TOP_PAD: 64 << 20}


def tune_allocator():
    """Keep freed large blocks in the process (Linux with glibc only). Returns whether applied."""
    if not _sys.platform.startswith("linux") or _os.environ.get("GRADIENTE_MALLOC_TUNING", "1") == "0":
        return False
    try:
        import ctypes

        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # musl and other libcs have no mallopt
        return False
    return all(mallopt(param, value) == 1 for param, value in _MALLOC_SETTINGS.items())


tune_allocator()
