"""keras.ops.conv and keras.ops.moments: Keras's arguments and values, gradients included."""
import numpy as np
import pytest

from gradiente import ops
from gradiente.testing import check_gradients

RNG = np.random.default_rng(0)


def direct_conv2d(x, w, stride, pad):
    """Cross-correlation by loops: x (N, H, W, C), w (kh, kw, C/g, F), pad ((t, b), (l, r))."""
    x = np.pad(x, ((0, 0),) + tuple(pad) + ((0, 0),))
    kh, kw, cg, f = w.shape
    groups = x.shape[-1] // cg
    oh, ow = (x.shape[1] - kh) // stride + 1, (x.shape[2] - kw) // stride + 1
    out = np.zeros((x.shape[0], oh, ow, f))
    per = f // groups
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw]
            for g in range(groups):
                cols = slice(g * per, (g + 1) * per)
                out[:, i, j, cols] = np.tensordot(patch[..., g * cg:(g + 1) * cg], w[..., cols], 3)
    return out


def test_conv_valid_same_strides_and_groups_match_loops():
    x = RNG.normal(size=(2, 6, 5, 4))
    w = RNG.normal(size=(3, 2, 4, 6))
    np.testing.assert_allclose(ops.conv(x, w).numpy(), direct_conv2d(x, w, 1, ((0, 0), (0, 0))), atol=1e-10)
    # 'same' with stride 2 pads as TensorFlow: the odd element after.
    np.testing.assert_allclose(ops.conv(x, w, strides=2, padding="same").numpy(),
                               direct_conv2d(x, w, 2, ((0, 1), (0, 1))), atol=1e-10)
    grouped = RNG.normal(size=(3, 2, 2, 6))
    np.testing.assert_allclose(ops.conv(x, grouped).numpy(), direct_conv2d(x, grouped, 1, ((0, 0), (0, 0))),
                               atol=1e-10)


def test_conv_channels_first_and_gradients():
    x = RNG.normal(size=(2, 4, 6, 5))
    w = RNG.normal(size=(3, 2, 4, 3))
    first = ops.conv(x, w, data_format="channels_first").numpy()
    last = ops.conv(np.moveaxis(x, 1, -1), w).numpy()
    np.testing.assert_allclose(first, np.moveaxis(last, -1, 1), atol=1e-10)
    check_gradients(lambda a, b: ops.conv(a, b, strides=(1, 2), padding="same"), x[:, :, :4, :4].transpose(0, 2, 3, 1), w)


def test_conv_errors_say_what_is_wrong():
    x = np.zeros((1, 4, 4, 3))
    with pytest.raises(ValueError, match="multiple of the kernel's 2 input channels"):
        ops.conv(x, np.zeros((2, 2, 2, 1)))
    with pytest.raises(ValueError, match="padding"):
        ops.conv(x, np.zeros((2, 2, 3, 1)), padding="causal")
    with pytest.raises(ValueError, match="does not fit"):
        ops.conv(x, np.zeros((5, 5, 3, 1)))


def test_moments_are_mean_and_population_variance():
    x = RNG.normal(size=(3, 4, 5))
    mean, var = ops.moments(x, axes=[0, 2])
    np.testing.assert_allclose(mean.numpy(), x.mean(axis=(0, 2)))
    np.testing.assert_allclose(var.numpy(), x.var(axis=(0, 2)), rtol=1e-10)
    mean_k, var_k = ops.moments(x, axes=[1], keepdims=True)
    assert mean_k.shape == (3, 1, 5) and var_k.shape == (3, 1, 5)
    check_gradients(lambda a: ops.moments(a, axes=[0, 1])[1], x)
