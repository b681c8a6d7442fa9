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
