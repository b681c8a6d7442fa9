"""Elements as tf.data sees them: a leaf (one NumPy array), a tuple or a dict of elements.

A Python list is a leaf, as in tf.data (it becomes one array), not a structure.
"""
import numpy as np


def to_leaf(value, where):
    """``value`` as a NumPy array (a Tensor's data, a list stacked)."""
    data = getattr(value, "data", None)
    if isinstance(data, np.ndarray) and not isinstance(value, np.ndarray):  # a gradiente Tensor
        return data
    if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.dtype != object):
        return value
    try:
        array = np.asarray(value)
    except ValueError as err:  # ragged lists
        raise ValueError(f"{where}: could not make one array of {type(value).__name__} ({err}).") from None
    if array.dtype == object and array.size and all(isinstance(item, str) for item in array.flat):
        # Python strings in an object array (a pandas text column, np.array([...], dtype=object)):
        # tf.data makes them a string tensor; here a NumPy str array.
        return array.astype(str)
    if array.dtype == object:
        raise TypeError(
            f"{where}: {type(value).__name__} {_short(value)} is not an array of numbers or "
            f"strings (its dtype would be object).")
    return array


def normalize(element, where):
    """A structure with every leaf converted by ``to_leaf``."""
    if isinstance(element, tuple):
        return tuple(normalize(e, f"{where}[{i}]") for i, e in enumerate(element))
    if isinstance(element, dict):
        return {k: normalize(v, f"{where}[{k!r}]") for k, v in element.items()}
    return to_leaf(element, where)


def flatten(element):
    """The leaves in a fixed order (tuple order, dict insertion order)."""
    if isinstance(element, tuple):
        return [leaf for e in element for leaf in flatten(e)]
    if isinstance(element, dict):
        return [leaf for v in element.values() for leaf in flatten(v)]
    return [element]


def pack(template, leaves):
    """Rebuild ``template``'s structure from ``leaves`` (an iterator)."""
    if isinstance(template, tuple):
        return tuple(pack(t, leaves) for t in template)
    if isinstance(template, dict):
        return {k: pack(v, leaves) for k, v in template.items()}
    return next(leaves)


def map_leaves(fn, element):
    return pack(element, iter([fn(leaf) for leaf in flatten(element)]))


def same_structure(a, b):
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(map(same_structure, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(same_structure(a[k], b[k]) for k in a)
    return not isinstance(b, (tuple, dict))


def describe(element):
    """A short picture of a structure: ``(array(2,) int64, {'a': array() str})``."""
    if isinstance(element, tuple):
        return "(" + ", ".join(describe(e) for e in element) + ("," if len(element) == 1 else "") + ")"
    if isinstance(element, dict):
        return "{" + ", ".join(f"{k!r}: {describe(v)}" for k, v in element.items()) + "}"
    array = np.asarray(element)
    return f"array{array.shape} {array.dtype}"


def call_unpacked(fn, element):
    """Call ``fn`` as tf.data does: a tuple's parts as separate arguments, anything else whole."""
    return fn(*element) if isinstance(element, tuple) else fn(element)


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."
