"""Flatten and rebuild nested lists, tuples and dicts (the structures Keras accepts)."""


def flatten(structure):
    """Leaves of ``structure`` in order (dicts by sorted key); ``None`` counts as a leaf."""
    if isinstance(structure, (list, tuple)):
        out = []
        for item in structure:
            out.extend(flatten(item))
        return out
    if isinstance(structure, dict):
        out = []
        for key in sorted(structure):
            out.extend(flatten(structure[key]))
        return out
    return [structure]


def pack_like(structure, flat):
    """Rebuild ``structure``'s shape from the leaves in ``flat``."""
    flat = list(flat)
    result, used = _pack(structure, flat, 0)
    if used != len(flat):
        raise ValueError(f"pack_like: structure has {used} leaves but {len(flat)} values were given.")
    return result


def _pack(structure, flat, i):
    if isinstance(structure, (list, tuple)):
        items = []
        for item in structure:
            value, i = _pack(item, flat, i)
            items.append(value)
        return (type(structure)(items) if isinstance(structure, list) else tuple(items)), i
    if isinstance(structure, dict):
        packed = {}
        for key in sorted(structure):
            packed[key], i = _pack(structure[key], flat, i)
        return {k: packed[k] for k in structure}, i
    return flat[i], i + 1


def map_structure(fn, structure):
    return pack_like(structure, [fn(x) for x in flatten(structure)])
