"""Layers that merge a list of tensors into one elementwise: Add, Subtract, Multiply,
Average, Maximum, Minimum, and their functional forms (``add([a, b])``, ...); the base of
every merge layer. Concatenate and Dot, which work along axes, are in ``merging_axes``.

Elementwise merges need inputs of one rank whose sizes agree axis by axis (a size of 1
broadcasts). Errors name the offending inputs, the layers that made them and their shapes.

Masks follow Keras 3: an elementwise merge's output is valid where any input is valid
(and has a mask only if every input has one); Multiply, Maximum and Minimum also leave
masked positions of an input out of the result. Concatenate joins the masks.
"""
import numpy as np

from gradiente import ops
from gradiente.autodiff.tensor import Tensor
from gradiente.layers.layer import Layer
from gradiente.layers.masks import mask_array
from gradiente.layers.node import KerasTensor


def _source(tensor):
    """The name of the layer that produced a symbolic tensor, when known."""
    if isinstance(tensor, KerasTensor) and tensor._keras_history is not None:
        return tensor._keras_history[0].name
    return None


def _mask_array(mask):
    return mask_array(mask)


def _check_masks(layer, inputs, mask):
    if not isinstance(mask, (list, tuple)):
        raise ValueError(f"{type(layer).__name__} layer '{layer.name}': `mask` must be a list (one "
                         f"mask or None per input), received {mask!r}.")
    if not isinstance(inputs, (list, tuple)) or len(inputs) != len(mask):
        raise ValueError(f"{type(layer).__name__} layer '{layer.name}': `mask` has {len(mask)} "
                         f"entries but the layer has {len(inputs) if isinstance(inputs, (list, tuple)) else 1} input(s).")


def _spread(mask, x):
    """A (batch, ..., time) mask broadcast over the last axis of ``x``."""
    return np.broadcast_to(mask[..., None], tuple(x.shape))


