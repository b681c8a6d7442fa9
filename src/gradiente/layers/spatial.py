"""Spatial shaping layers: UpSampling, ZeroPadding and Cropping in 1, 2 and 3 dimensions.

Each works on (batch, *spatial, channels) (or channels_first) and has no weights.
"""
import numpy as np

from gradiente import ops
from gradiente.layers.convolutional import SpatialInputSpec, normalize_data_format, normalize_tuple
from gradiente.layers.layer import Layer


class _SpatialLayer(Layer):
    traceable = True  # call is ops on inputs and weights only: fit may replay it
    rank = None

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        # Keras's 1D shaping layers have no data_format: always (batch, steps, features).
        fmt = "channels_last" if self.rank == 1 else data_format
        self.data_format = normalize_data_format(fmt, type(self).__name__)
        self.input_spec = SpatialInputSpec(self.rank, self.data_format, exact=True)
        first = self.data_format == "channels_first"
        self._axes = tuple(range(2, self.rank + 2)) if first else tuple(range(1, self.rank + 1))

    def _with_spatial(self, shape, spatial):
        shape = list(shape)
        for axis, n in zip(self._axes, spatial):
            shape[axis] = n
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


def _pairs(value, rank, arg, layer):
    """int, (a, b, …) symmetric per axis, or ((lo, hi), …) -> ((lo, hi), …) per axis.
    In 1D, a 2-tuple means (before, after)."""
    if rank == 1 and not isinstance(value, int):
        pair = normalize_tuple(value, 2, arg, layer, allow_zero=True)
        return (pair,)
    if isinstance(value, int) and not isinstance(value, bool):
        sizes = normalize_tuple(value, rank, arg, layer, allow_zero=True)
        return tuple((n, n) for n in sizes)
    try:
        items = tuple(value)
    except TypeError:
        items = ()
    if len(items) == rank and all(isinstance(v, int) and not isinstance(v, bool) for v in items):
        return tuple((n, n) for n in normalize_tuple(items, rank, arg, layer, allow_zero=True))
    if len(items) == rank:
        try:
            return tuple(normalize_tuple(p, 2, arg, layer, allow_zero=True) for p in items)
        except ValueError:
            pass
    raise ValueError(
        f"{layer}: `{arg}` must be an int, a tuple of {rank} ints, or a tuple of {rank} "
        f"(before, after) pairs of non-negative ints, received {arg}={value!r}."
    )


class UpSampling(_SpatialLayer):
    """Repeat each position ``size`` times per spatial axis ('nearest'), or interpolate
    ('bilinear', half-pixel centres as tf.image.resize). (batch, *n, C) -> (batch, *n·size, C)."""

    def __init__(self, size=2, data_format=None, interpolation="nearest", **kwargs):
        super().__init__(data_format, **kwargs)
        cls = type(self).__name__
        self.size = normalize_tuple(size, self.rank, "size", cls)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(
                f"{cls}: `interpolation` must be 'nearest' or 'bilinear', received interpolation={interpolation!r}."
            )
        self.interpolation = interpolation

    def call(self, inputs):
        if self.interpolation == "bilinear":
            return self._bilinear(inputs)
        # Nearest: insert a size-s axis after each spatial axis, broadcast, and merge.
        shape = tuple(inputs.shape)
        expanded, stretched = list(shape[:1]), list(shape[:1])
        for axis in range(1, len(shape)):
            expanded.append(shape[axis])
            stretched.append(shape[axis])
            if axis in self._axes:
                s = self.size[self._axes.index(axis)]
                expanded.append(1)
                stretched.append(s)
        y = ops.broadcast_to(ops.reshape(inputs, tuple(expanded)), tuple(stretched))
        return ops.reshape(y, self.compute_output_shape(shape))

    def _bilinear(self, x):
        letters = "abcdefgh"[: x.ndim]
        for axis, s in zip(self._axes, self.size):
            weights = _linear_weights(x.shape[axis], s, x.dtype)
            src = letters
            dst = letters[:axis] + "z" + letters[axis + 1:]
            x = ops.einsum(f"z{letters[axis]},{src}->{dst}", weights, x)
        return x

    def compute_output_shape(self, input_shape):
        spatial = [input_shape[a] for a in self._axes]
        return self._with_spatial(input_shape, [None if n is None else n * s for n, s in zip(spatial, self.size)])

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        if self.rank == 2:
            config["interpolation"] = self.interpolation
        return config


