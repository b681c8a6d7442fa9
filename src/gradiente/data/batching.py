"""Stacking consecutive elements into batches, and splitting batches back into elements."""
import numpy as np

from gradiente.data.structure import describe, flatten, pack, same_structure


def stack(elements):
    """One element whose leaves are the ``elements``' leaves stacked on a new first axis."""
    first = elements[0]
    columns = [flatten(first)]
    for j, element in enumerate(elements[1:], start=1):
        if not same_structure(first, element):
            raise TypeError(
                f"Dataset.batch: elements differ in structure: element 0 is {describe(first)}, "
                f"element {j} is {describe(element)}.")
        columns.append(flatten(element))
    leaves = []
    for i, parts in enumerate(zip(*columns)):
        shape = np.shape(parts[0])
        for j, part in enumerate(parts):
            if np.shape(part) != shape:
                raise ValueError(
                    f"Dataset.batch: cannot batch elements of different shapes in component {i}: "
                    f"the batch's element 0 has shape {shape} and element {j} has shape "
                    f"{np.shape(part)}. Resize or pad them to one shape first (e.g. in a map).")
        leaves.append(np.stack(parts))
    return pack(first, iter(leaves))


def batched(iterator, size, drop_remainder):
    pending = []
    for element in iterator:
        pending.append(element)
        if len(pending) == size:
            yield stack(pending)
            pending = []
    if pending and not drop_remainder:
        yield stack(pending)


def unbatched(iterator):
    for element in iterator:
        leaves = flatten(element)
        lengths = set()
        for leaf in leaves:
            if np.ndim(leaf) == 0:
                raise ValueError(
                    f"Dataset.unbatch: every component needs a batch axis; received {describe(element)}.")
            lengths.add(len(leaf))
        if len(lengths) > 1:
            raise ValueError(
                f"Dataset.unbatch: the components' first axes differ in length: {describe(element)}.")
        for i in range(lengths.pop()):
            yield pack(element, (leaf[i] for leaf in leaves))


def padded_batched(iterator, size, drop_remainder, padded_shapes, padding_values):
    pending = []
    for element in iterator:
        pending.append(element)
        if len(pending) == size:
            yield pad_and_stack(pending, padded_shapes, padding_values)
            pending = []
    if pending and not drop_remainder:
        yield pad_and_stack(pending, padded_shapes, padding_values)


def pad_and_stack(elements, padded_shapes, padding_values):
    """Stack elements whose leaves differ in size: each leaf is padded at the end of every
    axis to its ``padded_shapes`` entry (None: the batch's largest) with its padding value."""
    first = elements[0]
    for j, element in enumerate(elements[1:], start=1):
        if not same_structure(first, element):
            raise TypeError(
                f"Dataset.padded_batch: elements differ in structure: element 0 is {describe(first)}, "
                f"element {j} is {describe(element)}.")
    columns = list(zip(*(flatten(e) for e in elements)))
    shapes = _per_leaf(padded_shapes, first, "padded_shapes", is_leaf=_is_shape)
    values = _per_leaf(padding_values, first, "padding_values", is_leaf=lambda v: not isinstance(v, (tuple, dict)))
    leaves = []
    for i, (parts, wanted, value) in enumerate(zip(columns, shapes, values)):
        ranks = {np.ndim(p) for p in parts}
        if len(ranks) > 1:
            raise ValueError(f"Dataset.padded_batch: component {i} has elements of different ranks {sorted(ranks)}.")
        largest = tuple(np.max([np.shape(p) for p in parts], axis=0)) if ranks != {0} else ()
        wanted = largest if wanted is None else tuple(wanted)
        if len(wanted) == len(largest):  # None or -1: the batch's largest along that axis
            wanted = tuple(m if w is None or w == -1 else w for w, m in zip(wanted, largest))
        if len(wanted) != len(largest) or any(m > w for m, w in zip(largest, wanted)):
            raise ValueError(
                f"Dataset.padded_batch: component {i} has elements up to shape {largest}, which do not "
                f"fit padded shape {tuple(wanted)}.")
        dtype = np.asarray(parts[0]).dtype
        fill = value if value is not None else ("" if dtype.kind in "US" else 0)
        if dtype.kind in "US":  # a longer padding string widens the string dtype
            dtype = np.result_type(dtype, np.asarray(fill).dtype)
        out = np.full((len(parts),) + tuple(int(w) for w in wanted), fill, dtype=dtype)
        for k, part in enumerate(parts):
            out[(k,) + tuple(slice(0, n) for n in np.shape(part))] = part
        leaves.append(out)
    return pack(first, iter(leaves))


def _is_shape(value):
    return value is None or (isinstance(value, (list, tuple)) and all(
        v is None or (isinstance(v, (int, np.integer)) and not isinstance(v, bool)) for v in value))


def _per_leaf(setting, template, what, is_leaf):
    """One ``setting`` per leaf of ``template``: one value for a single-leaf element, the same
    padding value for every leaf, or a structure like the element's."""
    n = len(flatten(template))
    if setting is None:
        return [None] * n
    if not isinstance(template, (tuple, dict)) and is_leaf(setting):
        return [setting]
    if what == "padding_values" and is_leaf(setting):
        return [setting] * n
    if not _matches(template, setting, is_leaf):
        raise TypeError(f"Dataset.padded_batch: `{what}` must follow the elements' structure {describe(template)}; "
                        f"received {setting!r}.")
    return _leaves(setting, template)


def _matches(template, setting, is_leaf):
    if isinstance(template, tuple):
        return isinstance(setting, tuple) and len(setting) == len(template) and all(
            _matches(t, s, is_leaf) for t, s in zip(template, setting))
    if isinstance(template, dict):
        return isinstance(setting, dict) and set(setting) == set(template) and all(
            _matches(template[k], setting[k], is_leaf) for k in template)
    return is_leaf(setting)


def _leaves(setting, template):
    if isinstance(template, tuple):
        return [x for t, s in zip(template, setting) for x in _leaves(s, t)]
    if isinstance(template, dict):
        return [x for k in template for x in _leaves(setting[k], template[k])]
    return [setting]