class _Merge(Layer):
    """Base of the merge layers: checks it gets a list, and names inputs in errors."""
    traceable = True  # call is ops on inputs and weights only: fit may replay it

    supports_masking = True
    min_inputs = 1
    max_inputs = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._sources = ()

    def __call__(self, inputs, *args, **kwargs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"A merge layer ({type(self).__name__} '{self.name}') must be called on a list of "
                f"tensors, e.g. layer([a, b]), but received a single input of type {type(inputs).__name__}."
            )
        count = len(inputs)
        if count < self.min_inputs or (self.max_inputs is not None and count > self.max_inputs):
            wanted = (f"exactly {self.min_inputs}" if self.min_inputs == self.max_inputs
                      else f"at least {self.min_inputs}")
            raise ValueError(
                f"A {type(self).__name__} layer ('{self.name}') must be called on a list of {wanted} "
                f"input{'s' if self.min_inputs > 1 else ''}, but received {count}."
            )
        # Remembered for the duration of the call, so shape errors can name the source layers.
        self._sources = [_source(t) for t in inputs]
        try:
            return super().__call__(inputs, *args, **kwargs)
        finally:
            self._sources = ()

    def _describe(self, i, shape):
        source = self._sources[i] if i < len(self._sources) else None
        origin = f" (output of layer '{source}')" if source else ""
        return f"input {i}{origin} of shape {tuple(shape)}"

    def _shapes(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or not isinstance(input_shape[0], (list, tuple)):
            raise ValueError(
                f"A merge layer ({type(self).__name__} '{self.name}') must be called on a list of "
                f"tensors, received input_shape={input_shape!r}."
            )
        return [tuple(s) for s in input_shape]

    def build(self, input_shape):
        self.compute_output_shape(input_shape)  # validates the shapes once, with teaching errors
        self.built = True

    def compute_mask(self, inputs, mask=None):
        """Valid where any input is valid; None unless every input has a mask (Keras 3)."""
        if mask is None:
            return None
        _check_masks(self, inputs, mask)
        if any(m is None for m in mask):
            return None
        out = mask[0]
        for m in mask[1:]:
            out = ops.logical_or(out, m)
        return out


class _Elementwise(_Merge):
    """Merges inputs of one shape (size-1 axes broadcast) elementwise, via ``_merge``."""

    def compute_output_shape(self, input_shape):
        shapes = self._shapes(input_shape)
        out = list(shapes[0])
        for i, shape in enumerate(shapes[1:], start=1):
            if len(shape) != len(out):
                raise self._incompatible(shapes, i, "they have different ranks")
            for k, (a, b) in enumerate(zip(out, shape)):
                if a == 1:
                    out[k] = b
                elif b == 1 or a == b:
                    continue
                elif a is None or b is None:
                    out[k] = None
                else:
                    raise self._incompatible(shapes, i, f"axis {k} has size {a} in one and {b} in the other")
        return tuple(out)

    def _incompatible(self, shapes, i, why):
        return ValueError(
            f"{type(self).__name__} layer '{self.name}' combines its inputs elementwise, so they must have "
            f"the same shape (an axis of size 1 broadcasts), but {self._describe(0, shapes[0])} and "
            f"{self._describe(i, shapes[i])} do not match: {why}. Make the shapes equal first, e.g. with "
            "a Dense layer of matching units, Reshape or Flatten."
        )

    def call(self, inputs):
        try:
            return self._combine(inputs)
        except ValueError:
            # Built for other shapes: explain with the same message as at build time.
            self.compute_output_shape([tuple(x.shape) for x in inputs])
            raise

    def _combine(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = self._merge(out, x)
        return out


class Add(_Elementwise):
    """Elementwise sum of a list of tensors of the same shape."""

    def _merge(self, a, b):
        return ops.add(a, b)


class Subtract(_Elementwise):
    """``inputs[0] - inputs[1]``; exactly two inputs."""

    min_inputs = max_inputs = 2

    def _combine(self, inputs):
        return ops.subtract(inputs[0], inputs[1])


class Multiply(_Elementwise):
    """Elementwise product of a list of tensors. A masked position of an input counts as 1;
    when every input has a mask, positions masked in all of them give 0."""

    def _merge(self, a, b):
        return ops.multiply(a, b)

    def _combine(self, inputs):
        masks = [_mask_array(getattr(x, "_keras_mask", None)) for x in inputs]
        if all(m is None for m in masks):
            return super()._combine(inputs)
        every = all(m is not None for m in masks)
        out = union = None
        for x, m in zip(inputs, masks):
            if m is not None:
                m = _spread(m, x)
                x = ops.where(m, x, np.ones((), dtype=x.dtype))
                if every:
                    union = m if union is None else union | m
            out = x if out is None else ops.multiply(out, x)
        if every:
            out = ops.where(union, out, np.zeros((), dtype=out.dtype))
            out._keras_mask = Tensor(union.any(axis=-1))
        return out


class Average(_Elementwise):
    """Elementwise mean of a list of tensors."""

    def _combine(self, inputs):
        total = inputs[0]
        for x in inputs[1:]:
            total = ops.add(total, x)
        return ops.multiply(total, np.asarray(1.0 / len(inputs), dtype=total.dtype))


class Maximum(_Elementwise):
    """Elementwise maximum of a list of tensors; a masked position of an input is left out."""

    def _merge(self, a, b):
        return ops.maximum(a, b)

    def _combine(self, inputs):
        return _masked_select(inputs, self._merge)


class Minimum(_Elementwise):
    """Elementwise minimum of a list of tensors; a masked position of an input is left out."""

    def _merge(self, a, b):
        return ops.minimum(a, b)

    def _combine(self, inputs):
        return _masked_select(inputs, self._merge)


def _masked_select(inputs, merge):
    """Merge with an op that has no identity element (max, min): a masked position takes
    the other operand's value; the output is masked only if every input is."""
    out = out_mask = None
    for x in inputs:
        m = _mask_array(getattr(x, "_keras_mask", None))
        m = None if m is None else _spread(m, x)
        if out is None:
            out, out_mask = x, m
            continue
        if m is not None:
            x = ops.where(m, x, out)
        if out_mask is not None:
            out = ops.where(out_mask, out, x)
        out_mask = out_mask | m if (m is not None and out_mask is not None) else None
        out = merge(out, x)
    if out_mask is not None:
        out._keras_mask = Tensor(out_mask.any(axis=-1))
    return out


# --- functional forms: build the layer and call it in one step -----------------------------
def add(inputs, **kwargs):
    """Elementwise sum of ``inputs``."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """``inputs[0] - inputs[1]``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Elementwise product of ``inputs``."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Elementwise mean of ``inputs``."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Elementwise maximum of ``inputs``."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Elementwise minimum of ``inputs``."""
    return Minimum(**kwargs)(inputs)