def _linear_weights(n, scale, dtype):
    """(n·scale, n) matrix of linear-interpolation weights, half-pixel centres, edges clamped."""
    src = (np.arange(n * scale) + 0.5) / scale - 0.5
    lo = np.floor(src).astype(int)
    frac = src - lo
    w = np.zeros((n * scale, n), dtype)
    rows = np.arange(n * scale)
    np.add.at(w, (rows, np.clip(lo, 0, n - 1)), 1 - frac)
    np.add.at(w, (rows, np.clip(lo + 1, 0, n - 1)), frac)
    return w


class UpSampling1D(UpSampling):
    """(batch, steps, features) -> (batch, steps·size, features)."""

    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size, None, "nearest", **kwargs)


class UpSampling2D(UpSampling):
    """(batch, rows, cols, channels) -> (batch, rows·sh, cols·sw, channels)."""

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, interpolation, **kwargs)


class UpSampling3D(UpSampling):
    """(batch, d, rows, cols, channels) -> (batch, d·s1, rows·s2, cols·s3, channels)."""

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, "nearest", **kwargs)


class ZeroPadding(_SpatialLayer):
    """Add zeros before and after each spatial axis. (batch, *n, C) -> (batch, *(n+lo+hi), C)."""

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.padding = _pairs(padding, self.rank, "padding", type(self).__name__)

    def call(self, inputs):
        widths = [(0, 0)] * inputs.ndim
        for axis, pair in zip(self._axes, self.padding):
            widths[axis] = pair
        return ops.pad(inputs, tuple(widths))

    def compute_output_shape(self, input_shape):
        spatial = [input_shape[a] for a in self._axes]
        return self._with_spatial(input_shape, [None if n is None else n + lo + hi
                                                for n, (lo, hi) in zip(spatial, self.padding)])

    def get_config(self):
        config = super().get_config()
        config["padding"] = self.padding[0] if self.rank == 1 else self.padding
        return config


class ZeroPadding1D(ZeroPadding):
    """(batch, steps, features) -> (batch, steps + lo + hi, features)."""

    rank = 1

    def __init__(self, padding=1, **kwargs):
        super().__init__(padding, None, **kwargs)


class ZeroPadding2D(ZeroPadding):
    """(batch, rows, cols, channels) -> (batch, rows + top + bottom, cols + left + right, channels)."""

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(ZeroPadding):
    """Zero padding of (batch, d, rows, cols, channels)."""

    rank = 3

    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class Cropping(_SpatialLayer):
    """Drop elements before and after each spatial axis. (batch, *n, C) -> (batch, *(n-lo-hi), C)."""

    def __init__(self, cropping=1, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.cropping = _pairs(cropping, self.rank, "cropping", type(self).__name__)

    def _cropped(self, input_shape):
        out = []
        for axis, (lo, hi) in zip(self._axes, self.cropping):
            n = input_shape[axis]
            if n is not None and lo + hi >= n:
                raise ValueError(
                    f"{type(self).__name__} layer '{self.name}': cropping {(lo, hi)} removes "
                    f"{lo + hi} of the {n} elements of axis {axis} of input shape {tuple(input_shape)}, "
                    "leaving none. Crop less."
                )
            out.append(None if n is None else n - lo - hi)
        return out

    def call(self, inputs):
        self._cropped(inputs.shape)
        key = [slice(None)] * inputs.ndim
        for axis, (lo, hi) in zip(self._axes, self.cropping):
            key[axis] = slice(lo, inputs.shape[axis] - hi)
        return ops.getitem(inputs, tuple(key))

    def compute_output_shape(self, input_shape):
        return self._with_spatial(input_shape, self._cropped(input_shape))

    def get_config(self):
        config = super().get_config()
        config["cropping"] = self.cropping[0] if self.rank == 1 else self.cropping
        return config


class Cropping1D(Cropping):
    """(batch, steps, features) -> (batch, steps - lo - hi, features)."""

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, None, **kwargs)


class Cropping2D(Cropping):
    """(batch, rows, cols, channels) -> (batch, rows - top - bottom, cols - left - right, channels)."""

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(Cropping):
    """Cropping of (batch, d, rows, cols, channels)."""

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
