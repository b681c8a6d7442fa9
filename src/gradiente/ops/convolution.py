"""Convolution and pooling primitives, channels_last, for any number of spatial axes.

Shapes: ``x`` is (batch, *spatial, channels); a convolution kernel is (*kernel, in/groups,
filters). ``pads`` is one ``(before, after)`` pair per spatial axis; the layers turn Keras's
``"valid"``/``"same"``/``"causal"`` into pads with ``padding_pairs``.

A convolution is one matrix product over an im2col view: ``as_strided`` exposes every
receptive field as (batch, *out, *kernel, channels) without copying, and one reshape
gathers it for the GEMM (measured faster than a sum of kernel-offset shifted products,
which for 1-channel inputs are rank-1 updates). Its input gradient scatters the columns
back with one strided add per kernel offset (kh·kw whole-array adds, not a loop over
positions); the transposed convolution is that same scatter.
"""
import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from gradiente.ops.primitive import primitive
from gradiente.ops.reduction import column_sums


# --- geometry ---------------------------------------------------------------------------
def output_length(size, kernel, stride, dilation, padding):
    """Keras's output length along one axis (None stays None). ``padding``:
    'valid', 'same' or 'causal'."""
    if size is None:
        return None
    if padding in ("same", "causal"):
        return -(-size // stride)
    return (size - (kernel - 1) * dilation - 1) // stride + 1


def padding_pairs(sizes, kernel, strides, dilation, padding):
    """(before, after) per spatial axis, as TensorFlow pads: 'same' puts the odd element
    after; 'causal' pads only before, so an output never sees later steps."""
    pairs = []
    for n, k, s, d in zip(sizes, kernel, strides, dilation):
        span = (k - 1) * d + 1
        if padding == "valid":
            pairs.append((0, 0))
        elif padding == "causal":
            pairs.append((span - 1, 0))
        else:
            out = -(-n // s)
            total = max((out - 1) * s + span - n, 0)
            pairs.append((total // 2, total - total // 2))
    return tuple(pairs)


def transpose_output_length(size, kernel, stride, dilation, padding, output_padding=None):
    """Output length of a transposed convolution along one axis, as Keras computes it."""
    if size is None:
        return None
    span = (kernel - 1) * dilation + 1
    if output_padding is None:
        if padding == "valid":
            return size * stride + max(span - stride, 0)
        return size * stride
    pad = span // 2 if padding == "same" else 0
    return (size - 1) * stride + span - 2 * pad + output_padding


def transpose_pad_before(size, out, kernel, stride, dilation, padding):
    """How many leading elements of the full scatter a transposed convolution drops:
    the 'before' padding of the forward convolution it is the gradient of."""
    if padding == "valid":
        return 0
    span = (kernel - 1) * dilation + 1
    return max((size - 1) * stride + span - out, 0) // 2


# --- im2col -----------------------------------------------------------------------------
def _pad(x, pads, value=0):
    if any(lo or hi for lo, hi in pads):
        return np.pad(x, ((0, 0),) + tuple(pads) + ((0, 0),), constant_values=value)
    return x


def _windows(xp, out, kernel, strides, dilation):
    """Read-only view (N, *out, *kernel, C) of every receptive field of ``xp``."""
    s = xp.strides
    step = tuple(a * b for a, b in zip(s[1:-1], strides))
    hop = tuple(a * b for a, b in zip(s[1:-1], dilation))
    shape = (xp.shape[0],) + tuple(out) + tuple(kernel) + (xp.shape[-1],)
    return as_strided(xp, shape, (s[0],) + step + hop + (s[-1],), writeable=False)


def _valid_out(sizes, kernel, strides, dilation):
    out = tuple((n - (k - 1) * d - 1) // s + 1 for n, k, s, d in zip(sizes, kernel, strides, dilation))
    if min(out) < 1:
        raise ValueError(
            f"the kernel {tuple(kernel)} (dilation {tuple(dilation)}) is larger than the padded "
            f"input {tuple(sizes)}"
        )
    return out


def _group_kernel(w, groups):
    """(*k, cg, F) -> (G, K·cg, F/G): each group's kernel as one matrix."""
    cg, f = w.shape[-2], w.shape[-1]
    k = w.size // (cg * f)
    return w.reshape(k, cg, groups, f // groups).transpose(2, 0, 1, 3).reshape(groups, k * cg, f // groups)


def _kernel_major(xp, out, kernel, strides, dilation):
    """Read-only view (*kernel, C, N, *out) of every receptive field: the im2col matrix
    transposed, (K·C, M), once reshaped, with rows that are contiguous runs of positions.
    For 1-3 channels copying this is 3-6x faster than the (M, K·C) layout (whose inner runs
    would be only C long); for more channels the (M, K·C) layout wins."""
    s = xp.strides
    n, c = xp.shape[0], xp.shape[-1]
    step = tuple(a * b for a, b in zip(s[1:-1], strides))
    hop = tuple(a * b for a, b in zip(s[1:-1], dilation))
    shape = tuple(kernel) + (c, n) + tuple(out)
    return as_strided(xp, shape, hop + (s[-1], s[0]) + step, writeable=False)


_FEW_CHANNELS = 3


def _copy_into(buf, view):
    """Copy ``view`` into ``buf``, seen in ``view``'s shape (only axes are split, so
    reshaping gives a view of ``buf``, not a copy that the write would be lost in)."""
    target = buf.reshape(view.shape)
    assert np.may_share_memory(target, buf)
    np.copyto(target, view)


def _columns(x, kernel, strides, dilation, pads, groups, out=None, ones=False):
    """The im2col matrix: (M, K·C) for groups=1 (its transpose, a view of a (K·C, M)
    array, for few channels), else (G, M, K·C/G). With ``ones`` (groups=1 only), a last
    column of ones: one matmul with the kernel stacked on the bias then adds the bias, and
    one with the output gradient gives the bias gradient beside the kernel's."""
    xp = _pad(x, pads)
    if out is None:
        out = _valid_out(xp.shape[1:-1], kernel, strides, dilation)
    m = x.shape[0] * math.prod(out)
    if groups == 1:
        kc = math.prod(kernel) * x.shape[-1]
        if x.shape[-1] <= _FEW_CHANNELS:
            view = _kernel_major(xp, out, kernel, strides, dilation)
            if not ones:
                return view.reshape(kc, m).T, out
            buf = np.empty((kc + 1, m), xp.dtype)
            _copy_into(buf[:kc], view)
            buf[kc] = 1
            return buf.T, out
        view = _windows(xp, out, kernel, strides, dilation)
        if not ones:
            return view.reshape(m, kc), out
        buf = np.empty((m, kc + 1), xp.dtype)
        _copy_into(buf[:, :kc], view)
        buf[:, kc] = 1
        return buf, out
    v = _windows(xp, out, kernel, strides, dilation)
    cg = x.shape[-1] // groups
    v = v.reshape(v.shape[:-1] + (groups, cg))
    return np.moveaxis(v, -2, 0).reshape(groups, m, -1), out


def conv_array(x, w, strides, dilation, pads, groups=1, out=None):
    """Cross-correlation on arrays. x (N, *in, C), w (*k, C/groups, F) -> (N, *out, F)."""
    kernel = w.shape[:-2]
    f = w.shape[-1]
    cols, out = _columns(x, kernel, strides, dilation, pads, groups, out)
    if groups == 1:
        z = cols @ w.reshape(-1, f)
    else:
        z = np.matmul(cols, _group_kernel(w, groups))  # (G, M, F/G)
        z = z.transpose(1, 0, 2).reshape(-1, f)
    return z.reshape((x.shape[0],) + tuple(out) + (f,))


def conv_input_grad(g, w, x_shape, strides, dilation, pads_before, groups=1):
    """Adjoint of ``conv_array`` in x: g (N, *out, F) -> (N, *x_spatial, C).

    The columns ``g @ w.T`` are scattered back with one strided add per kernel offset.
    """
    kernel = w.shape[:-2]
    out = g.shape[1:-1]
    n, c, f = g.shape[0], x_shape[-1], w.shape[-1]
    m = n * math.prod(out)
    if groups == 1:
        cols = g.reshape(m, f) @ w.reshape(-1, f).T
    else:
        gg = g.reshape(m, groups, f // groups).transpose(1, 0, 2)
        cols = np.matmul(gg, _group_kernel(w, groups).transpose(0, 2, 1))  # (G, M, K·cg)
        cols = cols.reshape(groups, m, -1, c // groups).transpose(1, 2, 0, 3)
    cols = cols.reshape((n,) + tuple(out) + tuple(kernel) + (c,))
    spatial = x_shape[1:-1]
    full = tuple(max(size + lo, (o - 1) * s + (k - 1) * d + 1)
                 for size, lo, o, s, k, d in zip(spatial, pads_before, out, strides, kernel, dilation))
    buf = np.zeros((n,) + full + (c,), dtype=np.result_type(g, w))
    lead = (slice(None),) * (1 + len(out))
    for offset in itertools.product(*(range(k) for k in kernel)):
        key = (slice(None),) + tuple(slice(i * d, i * d + (o - 1) * s + 1, s)
                                     for i, d, o, s in zip(offset, dilation, out, strides))
        buf[key] += cols[lead + offset]
    crop = (slice(None),) + tuple(slice(lo, lo + size) for lo, size in zip(pads_before, spatial))
    return buf[crop]


def conv_kernel_grad(x, g, kernel, strides, dilation, pads, groups=1):
    """Adjoint of ``conv_array`` in w: the kernel gradient (*kernel, C/groups, F)."""
    out = g.shape[1:-1]
    f = g.shape[-1]
    cols, _ = _columns(x, kernel, strides, dilation, pads, groups, out)
    if groups == 1:
        return (cols.T @ g.reshape(-1, f)).reshape(tuple(kernel) + (x.shape[-1], f))
    # cols: (G, M, K·cg)
    gg = g.reshape(-1, groups, f // groups).transpose(1, 0, 2)
    gw = np.matmul(cols.transpose(0, 2, 1), gg)  # (G, K·cg, F/G)
    cg = x.shape[-1] // groups
    gw = gw.reshape(groups, -1, cg, f // groups).transpose(1, 2, 0, 3)
    return gw.reshape(tuple(kernel) + (cg, f))


# --- convolution ------------------------------------------------------------------------
# Bias and relu are fused in place (one tape record, no extra pass over the output), as
# the dense op does: the conv benchmark's output is the largest array of the step.
@primitive
def conv_nd(x, kernel, bias=None, strides=1, dilation=1, pads=None, groups=1, activation=None):
    """activation(x ⋆ kernel + bias), activation in (None, "relu").

    x (N, *in, C), kernel (*k, C/groups, F), bias (F,) -> (N, *out, F). ``strides`` and
    ``dilation`` are tuples (one per spatial axis); ``pads`` (before, after) pairs.
    """
    if bias is not None and groups == 1:
        # The bias rides in the matmul (a column of ones against a row of biases): no
        # separate pass over the output, the step's largest array.
        f = kernel.shape[-1]
        cols, out = _columns(x, kernel.shape[:-2], strides, dilation, pads, 1, ones=True)
        z = (cols @ np.concatenate([kernel.reshape(-1, f), bias.reshape(1, f)])).reshape(
            (x.shape[0],) + tuple(out) + (f,))
    else:
        z = conv_array(x, kernel, strides, dilation, pads, groups)
        if bias is not None:
            z += bias
    if activation == "relu":
        np.maximum(z, 0, out=z)
    return z


@conv_nd.defvjp
def _(g, ans, needs, x, kernel, bias=None, strides=1, dilation=1, pads=None, groups=1, activation=None):
    dz = g * (ans > 0) if activation == "relu" else g
    gx = gk = gb = None
    if needs[0]:
        gx = conv_input_grad(dz, kernel, x.shape, strides, dilation, [p[0] for p in pads], groups)
    if bias is not None and groups == 1 and (needs[1] or needs[2]):
        # Kernel and bias gradients from one matmul, the bias's against the ones column.
        f = kernel.shape[-1]
        cols, _ = _columns(x, kernel.shape[:-2], strides, dilation, pads, 1, dz.shape[1:-1], ones=True)
        both = cols.T @ dz.reshape(-1, f)
        gk = both[:-1].reshape(kernel.shape) if needs[1] else None
        gb = both[-1] if needs[2] else None
        return gx, gk, gb
    if needs[1]:
        gk = conv_kernel_grad(x, dz, kernel.shape[:-2], strides, dilation, pads, groups)
    if bias is not None and needs[2]:
        gb = column_sums(dz)
    return gx, gk, gb


@primitive
def conv_transpose_nd(x, kernel, bias=None, strides=1, dilation=1, pads_before=None, out_spatial=None):
    """Transposed convolution: the input gradient of ``conv_nd`` applied to x.

    x (N, *in, C), kernel (*k, F, C) (Keras's layout), bias (F,) -> (N, *out_spatial, F).
    """
    y = conv_input_grad(x, kernel, (x.shape[0],) + tuple(out_spatial) + (kernel.shape[-2],),
                        strides, dilation, pads_before)
    if bias is not None:
        y = y + bias
    return np.ascontiguousarray(y)


@conv_transpose_nd.defvjp
def _(g, ans, needs, x, kernel, bias=None, strides=1, dilation=1, pads_before=None, out_spatial=None):
    # The forward convolution this transposes: its padded input must hold every window.
    spatial = x.shape[1:-1]
    pads = tuple((lo, max((n - 1) * s + (k - 1) * d + 1 - size - lo, 0))
                 for lo, n, s, k, d, size in zip(pads_before, spatial, strides, kernel.shape[:-2],
                                                 dilation, out_spatial))
    gx = gk = gb = None
    if needs[0]:
        gx = conv_array(g, kernel, strides, dilation, pads, out=spatial)
    if needs[1]:
        gk = conv_kernel_grad(g, x, kernel.shape[:-2], strides, dilation, pads)
    if bias is not None and needs[2]:
        gb = column_sums(g)
    return gx, gk, gb


# --- pooling ----------------------------------------------------------------------------
# A pool is a reduction over a few window offsets: one whole-array op per offset
# (np.maximum of strided slices) was measured 4x faster than reducing a window view.
def _offsets(pool, out, strides):
    """Per window offset, the strided slice of the padded input it reads."""
    for offset in itertools.product(*(range(p) for p in pool)):
        yield (slice(None),) + tuple(slice(i, i + (o - 1) * s + 1, s)
                                     for i, o, s in zip(offset, out, strides))


def _pool_out(xp, pool, strides):
    return _valid_out(xp.shape[1:-1], pool, strides, (1,) * len(pool))


def _crop(buf, pads, shape):
    return buf[(slice(None),) + tuple(slice(lo, lo + n) for (lo, _), n in zip(pads, shape[1:-1]))]


@primitive
def max_pool_nd(x, pool=(2, 2), strides=(2, 2), pads=None):
    """Maximum over each window. x (N, *in, C) -> (N, *out, C); padding never wins."""
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    xp = _pad(x, pads, fill)
    out = None
    for key in _offsets(pool, _pool_out(xp, pool, strides), strides):
        out = xp[key].copy() if out is None else np.maximum(out, xp[key], out=out)
    return out


@max_pool_nd.defvjp
def _(g, ans, needs, x, pool=(2, 2), strides=(2, 2), pads=None):
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    xp = _pad(x, pads, fill)
    out = ans.shape[1:-1]
    # Windows that tile the input exactly write each element once: no zero-fill, no adds.
    tiles = tuple(pool) == tuple(strides) and xp is x and all(
        o * s == n for o, s, n in zip(out, strides, x.shape[1:-1]))
    buf = np.empty(xp.shape, g.dtype) if tiles else np.zeros(xp.shape, g.dtype)
    free = None  # windows whose maximum is not yet claimed: ties go to the first, as in TF
    for key in _offsets(pool, out, strides):
        hit = xp[key] == ans
        if free is None:
            free = ~hit
        else:
            hit &= free
            free ^= hit  # hit is within free: this clears the windows just claimed
        if tiles:
            np.multiply(g, hit, out=buf[key])
        else:
            buf[key] += g * hit
    return (buf if xp is x else _crop(buf, pads, x.shape)),


def _window_counts(spatial, pool, strides, pads, out, dtype):
    """How many real (unpadded) elements each window covers: (1, *out, 1)."""
    ones = _pad(np.ones((1,) + tuple(spatial) + (1,), dtype), pads)
    count = np.zeros((1,) + tuple(out) + (1,), dtype)
    for key in _offsets(pool, out, strides):
        count += ones[key]
    return count


@primitive
def avg_pool_nd(x, pool=(2, 2), strides=(2, 2), pads=None):
    """Mean over each window's real elements (padding is not counted, as in Keras)."""
    xp = _pad(x, pads)
    out = _pool_out(xp, pool, strides)
    total = None
    for key in _offsets(pool, out, strides):
        total = xp[key].copy() if total is None else np.add(total, xp[key], out=total)
    if xp is x:
        return total / math.prod(pool)
    return total / _window_counts(x.shape[1:-1], pool, strides, pads, out, x.dtype)


@avg_pool_nd.defvjp
def _(g, ans, needs, x, pool=(2, 2), strides=(2, 2), pads=None):
    out = ans.shape[1:-1]
    padded = any(lo or hi for lo, hi in pads)
    if padded:
        share = g / _window_counts(x.shape[1:-1], pool, strides, pads, out, g.dtype)
    else:
        share = g / math.prod(pool)
    spatial = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[1:-1], pads))
    buf = np.zeros((x.shape[0],) + spatial + (x.shape[-1],), g.dtype)
    for key in _offsets(pool, out, strides):
        buf[key] += share
    return (_crop(buf, pads, x.shape) if padded else buf),
