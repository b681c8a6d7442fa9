"""Describing elements: TensorSpec (a leaf's shape and dtype), the cardinality scalar, and
checking a generator's elements against an ``output_signature``."""
import numpy as np

from gradiente.data.structure import describe, flatten, pack, same_structure


class Cardinality(int):
    """The number of elements (or INFINITE / UNKNOWN); ``.numpy()`` as tf's scalar tensor."""

    def numpy(self):
        return np.int64(self)


class TensorSpec:
    """The shape and dtype of one leaf of an element (``None`` for an axis that varies)."""

    def __init__(self, shape, dtype, name=None):
        self.shape, self.dtype, self.name = tuple(shape), np.dtype(dtype), name

    def __eq__(self, other):
        return isinstance(other, TensorSpec) and (self.shape, self.dtype) == (other.shape, other.dtype)

    def __hash__(self):
        return hash((self.shape, self.dtype))

    def __repr__(self):
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype.name}, name={self.name!r})"


def signature_from(types, shapes):
    if isinstance(types, tuple):
        shapes = shapes if shapes is not None else (None,) * len(types)
        return tuple(signature_from(t, sh) for t, sh in zip(types, shapes))
    if isinstance(types, dict):
        shapes = shapes if shapes is not None else {}
        return {k: signature_from(t, shapes.get(k)) for k, t in types.items()}
    return TensorSpec(shapes if shapes is not None else (), types) if shapes is not None else _AnyShape(types)


class _AnyShape(TensorSpec):
    """output_types without output_shapes: the dtype is fixed, the shape is not checked."""

    def __init__(self, dtype):
        super().__init__((), dtype)


def conform(element, signature, index):
    if not same_structure(signature, element):
        raise TypeError(
            f"Dataset.from_generator: element {index} is {describe(element)}, which does not match "
            f"the structure of output_signature {signature!r}.")
    specs = flatten(signature)
    leaves = []
    for spec, leaf in zip(specs, flatten(element)):
        array = np.asarray(leaf)
        if not isinstance(spec, _AnyShape):
            shape = np.shape(array)
            if len(shape) != len(spec.shape) or any(w is not None and w != g for w, g in zip(spec.shape, shape)):
                raise ValueError(
                    f"Dataset.from_generator: element {index} has a component of shape {shape}, but "
                    f"output_signature says {spec.shape}.")
        leaves.append(array.astype(spec.dtype, copy=False) if array.dtype != spec.dtype else leaf)
    return pack(signature, iter(leaves))
