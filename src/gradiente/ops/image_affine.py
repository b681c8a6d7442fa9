"""``keras.ops.image.affine_transform`` and ``map_coordinates``: sampling an image at
computed source positions.

The image is extended beyond its edges by ``fill_mode`` (Keras's NumPy/JAX rule: the
integer pixel grid is extended first, then interpolated), with, along one axis of ``a b c d``:
constant ``k k | a b c d | k k``, nearest ``a a | a b c d | d d``, wrap ``c d | a b c d | a b``,
mirror ``c b | a b c d | c b``, reflect ``b a | a b c d | d c``. Nearest rounds half up;
bilinear blends the four surrounding pixels. The sampling is linear in the image, so the
VJP adds each output gradient back to the pixels it was read from, by the same weights.
"""
import numpy as np

from gradiente.autodiff.tensor import Tensor, to_array
from gradiente.ops.image_layout import to_nhwc
from gradiente.ops.primitive import primitive
from gradiente.ops.shape import broadcast_to, reshape

INTERPOLATIONS = ("nearest", "bilinear")
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def extend_index(i, n, fill_mode):
    """Integer indices ``i`` (any ints) into an axis of length ``n``: (index in [0, n), valid)."""
    if fill_mode == "nearest":
        return np.clip(i, 0, n - 1), None
    if fill_mode == "wrap":
        return np.mod(i, n), None
    if fill_mode == "mirror":
        if n == 1:
            return np.zeros_like(i), None
        period = 2 * n - 2
        j = np.mod(i, period)
        return np.where(j >= n, period - j, j), None
    if fill_mode == "reflect":
        j = np.mod(i, 2 * n)
        return np.where(j >= n, 2 * n - 1 - j, j), None
    valid = (i >= 0) & (i < n)
    return np.clip(i, 0, n - 1), valid


def sampling_plan(coords, shape, order, fill_mode):
    """For float source positions ``coords`` (one array per axis of ``shape``, all of one
    shape), the reads that interpolate them: a list of (flat index, weight, valid or None)."""
    if order == 0:
        corners = [[(np.floor(c + 0.5).astype(np.int64), None)] for c in coords]
    else:
        corners = []
        for c in coords:
            lo = np.floor(c)
            frac = c - lo
            lo = lo.astype(np.int64)
            corners.append([(lo, 1.0 - frac), (lo + 1, frac)])
    reads = [((), 1.0, None)]
    for axis, options in enumerate(corners):
        n = shape[axis]
        step = []
        for idx, w, valid in reads:
            for i, wi in options:
                j, ok = extend_index(i, n, fill_mode)
                step.append((idx + (j,), w if wi is None else w * wi,
                             ok if valid is None else (valid if ok is None else valid & ok)))
        reads = step
    plan = []
    for idx, w, valid in reads:
        flat = np.ravel_multi_index(idx, shape)
        plan.append((flat, w, valid))
    return plan


def _gather(x_flat, plan, fill_value, out_shape):
    """``x_flat``: (N, C) pixels; each plan entry reads (M,) indices; result ``out_shape``."""
    out = None
    fill = np.asarray(fill_value, dtype=x_flat.dtype)
    for flat, w, valid in plan:
        values = np.take(x_flat, flat.reshape(-1), axis=0)
        if valid is not None:
            values = np.where(valid.reshape(-1, 1), values, fill)
        if not np.isscalar(w):  # nearest reads one pixel with weight 1
            values = values * w.reshape(-1, 1).astype(x_flat.dtype)
        out = values if out is None else out + values
    return out.reshape(out_shape)


def _scatter(g_flat, plan, n_pixels):
    """Adjoint of ``_gather`` (fill values carry no gradient): (M, C) -> (N, C)."""
    grad = np.zeros((n_pixels, g_flat.shape[1]), dtype=g_flat.dtype)
    for flat, w, valid in plan:
        weight = np.broadcast_to(np.asarray(w, dtype=g_flat.dtype), flat.shape).reshape(-1)
        if valid is not None:
            weight = weight * valid.reshape(-1)
        index = flat.reshape(-1)
        for c in range(g_flat.shape[1]):
            grad[:, c] += np.bincount(index, weights=g_flat[:, c] * weight, minlength=n_pixels)
    return grad


def _affine_coords(transform, height, width, dtype):
    """Source (row, col) positions of every output pixel, each (B, H, W), in ``dtype``."""
    t = transform.astype(dtype)
    y, x = np.meshgrid(np.arange(height, dtype=dtype), np.arange(width, dtype=dtype), indexing="ij")
    a0, a1, a2, b0, b1, b2, c0, c1 = (t[:, i, None, None] for i in range(8))
    k = c0 * x + c1 * y + 1.0
    return (b0 * x + b1 * y + b2) / k, (a0 * x + a1 * y + a2) / k


