"""Every bound a model file is checked against, in one place, each derived from what the
part it bounds can legitimately hold.

A file is refused, with ModelFormatError, as soon as it declares more than its content
could need, before anything is expanded or allocated. The JSON bounds are what keep a
small hostile file small in memory: parsing turns every value into a Python object of
about 70 bytes, so a 60 MB list of ``{}`` costs over a gigabyte however few bytes it was
compressed to. Counting values before parsing costs one pass over the bytes instead.
"""
import math
import re
from dataclasses import dataclass

import numpy as np

from gradiente.saving.errors import ModelFormatError

# Deflate cannot exceed ~1032:1; a member claiming more is crafted.
MAX_DEFLATE_RATIO = 1100

# NumPy's own limit on array rank (64 since NumPy 2): no saved weight has more axes.
MAX_NDIM = 64

# --- JSON members ----------------------------------------------------------------------
# An architecture costs ~1 KiB and ~45 values (keys included) per layer as ``save`` writes
# it, so 16 MiB and 500,000 values hold well over 10,000 layers; each array member adds a
# manifest entry {path, shape, dtype}: at most 8 + MAX_NDIM values and a few KiB (a long
# nested path). Nesting: a layer inside a model adds ~4 levels, so 128 allows 30 models
# nested in each other (Python's own recursion gives out a little beyond that).
_ARCH_BYTES, _ARCH_VALUES, _ARCH_DEPTH = 16 << 20, 500_000, 128
_PER_ARRAY_BYTES, _PER_ARRAY_VALUES = 4096, 8 + MAX_NDIM
# A training state is {epoch, history, rng}: history holds one number per metric per
# epoch (200,000 = 10,000 epochs of 20 metrics, at most 32 bytes each as JSON writes a
# float), the random state at most MT19937's 624 words.
_HISTORY_VALUES = 200_000
_RNG_VALUES = 2048


@dataclass(frozen=True)
class JsonBound:
    max_bytes: int
    max_values: int  # scalars, arrays, objects and object keys, counted before parsing
    max_depth: int


def json_bound(name, n_arrays=0):
    """The bound for JSON member ``name`` of an archive holding ``n_arrays`` arrays."""
    if name == "metadata.json":  # seven short fields as _metadata writes them
        return JsonBound(64 << 10, 256, 4)
    if name == "manifest.json":  # a weights file's header and one entry per array
        return JsonBound((64 << 10) + _PER_ARRAY_BYTES * n_arrays,
                         256 + _PER_ARRAY_VALUES * n_arrays, 8)
    if name == "config.json":
        return JsonBound(_ARCH_BYTES + _PER_ARRAY_BYTES * n_arrays,
                         _ARCH_VALUES + _PER_ARRAY_VALUES * n_arrays, _ARCH_DEPTH)
    if name == "training_state.json":
        values = _HISTORY_VALUES + _RNG_VALUES
        return JsonBound(32 * values, values, 8)
    if name == "<json string>":  # model_from_json: an architecture alone
        return JsonBound(_ARCH_BYTES, _ARCH_VALUES, _ARCH_DEPTH)
    raise KeyError(name)


# --- training state ----------------------------------------------------------------------
MAX_EPOCH = 2 ** 31 - 1
MAX_RNG_WORDS = 1024  # MT19937's key, the largest bit generator state, has 624


# --- asset files (a Keras archive's lookup vocabularies) --------------------------------
# One token per line: 10 million tokens (far beyond the vocabularies adapt builds; 1.6 GB
# as Python strings once split) of 25 bytes on average.
MAX_VOCABULARY_LINES = 10_000_000
MAX_ASSET_BYTES = 256 << 20


# --- arrays ------------------------------------------------------------------------------
_PLAIN_DTYPE = re.compile(r"[<>|=]?[biufc]\d{1,2}|bool|u?int(8|16|32|64)|float(16|32|64|128)"
                          r"|complex(64|128|256)|longdouble|clongdouble")


def plain_dtype(value, path, where):
    """The NumPy dtype a file names for an array: only plain numbers and booleans, named
    by a short string ("float32", "<f4"). Anything else is refused before NumPy parses it:
    a string such as ``"(12000,12000)f8"`` is a *sub-array* dtype whose every element is a
    1.1 GB block, and structured or object dtypes would need pickle."""
    if not isinstance(value, str) or not _PLAIN_DTYPE.fullmatch(value):
        raise ModelFormatError(path, f"{where} has the dtype {str(value)[:60]!r}: only plain "
                                     "numeric dtypes (such as 'float32' or '<f4') are accepted.")
    try:
        dtype = np.dtype(value)
    except TypeError:
        raise ModelFormatError(path, f"{where} has the unknown dtype {value!r}.") from None
    check_plain(dtype, path, where)
    return dtype


def check_plain(dtype, path, where):
    if dtype.kind not in "biufc" or dtype.fields is not None or dtype.subdtype is not None:
        raise ModelFormatError(path, f"{where} has dtype {dtype}: only numeric arrays are "
                                     "accepted (object arrays would need pickle).")


def check_shape(shape, path, where):
    """A shape from a file: a list or tuple of at most MAX_NDIM non-negative integers."""
    if (not isinstance(shape, (list, tuple)) or len(shape) > MAX_NDIM
            or not all(type(d) is int and d >= 0 for d in shape)):
        raise ModelFormatError(path, f"{where} has the invalid shape {str(shape)[:80]}.")
    return tuple(shape)


def nbytes(shape, dtype):
    """Bytes an array of ``shape`` and ``dtype`` needs, in Python integers: a product taken
    in int64 wraps ((2**32, 2**32) gives 0) and would pass any size check."""
    return math.prod(int(d) for d in shape) * np.dtype(dtype).itemsize
