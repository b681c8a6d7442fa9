"""Merge layers that work along axes: Concatenate (join along ``axis``) and Dot (contract
along ``axes``), and their functional forms ``concatenate([a, b])`` and ``dot([a, b])``."""
import numpy as np

from gradiente import ops
from gradiente.autodiff.tensor import Tensor
from gradiente.layers.merging import _check_masks, _mask_array, _Merge, _spread


class Concatenate(_Merge):
    """Joins tensors along ``axis``; every other axis must agree.

    [(batch, 3), (batch, 5)] -> (batch, 8) with the default ``axis=-1``.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def compute_output_shape(self, input_shape):
        shapes = self._shapes(input_shape)
        rank = len(shapes[0])
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"Concatenate layer '{self.name}': axis={self.axis} is out of range for inputs of rank "
                f"{rank} (shape {shapes[0]}); use an axis in [-{rank}, {rank - 1}]."
            )
        axis = self.axis % rank
        out = list(shapes[0])
        for i, shape in enumerate(shapes[1:], start=1):
            if len(shape) != rank:
                raise self._incompatible(shapes, i, f"they have different ranks ({rank} and {len(shape)})")
            for k, (a, b) in enumerate(zip(out, shape)):
                if k == axis:
                    continue
                if a is None:
                    out[k] = b
                elif b is not None and a != b:
                    raise self._incompatible(shapes, i, f"axis {k} has size {a} in one and {b} in the other")
        sizes = [s[axis] for s in shapes]
        out[axis] = None if any(d is None for d in sizes) else sum(sizes)
        return tuple(out)

    def _incompatible(self, shapes, i, why):
        return ValueError(
            f"Concatenate layer '{self.name}' joins its inputs along axis {self.axis}, so they must have "
            f"the same rank and the same size on every other axis, but {self._describe(0, shapes[0])} "
            f"and {self._describe(i, shapes[i])} do not match: {why}. Flatten or Reshape the inputs "
            "first so that only the concatenation axis differs."
        )

    def call(self, inputs):
        try:
            return ops.concatenate(list(inputs), axis=self.axis)
        except ValueError:
            # Built for other shapes: explain with the same message as at build time.
            self.compute_output_shape([tuple(x.shape) for x in inputs])
            raise

    def compute_mask(self, inputs, mask=None):
        """Masks are joined along ``axis`` (an input without one counts as all valid, a
        mask of lower rank is spread over the input's last axis); an output position is
        valid if any of its entries along the last axis is (Keras 3)."""
        if mask is None:
            return None
        _check_masks(self, inputs, mask)
        if all(m is None for m in mask):
            return None
        full = []
        for x, m in zip(inputs, mask):
            m = _mask_array(m)
            if m is None:
                m = np.ones(tuple(x.shape), dtype=bool)
            elif m.ndim < len(x.shape):
                m = _spread(m, x)
            full.append(m)
        return Tensor(np.concatenate(full, axis=self.axis).any(axis=-1))

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class Dot(_Merge):
    """Batched dot product of two tensors over ``axes`` (one int for both, or a pair).

    (batch, d) · (batch, d) -> (batch, 1); (batch, n, d) · (batch, m, d), axes=2 ->
    (batch, n, m). ``normalize=True`` L2-normalises both along their axes first, so the
    result is the cosine similarity.
    """

    min_inputs = max_inputs = 2

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        valid_pair = (isinstance(axes, (list, tuple)) and len(axes) == 2
                      and all(isinstance(a, int) for a in axes))
        if not isinstance(axes, int) and not valid_pair:
            raise ValueError(
                f"Dot: `axes` must be an integer or a list/tuple of 2 integers, received axes={axes!r}."
            )
        self.axes = tuple(axes) if valid_pair else axes
        self.normalize = bool(normalize)

    def _resolve_axes(self, shapes):
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        resolved = []
        for i, (axis, shape) in enumerate(zip(axes, shapes)):
            rank = len(shape)
            if rank < 2 or not -rank <= axis < rank or axis % rank == 0:
                raise ValueError(
                    f"Dot layer '{self.name}': axes={self.axes} is invalid for {self._describe(i, shape)}: "
                    "each input needs rank >= 2 and the axis must be a non-batch axis "
                    f"(1..{rank - 1} or -1..-{rank - 1})."
                )
            resolved.append(axis % rank)
        return resolved

    def compute_output_shape(self, input_shape):
        s1, s2 = self._shapes(input_shape)
        a1, a2 = self._resolve_axes((s1, s2))
        if s1[a1] is not None and s2[a2] is not None and s1[a1] != s2[a2]:
            raise ValueError(
                f"Dot layer '{self.name}' multiplies axis {a1} of its first input with axis {a2} of its "
                f"second, so their sizes must match, but {self._describe(0, s1)} has size {s1[a1]} there "
                f"and {self._describe(1, s2)} has size {s2[a2]}. Choose axes whose sizes agree."
            )
        rest = tuple(d for k, d in enumerate(s1) if k not in (0, a1)) + tuple(
            d for k, d in enumerate(s2) if k not in (0, a2))
        return (s1[0],) + (rest or (1,))

    def _subscripts(self, n1, n2, a1, a2):
        letters = iter("abcdefghijklmnopqrstuvwxyz")
        s1 = [next(letters) for _ in range(n1)]
        s2 = [s1[0]] + [next(letters) for _ in range(n2 - 1)]
        s2[a2] = s1[a1]
        out = [s1[0]] + [c for k, c in enumerate(s1) if k not in (0, a1)] + [
            c for k, c in enumerate(s2) if k not in (0, a2)]
        return f"{''.join(s1)},{''.join(s2)}->{''.join(out)}"

    def call(self, inputs):
        x1, x2 = inputs
        a1, a2 = self._resolve_axes((x1.shape, x2.shape))
        if self.normalize:
            x1, x2 = _l2_normalize(x1, a1), _l2_normalize(x2, a2)
        out = ops.einsum(self._subscripts(x1.ndim, x2.ndim, a1, a2), x1, x2)
        return ops.expand_dims(out, -1) if out.ndim == 1 else out

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update(axes=list(self.axes) if isinstance(self.axes, tuple) else self.axes,
                      normalize=self.normalize)
        return config


def _l2_normalize(x, axis):
    squares = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return ops.divide(x, ops.sqrt(ops.maximum(squares, 1e-12)))


# --- functional forms: build the layer and call it in one step -----------------------------
def concatenate(inputs, axis=-1, **kwargs):
    """Concatenate ``inputs`` (a list of tensors) along ``axis``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """Batched dot product of two tensors over ``axes``."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
