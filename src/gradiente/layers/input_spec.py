"""What a layer accepts, checked on every call, with an error that teaches.

A layer sets ``self.input_spec = InputSpec(ndim=..., min_ndim=..., axes={-1: n},
layout="(batch, features)", hint="...")``; ``check`` raises ValueError naming the layer,
the layout in words, the shape received and the fix.
"""


class InputSpec:
    __slots__ = ("ndim", "min_ndim", "max_ndim", "axes", "layout", "hint", "dtype")

    def __init__(self, ndim=None, min_ndim=None, max_ndim=None, axes=None, layout=None, hint=None, dtype=None):
        self.ndim = ndim
        self.min_ndim = min_ndim
        self.max_ndim = max_ndim
        self.axes = dict(axes or {})
        self.layout = layout
        self.hint = hint
        self.dtype = dtype

    def check(self, layer, shape, index=0):
        """Raise ValueError if ``shape`` (a tuple, batch axis included) does not fit."""
        rank = len(shape)
        if self.ndim is None and (self.min_ndim or 0) <= rank and self.max_ndim is None:
            for axis, size in self.axes.items():  # the common case, checked without ceremony
                if -rank <= axis < rank and shape[axis] != size and size is not None:
                    break
            else:
                return
        problem = None
        if self.ndim is not None and rank != self.ndim:
            problem = f"expected ndim={self.ndim}, found ndim={rank}"
        elif self.min_ndim is not None and rank < self.min_ndim:
            problem = f"expected min_ndim={self.min_ndim}, found ndim={rank}"
        elif self.max_ndim is not None and rank > self.max_ndim:
            problem = f"expected max_ndim={self.max_ndim}, found ndim={rank}"
        else:
            for axis, size in self.axes.items():
                got = shape[axis] if -rank <= axis < rank else None
                if size is not None and got is not None and got != size:
                    problem = (
                        f"expected axis {axis} of the input to have size {size}, "
                        f"but received an input of shape {tuple(shape)}"
                    )
                    break
        if problem is None:
            return
        message = f"Input {index} of layer '{layer.name}' ({type(layer).__name__}) is incompatible with the layer: {problem}."
        message += f" Full shape received: {tuple(shape)}."
        if self.layout:
            message += f" {type(layer).__name__} expects inputs shaped {self.layout}."
        if self.hint:
            message += f" {self.hint}"
        raise ValueError(message)
