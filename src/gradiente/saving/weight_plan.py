"""While a model is rebuilt from a file, each weight is checked against the file's arrays
before it is allocated.

The architecture is code's job to build (layers create their weights in ``build``, in an
order and with shapes only they know), so the check cannot happen on the config alone.
Instead ``Layer.add_weight`` asks ``backend.check_new_weight`` first, and while a plan is
active every weight must take one array of the archive with the same shape and dtype: a
config asking for ``Dense(25_000_000)`` from a 2 KB file is refused before its 2 GB are
drawn, and the weights built can never outweigh the arrays the file holds.
"""
import collections
import contextlib
import os
import sys

import numpy as np

from gradiente import backend
from gradiente.saving import limits
from gradiente.saving.errors import ModelFormatError


class _Plan:
    def __init__(self, entries, path, any_int=False):
        self.path = path
        # Keras's files keep integer counters as int32 where ours are int64 (a
        # Normalization's count): then any integer array may back any integer weight.
        self.any_int = any_int
        if any_int and entries is not None:
            entries = [self._key(shape, dtype) for shape, dtype in entries]
        # None: no archive (model_from_json). Then the weights may take what this machine's
        # memory holds (an architecture alone may describe a large model), not more.
        self.left = None if entries is None else collections.Counter(entries)
        self.created = 0
        self.total = 0

    def __call__(self, shape, dtype, where):
        dtype = np.dtype(dtype)
        if self.left is None:
            self.total += limits.nbytes(shape, dtype)
            if self.total > _physical_memory():
                raise ModelFormatError(self.path, (
                    f"the architecture's weights up to '{where}' (shape {_short(shape)}) need "
                    f"{self.total} bytes, more than this machine's memory: too large to build."))
            return
        key = self._key(shape, dtype)
        if self.left[key] <= 0:
            held = ", ".join(f"{s} {d}" for s, d in list(self.left.elements())[:6]) or "none"
            raise ModelFormatError(self.path, (
                f"weight {self.created} ('{where}') of the architecture has shape "
                f"{_short(shape)} and dtype {dtype}, but the file holds no array left of that "
                f"shape (arrays not yet matched: {held}); refused before allocating it."))
        self.left[key] -= 1
        self.created += 1


    def _key(self, shape, dtype):
        dtype = np.dtype(dtype)
        if self.any_int and dtype.kind in "iu":
            dtype = np.dtype(np.int64)
        return (tuple(shape), dtype)


def _physical_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows): no machine bound
        return sys.maxsize


def _short(shape):
    text = str(tuple(shape))
    return text if len(text) <= 120 else text[:117] + "..."


@contextlib.contextmanager
def planned(entries, path, any_int=False):
    """Weights created inside must match ``entries`` ([(shape, dtype)], each used once);
    ``entries=None`` keeps a plan already active (a model rebuilt inside another's load).
    ``any_int``: integer dtypes match each other (Keras's files)."""
    if entries is None and backend.weight_check() is not None:
        yield
        return
    token = backend.set_weight_check(_Plan(entries, path, any_int))
    try:
        yield
    finally:
        backend.reset_weight_check(token)