def _coord_dtype(x):
    return np.result_type(x.dtype, np.float32)


def _affine_plan(x, transform, interpolation, fill_mode):
    batch, height, width = x.shape[:3]
    coords = _affine_coords(transform, height, width, _coord_dtype(x))
    plan = sampling_plan(coords, (height, width), INTERPOLATIONS.index(interpolation), fill_mode)
    offset = (np.arange(batch) * (height * width))[:, None, None]  # each image reads only itself
    return [(flat + offset, w, valid) for flat, w, valid in plan]


# np.pad's names for the extensions: the padded grid is the extended one.
_PAD_MODES = {"reflect": "symmetric", "mirror": "reflect", "wrap": "wrap"}
_MAX_MARGIN = 4  # in image sizes: a transform reaching further takes the index-mapping path


def _padded_forward(x, transform, interpolation, fill_mode, fill_value):
    """The forward by padding the batch once (np.pad extends the grid as ``fill_mode`` does)
    so every read is in bounds: a clip instead of a modulo per read. None when the reads
    reach too far beyond the image for padding to be cheap."""
    batch, height, width, channels = x.shape
    src_y, src_x = _affine_coords(transform, height, width, _coord_dtype(x))
    shift = 0.5 if interpolation == "nearest" else 0.0
    y0 = np.floor(src_y + shift)
    x0 = np.floor(src_x + shift)
    reach = 0 if interpolation == "nearest" else 1
    if fill_mode in _PAD_MODES:
        lo_y, hi_y = max(0, -int(y0.min())), max(0, int(y0.max()) + reach - (height - 1))
        lo_x, hi_x = max(0, -int(x0.min())), max(0, int(x0.max()) + reach - (width - 1))
        if max(lo_y, hi_y) > _MAX_MARGIN * height or max(lo_x, hi_x) > _MAX_MARGIN * width:
            return None
        x = np.pad(x, ((0, 0), (lo_y, hi_y), (lo_x, hi_x), (0, 0)), mode=_PAD_MODES[fill_mode])
    elif fill_mode == "constant":
        # One pixel of fill around the image; anything further out clips onto it.
        lo_y = hi_y = lo_x = hi_x = 1
        x = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=np.asarray(fill_value, x.dtype))
    else:  # nearest: clipping onto the image is the extension
        lo_y = hi_y = lo_x = hi_x = 0
    hp, wp = x.shape[1], x.shape[2]
    flat = x.reshape(-1, channels)
    base = (np.arange(batch, dtype=np.int64) * (hp * wp))[:, None, None]
    # Each corner clips on its own: beyond the one-pixel constant border both read fill.
    y0, x0 = y0.astype(np.int64) + lo_y, x0.astype(np.int64) + lo_x
    rows, cols = np.clip(y0, 0, hp - 1), np.clip(x0, 0, wp - 1)
    if interpolation == "nearest":
        return np.take(flat, (base + rows * wp + cols).reshape(-1), axis=0).reshape(x.shape[:1] + (height, width, channels))
    fy = (src_y - (y0 - lo_y)).astype(x.dtype).reshape(-1, 1)
    fx = (src_x - (x0 - lo_x)).astype(x.dtype).reshape(-1, 1)
    rows1, cols1 = np.clip(y0 + 1, 0, hp - 1), np.clip(x0 + 1, 0, wp - 1)
    top, bottom = base + rows * wp, base + rows1 * wp

    def read(index):
        return np.take(flat, index.reshape(-1), axis=0)

    upper = read(top + cols)
    upper += fx * (read(top + cols1) - upper)
    lower = read(bottom + cols)
    lower += fx * (read(bottom + cols1) - lower)
    upper += fy * (lower - upper)
    return upper.reshape(batch, height, width, channels)


@primitive
def affine_transform_nhwc(x, transform, interpolation="bilinear", fill_mode="constant", fill_value=0.0):
    """x (B, H, W, C), transform (B, 8) -> (B, H, W, C)."""
    out = _padded_forward(x, transform, interpolation, fill_mode, fill_value)
    if out is not None:
        return out
    plan = _affine_plan(x, transform, interpolation, fill_mode)
    return _gather(x.reshape(-1, x.shape[-1]), plan, fill_value, x.shape)


@affine_transform_nhwc.defvjp
def _(g, ans, needs, x, transform, interpolation="bilinear", fill_mode="constant", fill_value=0.0):
    # As in Keras, no gradient reaches the transform.
    if not needs[0]:
        return None, None
    plan = _affine_plan(x, transform, interpolation, fill_mode)
    n = x.shape[0] * x.shape[1] * x.shape[2]
    return _scatter(g.reshape(-1, g.shape[-1]), plan, n).reshape(x.shape), None


