"""``keras.tree``: Keras 3's functions over nested structures, built on ``utils.nest``.

Nodes are list, tuple, dict, OrderedDict, defaultdict, deque, namedtuples and struct sequences;
everything else (``None`` included) is a leaf. Dicts and defaultdicts go by sorted key, an
OrderedDict by its own order; a rebuilt dict keeps its original key order.
"""
import warnings

from gradiente.utils import nest

__all__ = [
    "MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten", "flatten_with_path",
    "is_nested", "lists_to_tuples", "map_shape_structure", "map_structure", "map_structure_up_to",
    "pack_sequence_as", "traverse",
]


class MAP_TO_NONE:
    """Return this from a :func:`traverse` function to put ``None`` in the result."""


def is_nested(structure):
    """True if ``structure`` is a node (sequence, mapping or namedtuple), False for a leaf."""
    return nest.is_nested(structure)


def flatten(structure):
    """The leaves of ``structure`` as a list; a leaf gives ``[structure]``."""
    return nest.flatten(structure)


def flatten_with_path(structure):
    """``(path, leaf)`` pairs; a path is the tuple of indices and keys leading to the leaf."""
    out = []
    _with_path(structure, (), out)
    return out


def _with_path(x, path, out):
    kind = nest.node_kind(x)
    if kind is None:
        out.append((path, x))
        return
    keys, values = nest.children(x, kind)
    for key, value in zip(keys, values):
        _with_path(value, path + (key,), out)


def map_structure(func, *structures, none_is_leaf=True):
    """``func`` applied to the leaves of ``structures`` (which must share one structure).

    The result has the layout and node types of the first structure. With
    ``none_is_leaf=False``, ``None`` entries are returned as they are instead of passed to func.
    """
    return nest.map_structure(func, *structures, none_is_leaf=none_is_leaf)


def map_structure_up_to(shallow_structure, func, *structures):
    """``func`` applied to the parts of ``structures`` found at the leaves of ``shallow_structure``.

    The structures may be nested deeper than ``shallow_structure`` (those parts reach ``func``
    whole) but must match its nodes. ``None`` in ``shallow_structure`` is a leaf, as Keras
    documents (``map_structure_up_to([None, None], len, [[1, 1], [2, 2]]) == [2, 2]``).
    """
    _check_callable(func, "map_structure_up_to")
    if not structures:
        raise ValueError("map_structure_up_to: Must provide at least one structure.")
    return nest.zip_structures(lambda _shallow, *parts: func(*parts), shallow_structure, structures,
                               leaves_must_match=False)


def assert_same_structure(a, b, check_types=None):
    """Raise ValueError unless ``a`` and ``b`` have the same nested structure.

    Node types must agree (list, tuple, deque and each namedtuple class all differ; dict,
    OrderedDict and defaultdict match one another by keys). ``check_types`` is deprecated in
    Keras and has no effect.
    """
    if check_types is not None:
        hint = ("" if check_types else " For a looser check, use `keras.tree.assert_same_paths()`, "
                "which considers `list`, `tuple`, `namedtuple` and `deque` as matching.")
        warnings.warn(f"The `check_types` argument is deprecated and no longer has any effect.{hint}",
                      DeprecationWarning, stacklevel=2)
    nest.assert_same_structure(a, b)


def assert_same_paths(a, b):
    """Raise ValueError unless ``a`` and ``b`` have the same set of leaf paths (types ignored)."""
    a_paths = {path for path, _ in flatten_with_path(a)}
    b_paths = {path for path, _ in flatten_with_path(b)}
    if a_paths != b_paths:
        message = "`a` and `b` don't have the same paths."
        if a_paths - b_paths:
            message += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
        if b_paths - a_paths:
            message += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
        raise ValueError(message)


def pack_sequence_as(structure, flat_sequence):
    """The leaves of ``flat_sequence`` arranged as ``structure`` (the inverse of flatten)."""
    return nest.pack_sequence_as(structure, flat_sequence)


def traverse(func, structure, top_down=True):
    """Depth-first walk calling ``func`` on every node and leaf; returns the rebuilt structure.

    Top-down: a non-None result replaces that sub-tree and its children are not visited.
    Bottom-up: ``func`` sees each node already rebuilt from its children; a non-None result
    replaces it. Return :class:`MAP_TO_NONE` to put ``None`` in the result.
    """
    _check_callable(func, "traverse")
    return _traverse(func, structure, top_down)


def _traverse(func, x, top_down):
    if top_down:
        result = func(x)
        if result is None:
            return _traverse_children(func, x, top_down)
    else:
        x = _traverse_children(func, x, top_down)
        result = func(x)
        if result is None:
            return x
    return None if result is MAP_TO_NONE else result


def _traverse_children(func, x, top_down):
    kind = nest.node_kind(x)
    if kind is None:
        return x
    return nest.rebuild(x, kind, [_traverse(func, c, top_down) for c in nest.children(x, kind)[1]])


def lists_to_tuples(structure):
    """``structure`` with every list turned into a tuple."""
    return traverse(lambda x: tuple(x) if isinstance(x, list) else None, structure, top_down=False)


def map_shape_structure(func, structure):
    """Like :func:`map_structure`, but a list or tuple of only ints and ``None`` (a shape)
    reaches ``func`` whole."""
    _check_callable(func, "map_shape_structure")
    return _map_shapes(func, structure)


def _map_shapes(func, x):
    if isinstance(x, (list, tuple)) and all(isinstance(e, (int, type(None))) for e in x):
        return func(x)
    kind = nest.node_kind(x)
    if kind is None:
        return func(x)
    return nest.rebuild(x, kind, [_map_shapes(func, c) for c in nest.children(x, kind)[1]])


def _check_callable(func, name):
    if not callable(func):
        raise TypeError(f"{name}: func must be callable, got {nest.short_repr(func)}.")
