"""The convolution and pooling primitives (gradiente.ops.convolution) against direct loops over
output positions, and their VJPs against finite differences."""
import itertools

import numpy as np
import pytest

from gradiente.ops import convolution as C

from ops_testlib import gradcheck, rand

GRADIENT_CHECKED = {"conv_nd", "conv_transpose_nd", "max_pool_nd", "avg_pool_nd"}
NOT_DIFFERENTIABLE = set()


# --- references: plain loops, written from the definitions --------------------------------
def ref_conv(x, w, b, strides, dilation, pads, groups=1, relu=False):
    """y[n, p, f] = sum_{q, c} xpad[n, p·s + q·d, g(f)·cg + c] · w[q, c, f] + b[f]."""
    xp = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
    k = w.shape[:-2]
    cg, f_total = w.shape[-2], w.shape[-1]
    fg = f_total // groups
    out = [(xp.shape[1 + i] - (k[i] - 1) * dilation[i] - 1) // strides[i] + 1 for i in range(len(k))]
    y = np.zeros((x.shape[0], *out, f_total))
    for pos in itertools.product(*(range(o) for o in out)):
        for f in range(f_total):
            g = f // fg
            acc = np.zeros(x.shape[0])
            for q in itertools.product(*(range(n) for n in k)):
                idx = tuple(p * s + qq * d for p, s, qq, d in zip(pos, strides, q, dilation))
                acc += xp[(slice(None),) + idx + (slice(g * cg, (g + 1) * cg),)] @ w[q + (slice(None), f)]
            y[(slice(None),) + pos + (f,)] = acc + (0 if b is None else b[f])
    return np.maximum(y, 0) if relu else y


def ref_conv_transpose(x, w, b, strides, dilation, before, out):
    """Scatter: y[p·s + q·d - before] += x[p] · w[q]ᵀ, kept where 0 <= index < out."""
    k = w.shape[:-2]
    y = np.zeros((x.shape[0], *out, w.shape[-2]))
    for p in itertools.product(*(range(n) for n in x.shape[1:-1])):
        for q in itertools.product(*(range(n) for n in k)):
            idx = tuple(pp * s + qq * d - lo for pp, s, qq, d, lo in zip(p, strides, q, dilation, before))
            if all(0 <= i < o for i, o in zip(idx, out)):
                y[(slice(None),) + idx] += x[(slice(None),) + p] @ w[q].T
    return y + (0 if b is None else b)


def ref_pool(x, pool, strides, pads, kind):
    """Max or mean of each window's real elements (padding excluded)."""
    spatial = x.shape[1:-1]
    out = [(n + lo + hi - p) // s + 1 for n, (lo, hi), p, s in zip(spatial, pads, pool, strides)]
    y = np.zeros((x.shape[0], *out, x.shape[-1]))
    for pos in itertools.product(*(range(o) for o in out)):
        key = tuple(slice(max(p * s - lo, 0), min(p * s - lo + k, n))
                    for p, s, (lo, _), k, n in zip(pos, strides, pads, pool, spatial))
        window = x[(slice(None),) + key + (slice(None),)]
        axes = tuple(range(1, 1 + len(pool)))
        y[(slice(None),) + pos] = window.max(axis=axes) if kind == "max" else window.mean(axis=axes)
    return y


def tf_same_pads(sizes, kernel, strides, dilation):
    pads = []
    for n, k, s, d in zip(sizes, kernel, strides, dilation):
        out = -(-n // s)
        total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


# --- convolution ------------------------------------------------------------------------
CONV_CASES = [
    # spatial, C, kernel, F, strides, dilation, padding, groups
    ((7,), 2, (3,), 3, (1,), (1,), "valid", 1),
    ((8,), 2, (3,), 2, (2,), (2,), "same", 1),
    ((6,), 2, (2,), 2, (1,), (3,), "causal", 2),
    ((5, 6), 2, (3, 2), 3, (1, 1), (1, 1), "valid", 1),
    ((6, 5), 3, (3, 3), 2, (2, 1), (1, 1), "same", 1),
    ((7, 7), 4, (2, 3), 4, (2, 2), (1, 2), "same", 2),
    ((6, 6), 4, (3, 3), 8, (1, 1), (1, 1), "valid", 4),
    ((5, 6), 5, (3, 2), 3, (2, 1), (1, 1), "same", 1),  # more than 3 channels: position-major im2col
    ((4, 5, 4), 2, (2, 3, 2), 2, (1, 2, 1), (1, 1, 2), "same", 1),
]


def _pads(spatial, kernel, strides, dilation, padding):
    if padding == "valid":
        return ((0, 0),) * len(spatial)
    if padding == "causal":
        return tuple(((k - 1) * d, 0) for k, d in zip(kernel, dilation))
    return tf_same_pads(spatial, kernel, strides, dilation)


@pytest.mark.parametrize("spatial,c,kernel,f,strides,dilation,padding,groups", CONV_CASES)
def test_conv_matches_loop_and_padding_pairs(spatial, c, kernel, f, strides, dilation, padding, groups):
    x = rand(2, *spatial, c, seed=1)
    w = rand(*kernel, c // groups, f, seed=2)
    b = rand(f, seed=3)
    pads = C.padding_pairs(spatial, kernel, strides, dilation, padding)
    assert pads == _pads(spatial, kernel, strides, dilation, padding)
    got = C.conv_nd(x, w, b, strides=strides, dilation=dilation, pads=pads, groups=groups).numpy()
    want = ref_conv(x, w, b, strides, dilation, pads, groups)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    assert got.shape[1:-1] == tuple(C.output_length(n, k, s, d, padding)
                                    for n, k, s, d in zip(spatial, kernel, strides, dilation))


@pytest.mark.parametrize("spatial,c,kernel,f,strides,dilation,padding,groups", CONV_CASES)
def test_conv_gradients(spatial, c, kernel, f, strides, dilation, padding, groups):
    x = rand(1, *spatial, c, seed=4)
    w = rand(*kernel, c // groups, f, seed=5)
    b = rand(f, seed=6)
    pads = C.padding_pairs(spatial, kernel, strides, dilation, padding)
    gradcheck("conv_nd", lambda x, w, b: C.conv_nd(x, w, b, strides=strides, dilation=dilation, pads=pads,
                                                   groups=groups), x, w, b)


def test_conv_fused_relu_matches_and_differentiates():
    x, w, b = rand(2, 5, 5, 2, seed=7), rand(3, 3, 2, 3, seed=8), rand(3, seed=9)
    pads = ((1, 1), (1, 1))
    got = C.conv_nd(x, w, b, strides=(1, 1), dilation=(1, 1), pads=pads, activation="relu").numpy()
    np.testing.assert_allclose(got, ref_conv(x, w, b, (1, 1), (1, 1), pads, relu=True), atol=1e-10)
    gradcheck("conv_nd", lambda x, w, b: C.conv_nd(x, w, b, strides=(1, 1), dilation=(1, 1), pads=pads,
                                                   activation="relu"), x, w, b)


def test_conv_rejects_a_kernel_larger_than_its_input():
    with pytest.raises(ValueError, match=r"kernel \(5, 5\).*larger than the padded input \(3, 3\)"):
        C.conv_nd(np.zeros((1, 3, 3, 1)), np.zeros((5, 5, 1, 1)), strides=(1, 1), dilation=(1, 1),
                  pads=((0, 0), (0, 0)))


# --- transposed convolution ----------------------------------------------------------------
TRANSPOSE_CASES = [
    # spatial, C, kernel, F, strides, dilation, padding, output_padding
    ((4,), 2, (3,), 2, (2,), (1,), "valid", None),
    ((4,), 2, (2,), 3, (3,), (1,), "valid", None),  # kernel shorter than stride: zero tail
    ((5, 4), 2, (3, 3), 3, (1, 1), (1, 1), "valid", None),
    ((3, 4), 3, (3, 2), 2, (2, 2), (1, 1), "same", None),
    ((3, 3), 2, (3, 3), 2, (2, 2), (1, 1), "valid", (1, 1)),
    ((4, 3), 2, (2, 3), 2, (1, 1), (2, 1), "same", None),
    ((3, 3), 2, (3, 3), 2, (2, 3), (1, 1), "same", (1, 2)),
]


def _transpose_geometry(spatial, kernel, strides, dilation, padding, output_padding):
    ops_pad = output_padding or (None,) * len(spatial)
    out = tuple(C.transpose_output_length(n, k, s, d, padding, p)
                for n, k, s, d, p in zip(spatial, kernel, strides, dilation, ops_pad))
    before = tuple(C.transpose_pad_before(n, o, k, s, d, padding)
                   for n, o, k, s, d in zip(spatial, out, kernel, strides, dilation))
    return out, before


@pytest.mark.parametrize("spatial,c,kernel,f,strides,dilation,padding,output_padding", TRANSPOSE_CASES)
def test_conv_transpose_matches_scatter_loop(spatial, c, kernel, f, strides, dilation, padding, output_padding):
    x, w, b = rand(2, *spatial, c, seed=10), rand(*kernel, f, c, seed=11), rand(f, seed=12)
    out, before = _transpose_geometry(spatial, kernel, strides, dilation, padding, output_padding)
    got = C.conv_transpose_nd(x, w, b, strides=strides, dilation=dilation, pads_before=before,
                              out_spatial=out).numpy()
    np.testing.assert_allclose(got, ref_conv_transpose(x, w, b, strides, dilation, before, out), atol=1e-10)


@pytest.mark.parametrize("spatial,c,kernel,f,strides,dilation,padding,output_padding", TRANSPOSE_CASES)
def test_conv_transpose_gradients(spatial, c, kernel, f, strides, dilation, padding, output_padding):
    x, w, b = rand(1, *spatial, c, seed=13), rand(*kernel, f, c, seed=14), rand(f, seed=15)
    out, before = _transpose_geometry(spatial, kernel, strides, dilation, padding, output_padding)
    gradcheck("conv_transpose_nd", lambda x, w, b: C.conv_transpose_nd(
        x, w, b, strides=strides, dilation=dilation, pads_before=before, out_spatial=out), x, w, b)


def test_transposed_output_lengths_follow_keras():
    # Keras: valid -> n·s + max(k - s, 0); same -> n·s; with output_padding p:
    # (n - 1)·s + k - 2·(k // 2 if same else 0) + p.
    assert C.transpose_output_length(7, 3, 1, 1, "valid") == 9
    assert C.transpose_output_length(4, 2, 3, 1, "valid") == 12
    assert C.transpose_output_length(4, 3, 2, 1, "same") == 8
    assert C.transpose_output_length(3, 3, 2, 1, "valid", 1) == 8
    assert C.transpose_output_length(3, 3, 2, 1, "same", 1) == 6


def test_conv_transpose_is_the_adjoint_of_conv():
    # <conv(y, w), x> == <y, conv_transpose(x, w)> for the same geometry.
    y, x, w = rand(2, 9, 8, 3, seed=16), rand(2, 5, 4, 2, seed=17), rand(3, 2, 3, 2, seed=18)
    strides, dilation = (2, 2), (1, 1)
    pads = C.padding_pairs((9, 8), (3, 2), strides, dilation, "same")
    assert C.conv_nd(y, w, strides=strides, dilation=dilation, pads=pads).shape == x.shape
    lhs = np.sum(C.conv_nd(y, w, strides=strides, dilation=dilation, pads=pads).numpy() * x)
    ty = C.conv_transpose_nd(x, w, strides=strides, dilation=dilation,
                             pads_before=[p[0] for p in pads], out_spatial=(9, 8)).numpy()
    np.testing.assert_allclose(lhs, np.sum(y * ty), rtol=1e-10)


# --- pooling ------------------------------------------------------------------------------
POOL_CASES = [
    # spatial, pool, strides, padding
    ((7,), (2,), (2,), "valid"),
    ((7,), (3,), (2,), "same"),
    ((6, 6), (2, 2), (2, 2), "valid"),
    ((7, 5), (3, 2), (2, 1), "valid"),
    ((5, 7), (2, 3), (2, 2), "same"),
    ((4, 5, 3), (2, 2, 2), (2, 2, 1), "same"),
]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("spatial,pool,strides,padding", POOL_CASES)
def test_pool_matches_loop(kind, spatial, pool, strides, padding):
    x = rand(2, *spatial, 3, seed=19)
    pads = C.padding_pairs(spatial, pool, strides, (1,) * len(pool), padding)
    op = C.max_pool_nd if kind == "max" else C.avg_pool_nd
    got = op(x, pool=pool, strides=strides, pads=pads).numpy()
    np.testing.assert_allclose(got, ref_pool(x, pool, strides, pads, kind), atol=1e-12)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("spatial,pool,strides,padding", POOL_CASES)
def test_pool_gradients(kind, spatial, pool, strides, padding):
    x = rand(1, *spatial, 2, seed=20)
    pads = C.padding_pairs(spatial, pool, strides, (1,) * len(pool), padding)
    op = C.max_pool_nd if kind == "max" else C.avg_pool_nd
    gradcheck(f"{kind}_pool_nd", lambda x: op(x, pool=pool, strides=strides, pads=pads), x)


def test_max_pool_gives_a_tied_window_gradient_to_one_element():
    x = np.zeros((1, 4, 4, 1))
    from gradiente.autodiff import GradientTape, Tensor

    t = Tensor(x)
    with GradientTape() as tape:
        tape.watch(t)
        y = C.max_pool_nd(t, pool=(2, 2), strides=(2, 2), pads=((0, 0), (0, 0)))
    g = tape.gradient(y, t).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(g, np.array([[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]]))
