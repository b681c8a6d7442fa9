"""Nested structures as Keras 3 sees them: the one walker behind ``keras.tree`` and internal code.

Nodes are exactly the types optree (Keras 3's default tree backend) knows: ``list``, ``tuple``,
``dict``, ``collections.OrderedDict``, ``collections.defaultdict``, ``collections.deque``,
namedtuples and struct sequences (``time.struct_time``). Everything else is a leaf, ``None``
included, and so are subclasses of list/dict that are not listed above, as in Keras.
Dicts and defaultdicts are walked by sorted key; an OrderedDict by its own order.
"""
from collections import OrderedDict, defaultdict, deque

# Node kinds. Exact types are looked up in a dict so a leaf costs one failed lookup and one
# issubclass test (namedtuples and struct sequences are tuple subclasses).
LIST, TUPLE, DICT, ORDERED, DEFAULT, DEQUE, NAMED, STRUCTSEQ = range(8)
_KINDS = {list: LIST, tuple: TUPLE, dict: DICT, OrderedDict: ORDERED, defaultdict: DEFAULT,
          deque: DEQUE}
_DICT_KINDS = (DICT, ORDERED, DEFAULT)


def node_kind(x):
    """The node kind of ``x`` (one of the constants above), or None for a leaf."""
    t = type(x)
    kind = _KINDS.get(t)
    if kind is None and issubclass(t, tuple):
        if isinstance(getattr(t, "_fields", None), tuple) and hasattr(t, "_make"):
            return NAMED
        if isinstance(getattr(t, "n_sequence_fields", None), int):
            return STRUCTSEQ
    return kind


def is_nested(structure):
    """True for the node types above, False for leaves (``None``, arrays, strings, sets...)."""
    return node_kind(structure) is not None


def sorted_keys(d):
    # Keras documents unsortable keys as unsupported; optree then keeps insertion order.
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def children(x, kind):
    """(keys, values) of node ``x`` in flatten order; keys are indices for sequences."""
    if kind in _DICT_KINDS:
        keys = list(x) if kind == ORDERED else sorted_keys(x)
        return keys, [x[k] for k in keys]
    return range(len(x)), list(x)


def rebuild(x, kind, values):
    """A node like ``x`` holding ``values`` (given in flatten order)."""
    if kind == LIST:
        return list(values)
    if kind == TUPLE:
        return tuple(values)
    if kind in _DICT_KINDS:
        keys = list(x) if kind == ORDERED else sorted_keys(x)
        by_key = dict(zip(keys, values))
        ordered = {k: by_key[k] for k in x}  # the original insertion order, as optree keeps it
        if kind == DICT:
            return ordered
        if kind == ORDERED:
            return OrderedDict(ordered)
        return defaultdict(x.default_factory, ordered)
    if kind == DEQUE:
        return deque(values, maxlen=x.maxlen)
    if kind == NAMED:
        return type(x)(*values)
    return type(x)(values)  # struct sequence


def flatten(structure):
    """Leaves of ``structure`` in order (dicts by sorted key); ``None`` counts as a leaf."""
    out = []
    _flatten_into(structure, out)
    return out


def _flatten_into(x, out):
    t = type(x)
    if t is list or t is tuple:
        for item in x:
            _flatten_into(item, out)
        return
    kind = node_kind(x)
    if kind is None:
        out.append(x)
        return
    for item in children(x, kind)[1]:
        _flatten_into(item, out)


def pack_like(structure, flat):
    """Rebuild ``structure``'s shape from the leaves in ``flat`` (Keras's pack_sequence_as)."""
    try:
        flat = list(flat)
    except TypeError:
        raise TypeError(
            f"flat_sequence must be an iterable of leaves, got {type(flat).__name__}: {short_repr(flat)}."
        ) from None
    try:
        result, used = _pack(structure, flat, 0)
    except _TooFew:
        used = None
    if used != len(flat):
        # Count only now: the common, matching case walks the structure once.
        expected = len(flatten(structure))
        word = "few" if len(flat) < expected else "many"
        raise ValueError(
            f"Too {word} leaves in flat_sequence for the structure; expected: {expected}, got: {len(flat)}."
        )
    return result


pack_sequence_as = pack_like


class _TooFew(Exception):
    pass


def _pack(x, flat, i):
    t = type(x)
    kind = LIST if t is list else TUPLE if t is tuple else node_kind(x)
    if kind is None:
        if i >= len(flat):
            raise _TooFew
        return flat[i], i + 1
    values = []
    for child in (x if kind in (LIST, TUPLE) else children(x, kind)[1]):
        value, i = _pack(child, flat, i)
        values.append(value)
    return rebuild(x, kind, values), i