def _check_choice(fn, name, value, options):
    if value not in options:
        raise ValueError(f"{fn}: invalid value for argument `{name}`. Expected one of {options}. "
                         f"Received: {name}={value!r}")


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0,
                     data_format=None):
    """Images (batch?, H, W, C) and transforms (batch?, 8) -> images of the same shape.

    A row ``[a0, a1, a2, b0, b1, b2, c0, c1]`` maps each output pixel (x, y) (column, row)
    to the input position ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1
    (TensorFlow's projective rule; Keras's other backends take c0 = c1 = 0). Differentiable
    with respect to the images, not the transform.
    """
    _check_choice("affine_transform", "interpolation", interpolation, INTERPOLATIONS)
    _check_choice("affine_transform", "fill_mode", fill_mode, FILL_MODES)
    x, restore = to_nhwc(images, data_format, "affine_transform")
    t = transform.data if isinstance(transform, Tensor) else to_array(transform)
    if t.ndim not in (1, 2) or t.shape[-1] != 8:
        raise ValueError("affine_transform: invalid transform: expected shape (8,) (one transform) or "
                         f"(batch, 8). Received: transform.shape={tuple(t.shape)}")
    rows = 1 if t.ndim == 1 else t.shape[0]
    if rows not in (1, x.shape[0]):
        raise ValueError(f"affine_transform: {rows} transforms for a batch of {x.shape[0]} images "
                         "(give one per image, or one for all).")
    if x.data.dtype.kind != "f":
        raise TypeError(f"affine_transform: images must be floating point, received {x.data.dtype}; "
                        "cast them first (e.g. ops.cast(images, 'float32')).")
    # One transform serves the whole batch, as in TensorFlow. A Tensor stays one (broadcast
    # by an op), so a replayed step reads the transform its ops computed this time.
    if not isinstance(transform, Tensor):
        transform = Tensor(t)
    if transform.ndim == 1 or rows != x.shape[0]:
        transform = broadcast_to(reshape(transform, (-1, 8)), (x.shape[0], 8))
    out = affine_transform_nhwc(x, transform, interpolation=interpolation, fill_mode=fill_mode,
                                fill_value=float(fill_value))
    return restore(out)


@primitive
def map_coordinates_op(x, coordinates, order=1, fill_mode="constant", fill_value=0.0):
    """x (any rank n), coordinates (n, ...) -> values at those positions, shape coordinates.shape[1:]."""
    plan = sampling_plan(list(coordinates.astype(np.float64)), x.shape, order, fill_mode)
    return _gather(x.reshape(-1, 1), plan, fill_value, coordinates.shape[1:])


@map_coordinates_op.defvjp
def _(g, ans, needs, x, coordinates, order=1, fill_mode="constant", fill_value=0.0):
    if not needs[0]:
        return None, None
    plan = sampling_plan(list(coordinates.astype(np.float64)), x.shape, order, fill_mode)
    return _scatter(g.reshape(-1, 1), plan, x.size).reshape(x.shape), None


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0.0):
    """Values of ``inputs`` (rank n) at ``coordinates`` (n, ...), by nearest (order 0) or
    linear (order 1) interpolation, positions outside extended by ``fill_mode``."""
    x = inputs if isinstance(inputs, Tensor) else Tensor(to_array(inputs))
    c = coordinates.data if isinstance(coordinates, Tensor) else to_array(coordinates)
    if c.ndim < 2:
        raise ValueError("map_coordinates: invalid coordinates rank: expected at least rank 2. "
                         f"Received input with shape: {tuple(c.shape)}")
    if c.shape[0] != x.ndim:
        raise ValueError("map_coordinates: first dim of `coordinates` must be the same as the rank of `inputs`. "
                         f"Received inputs with shape: {tuple(x.shape)} and coordinate leading dim of {c.shape[0]}")
    _check_choice("map_coordinates", "fill_mode", fill_mode, FILL_MODES)
    if order not in (0, 1):
        raise ValueError(f"map_coordinates: invalid value for argument `order`. Expected one of [0, 1]. "
                         f"Received: order={order!r}")
    if x.size == 0:
        raise ValueError(f"map_coordinates: `inputs` is empty (shape {tuple(x.shape)}).")
    if x.data.dtype.kind != "f":
        out = map_coordinates_op.forward(x.data.astype(np.float32), c, order, fill_mode, float(fill_value))
        return Tensor(out.astype(x.data.dtype))
    return map_coordinates_op(x, Tensor(c), order=order, fill_mode=fill_mode, fill_value=float(fill_value))
