"""The arrays a Dataset yields when iterated: NumPy arrays that also answer ``.numpy()``.

Keras's tutorials iterate a ``tf.data.Dataset`` and read its tensors with ``.numpy()``
(``text_batch.numpy()[i]``, ``x[0][:, 1].numpy()``). Our elements are already NumPy arrays,
so each array leaf is viewed (no copy) as an ``ElementArray``: an ndarray in every way, plus
``numpy()`` returning the plain array (a NumPy scalar for a 0-d array, as tf.Tensor.numpy()).
Indexing and arithmetic keep the subclass, so ``images[i].numpy()`` works too; one item
(``labels[i]``) is a 0-d ElementArray, unhashable like a tensor (``int(labels[i])`` works).
Only iteration gives them: transformations and ``map`` functions see plain arrays.

NumPy scalars in an element (an unbatched scalar dataset) stay NumPy scalars: a 0-d array
would not be hashable, which code using the elements as dict keys relies on.
"""
import numpy as np

from gradiente.data.structure import map_leaves


class ElementArray(np.ndarray):
    """An ndarray with ``tf.Tensor.numpy()``: the values as a plain NumPy array."""

    def numpy(self):
        plain = self.view(np.ndarray)
        return plain[()] if plain.ndim == 0 else plain

    def __getitem__(self, key):
        # One item is a 0-d array, as a tensor's item is a 0-d tensor: ``labels[i].numpy()``.
        item = super().__getitem__(key)
        return np.asarray(item).view(ElementArray) if isinstance(item, np.generic) else item

    # Print as the plain array: the subclass is a convenience, not a different kind of value.
    def __repr__(self):
        return repr(self.view(np.ndarray))

    def __str__(self):
        return str(self.view(np.ndarray))


def _viewed(leaf):
    return leaf.view(ElementArray) if type(leaf) is np.ndarray else leaf


def yielded(element):
    """``element`` with each plain ndarray leaf viewed as an ElementArray."""
    if type(element) is np.ndarray:  # the common leaf, without walking a structure
        return element.view(ElementArray)
    return map_leaves(_viewed, element)


def _plain_leaf(leaf):
    return leaf.view(np.ndarray) if isinstance(leaf, ElementArray) else leaf


def plain(element):
    """``element`` with each ElementArray leaf viewed back as a plain ndarray."""
    return map_leaves(_plain_leaf, element)


def converting(elements, convert):
    """A generator of ``convert(element)``; closing it closes ``elements`` (a prefetching
    source stops its thread when the loop reading it stops early)."""
    elements = iter(elements)
    try:
        for element in elements:
            yield convert(element)
    finally:
        close = getattr(elements, "close", None)
        if close is not None:
            close()