def map_structure(fn, *structures, none_is_leaf=True):
    """``fn`` applied to the leaves of one structure, or to matching leaves of several.

    Several structures must match as :func:`assert_same_structure` requires; the result takes
    the node types of the first. With ``none_is_leaf=False`` a ``None`` is kept, not passed on.
    """
    if not callable(fn):
        raise TypeError(f"map_structure: func must be callable, got {short_repr(fn)}.")
    if not structures:
        raise ValueError("map_structure: Must provide at least one structure.")
    if len(structures) == 1:
        return _map_one(fn, structures[0], none_is_leaf)
    return zip_structures(fn, structures[0], structures[1:], none_is_leaf=none_is_leaf)


def _map_one(fn, x, none_is_leaf):
    t = type(x)
    if t is list:
        return [_map_one(fn, item, none_is_leaf) for item in x]
    if t is tuple:
        return tuple([_map_one(fn, item, none_is_leaf) for item in x])
    kind = node_kind(x)
    if kind is None:
        return None if x is None and not none_is_leaf else fn(x)
    return rebuild(x, kind, [_map_one(fn, item, none_is_leaf) for item in children(x, kind)[1]])


def zip_structures(fn, first, others, none_is_leaf=True, leaves_must_match=True):
    """Walk ``first`` and ``others`` together, calling ``fn(leaf, *matching parts)``.

    Each node of ``first`` must be matched by the same kind of node in every other structure
    (dict, OrderedDict and defaultdict match one another by keys). With
    ``leaves_must_match=False`` the others may hold whole sub-structures where ``first`` has a
    leaf (``map_structure_up_to``).
    """
    kind = node_kind(first)
    if kind is None:
        if first is None and not none_is_leaf:
            for other in others:
                if other is not None:
                    raise ValueError(f"Expected None, got {short_repr(other)}.")
            return None
        if leaves_must_match:
            for other in others:
                if node_kind(other) is not None or (other is None and not none_is_leaf):
                    raise ValueError(
                        "Structures don't have the same nested structure: "
                        f"{short_repr(first)} is a leaf where another structure has {short_repr(other)}."
                    )
        return fn(first, *others)
    keys, values = children(first, kind)
    columns = [_matching_children(first, kind, keys, other) for other in others]
    results = [
        zip_structures(fn, value, [column[j] for column in columns], none_is_leaf, leaves_must_match)
        for j, value in enumerate(values)
    ]
    return rebuild(first, kind, results)


def _matching_children(first, kind, keys, other):
    """The children of ``other`` in ``first``'s order, or a ValueError saying how they differ."""
    other_kind = node_kind(other)
    if kind in _DICT_KINDS:
        if other_kind not in _DICT_KINDS:
            raise ValueError(
                "Expected an instance of dict, collections.OrderedDict, or collections.defaultdict, "
                f"got {short_repr(other)}."
            )
        if set(keys) != set(other):
            want, got = sorted_keys(first), sorted_keys(other)
            missing = [k for k in want if k not in other]
            extra = [k for k in got if k not in first]
            raise ValueError(
                f"dictionary key mismatch; expected key(s): {want}, got key(s): {got}"
                + (f", missing key(s): {missing}" if missing else "")
                + (f", extra key(s): {extra}" if extra else "")
                + f"; dict: {short_repr(other)}."
            )
        return [other[k] for k in keys]
    if type(other) is not type(first):
        if kind == NAMED and other_kind == NAMED:
            raise ValueError(
                f"namedtuple type mismatch; expected type: {type(first)}, got type: {type(other)}; "
                f"tuple: {short_repr(other)}."
            )
        raise ValueError(f"Expected an instance of {_describe(first, kind)}, got {short_repr(other)}.")
    if len(other) != len(first):
        name = type(first).__name__ if kind in (LIST, TUPLE, DEQUE) else _describe(first, kind)
        raise ValueError(
            f"{name} arity mismatch; expected: {len(first)}, got: {len(other)}; "
            f"{name}: {short_repr(other)}."
        )
    return list(other)


def _describe(x, kind):
    t = type(x)
    if kind == DEQUE:
        return "collections.deque"
    if kind == NAMED:
        return f"namedtuple type {t.__module__}.{t.__qualname__}"
    if kind == STRUCTSEQ:
        return f"structseq type {t.__module__}.{t.__qualname__}"
    return t.__name__


def assert_same_structure(a, b):
    """Raise ValueError unless ``a`` and ``b`` nest the same node types the same way."""
    zip_structures(_ignore, a, (b,))


def _ignore(*_):
    return None


def short_repr(x, limit=160):
    """``repr(x)`` cut to ``limit`` characters, so an error about a big structure stays short."""
    try:
        text = repr(x)
    except Exception:  # a broken __repr__ must not hide the real error
        text = f"<{type(x).__name__} object>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
