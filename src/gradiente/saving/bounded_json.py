"""JSON parsed only once its size, value count and nesting are known to be within a bound.

The count is taken on the bytes, at C speed: with string literals removed, every value but
the first is announced by a ``,``, a ``:`` (an object key and its value) or an opening
bracket, so counting those four bytes bounds the number of Python objects ``json.loads``
would create. Only ASCII bytes are counted, which UTF-8 never uses inside a multi-byte
character, so the count is exact for valid UTF-8 (anything else is refused anyway).
"""
import json
import re

import numpy as np

from gradiente.saving.errors import ModelFormatError

_STRING = re.compile(rb'"[^"]*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def loads(data, bound, path, name):
    """``json.loads(data)`` for ``data`` (bytes) within ``bound`` (limits.JsonBound)."""
    if len(data) > bound.max_bytes:
        raise ModelFormatError(path, f"{name} holds {len(data)} bytes, more than the "
                                     f"{bound.max_bytes} it can legitimately need.")
    # Escaped backslashes first, then escaped quotes: what remains of each string literal
    # is a quote, any non-quote bytes, a quote.
    bare = _STRING.sub(b"", data.replace(b"\\\\", b"").replace(b'\\"', b""))
    values = 1 + sum(bare.count(c) for c in (b",", b":", b"[", b"{"))
    if values > bound.max_values:
        raise ModelFormatError(path, f"{name} holds about {values} JSON values, more than the "
                                     f"{bound.max_values} it can legitimately need.")
    depth = _depth(bare.translate(None, _NOT_BRACKETS))
    del bare
    if depth > bound.max_depth:
        raise ModelFormatError(path, f"{name} is nested {depth} levels deep, more than the "
                                     f"{bound.max_depth} it can legitimately need.")
    try:
        return json.loads(data.decode("utf-8"))
    except RecursionError:
        raise ModelFormatError(path, f"{name} is nested too deeply.") from None
    except (UnicodeDecodeError, ValueError) as err:
        raise ModelFormatError(path, f"{name} is not valid JSON ({err}).") from None


def _depth(brackets):
    """The deepest nesting in a string of brackets (at most one per counted value)."""
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1).astype(np.int32)
    return int(np.cumsum(steps).max())
