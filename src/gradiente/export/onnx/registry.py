"""The converter table: one function per layer class, as the VJP table holds one gradient
per primitive. A converter is ``fn(g, layer, ins, outs) -> output name(s)``: ``g`` the
OnnxGraph, ``ins`` the Values the call read (its inputs, then tensors passed as arguments),
``outs`` the Values it must produce (their shapes and dtypes, names still to come)."""
import numpy as np

_CONVERTERS = {}

# Methods a subclass may define and still compute as its registered base does (they set
# arguments up, make weights or describe the layer). Any other method it defines may change
# the computation, so the base's converter is not used for it.
_HARMLESS = frozenset(("__init__", "__getattr__", "__repr__", "build", "get_config", "from_config",
                       "compute_output_shape", "compute_mask", "get_build_config", "build_from_config"))


class Converter:
    __slots__ = ("fn", "masks", "kwargs")

    def __init__(self, fn, masks, kwargs):
        self.fn, self.masks, self.kwargs = fn, masks, kwargs


def converts(*classes, masks=False, kwargs=()):
    """Register the decorated function for ``classes``. ``masks=True``: the layer's result
    does not depend on an incoming mask (its call takes no ``mask`` and reads none), so
    masked inputs are fine.
    ``kwargs``: the call arguments besides ``training`` the converter reads itself."""
    def register(fn):
        for cls in classes:
            _CONVERTERS[cls] = Converter(fn, masks, tuple(kwargs))
        return fn
    return register


def find(layer):
    """The converter for ``layer``'s class, or a base class's when the layer computes exactly
    as that base does; None when there is none."""
    cls = type(layer)
    for i, base in enumerate(cls.__mro__):
        conv = _CONVERTERS.get(base)
        if conv is None:
            continue
        own = [name for klass in cls.__mro__[:i] for name, attr in vars(klass).items()
               if callable(getattr(attr, "__func__", attr)) and not isinstance(attr, type)
               and name not in _HARMLESS]
        return None if own else conv
    return None


class UnsupportedLayerError(ValueError):
    """A layer (or one of its settings) that has no ONNX translation."""


def unsupported(layer, reason):
    return UnsupportedLayerError(
        f"Cannot export layer '{layer.name}' ({type(layer).__name__}) to ONNX: {reason}"
    )


def array(weight, dtype=np.float32):
    """A weight's values as a NumPy array of ``dtype`` (Variables and Tensors alike)."""
    return np.asarray(getattr(weight, "data", weight)).astype(dtype, copy=False)
