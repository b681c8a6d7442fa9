"""keras.ops.nn functions (ops/conv_api.py, ops/nn_functions.py, ops/ranking.py): Keras 3's
shapes and values from its nn_test.py / math_test.py, and gradients."""
import numpy as np
import pytest

from gradiente import ops
from gradiente.testing import check_gradients

from test_conv_api import direct_conv2d

RNG = np.random.default_rng(3)


def value(x):
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


# --- convolutions and pools -------------------------------------------------------------
def test_depthwise_conv_is_one_group_per_channel():
    x, k = RNG.normal(size=(2, 6, 5, 3)), RNG.normal(size=(3, 2, 3, 2))
    out = value(ops.depthwise_conv(x, k))
    assert out.shape == (2, 4, 4, 6)
    for c in range(3):  # output channels c·multiplier + m come from input channel c
        ref = direct_conv2d(x[..., c:c + 1], k[:, :, c:c + 1, :], 1, ((0, 0), (0, 0)))
        np.testing.assert_allclose(out[..., 2 * c:2 * c + 2], ref, atol=1e-10)
    assert ops.depthwise_conv(x, k, strides=2, padding="same").shape == (2, 3, 3, 6)
    first = ops.depthwise_conv(np.moveaxis(x, -1, 1), k, data_format="channels_first")
    np.testing.assert_allclose(value(first), np.moveaxis(out, -1, 1), atol=1e-10)
    with pytest.raises(ValueError, match="channels"):
        ops.depthwise_conv(x, RNG.normal(size=(3, 2, 4, 2)))


def test_separable_conv_is_depthwise_then_pointwise():
    x, dk, pk = RNG.normal(size=(2, 6, 6, 3)), RNG.normal(size=(2, 2, 3, 2)), RNG.normal(size=(1, 1, 6, 4))
    out = value(ops.separable_conv(x, dk, pk, strides=2, padding="same"))
    mid = value(ops.depthwise_conv(x, dk, strides=2, padding="same"))
    np.testing.assert_allclose(out, direct_conv2d(mid, pk, 1, ((0, 0), (0, 0))), atol=1e-10)
    check_gradients(lambda a, b, c: ops.separable_conv(a, b, c), x[:1, :4, :4], dk, pk)


@pytest.mark.parametrize("shape,kernel,strides,padding,output_padding,expected", [
    ((2, 4, 3), (2, 5, 3), 2, "valid", None, (2, 8, 5)),
    ((2, 4, 3), (2, 5, 3), 2, "same", None, (2, 8, 5)),
    ((2, 4, 3), (2, 5, 3), 5, "valid", 4, (2, 21, 5)),
    ((2, 4, 4, 3), (2, 2, 5, 3), 2, "valid", None, (2, 8, 8, 5)),
    ((2, 4, 4, 3), (2, 2, 5, 3), (2, 2), "same", None, (2, 8, 8, 5)),
    ((2, 4, 4, 3), (2, 2, 5, 3), (5, 5), "valid", 4, (2, 21, 21, 5)),
])
def test_conv_transpose_shapes_as_keras(shape, kernel, strides, padding, output_padding, expected):
    out = ops.conv_transpose(np.ones(shape), np.ones(kernel), strides, padding=padding, output_padding=output_padding)
    assert out.shape == expected


@pytest.mark.parametrize("size,strides,padding", [(7, 1, "valid"), (7, 2, "valid"), (8, 2, "same"), (7, 1, "same")])
def test_conv_transpose_is_the_adjoint_of_conv(size, strides, padding):
    x, k = RNG.normal(size=(1, size, 6, 3)), RNG.normal(size=(3, 2, 3, 4))  # conv: 3 -> 4 channels
    y = value(ops.conv(x, k, strides=strides, padding=padding))
    g = RNG.normal(size=y.shape)
    # <conv(x), g> = <x, conv_transpose(g)>, the kernel read as (*k, out=3, in=4)
    back = value(ops.conv_transpose(g, k, strides=strides, padding=padding))
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(y * g), np.sum(x * back), rtol=1e-9)
    with pytest.raises(ValueError, match="input channels must match the kernel"):
        ops.conv_transpose(np.ones((2, 4, 3)), np.ones((2, 4, 5)), 2)


def _pool_ref(x, pool, stride, reduce):
    n, h, w, c = x.shape
    oh, ow = (h - pool) // stride + 1, (w - pool) // stride + 1
    out = np.empty((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = reduce(x[:, i * stride:i * stride + pool, j * stride:j * stride + pool], axis=(1, 2))
    return out


def test_max_and_average_pool_values_shapes_and_gradients():
    x = RNG.normal(size=(2, 6, 6, 3))
    np.testing.assert_allclose(value(ops.max_pool(x, 2)), _pool_ref(x, 2, 2, np.max))
    np.testing.assert_allclose(value(ops.average_pool(x, 3, strides=1)), _pool_ref(x, 3, 1, np.mean))
    assert ops.max_pool(x, 2, padding="same", strides=(2, 1)).shape == (2, 3, 6, 3)
    assert ops.average_pool(np.ones((2, 5, 3)), 2, padding="same").shape == (2, 3, 3)
    # 'same' averages count only the real elements of each window.
    np.testing.assert_allclose(value(ops.average_pool(np.ones((1, 5, 1)), 2, padding="same")), np.ones((1, 3, 1)))
    first = ops.max_pool(np.moveaxis(x, -1, 1), 2, data_format="channels_first")
    np.testing.assert_allclose(value(first), np.moveaxis(_pool_ref(x, 2, 2, np.max), -1, 1))
    with pytest.raises(ValueError, match="padding"):
        ops.max_pool(x, 2, padding="causal")
    check_gradients(lambda t: ops.average_pool(t, 2, strides=1, padding="same"), x[:1, :4, :4])


# --- batch_normalization / normalize / psnr ---------------------------------------------
def test_batch_normalization_on_any_axis():
    x = RNG.normal(size=(10, 3, 4, 5))
    mean, var, offset, scale = RNG.normal(size=3), RNG.uniform(0.5, 2, 3), RNG.normal(size=3), RNG.normal(size=3)
    out = value(ops.batch_normalization(x, mean, var, axis=1, offset=offset, scale=scale, epsilon=1e-3))
    b = lambda v: v.reshape(1, 3, 1, 1)  # noqa: E731
    np.testing.assert_allclose(out, (x - b(mean)) / np.sqrt(b(var) + 1e-3) * b(scale) + b(offset), atol=1e-12)
    assert ops.batch_normalization(x[..., 0], RNG.normal(size=4), np.ones(4), axis=-1).shape == (10, 3, 4)
    check_gradients(lambda t, m, v: ops.batch_normalization(t, m, v, axis=-1), x[:2, 0], RNG.normal(size=5),
                    RNG.uniform(0.5, 2, 5))


def test_normalize_values_orders_epsilon_and_validation():
    x = np.array([[1, 2, 3], [1, 2, 3]], np.float32)
    np.testing.assert_allclose(value(ops.normalize(x, axis=None)), [[0.18898225, 0.3779645, 0.56694674]] * 2, rtol=1e-6)
    np.testing.assert_allclose(value(ops.normalize(x, axis=0)), np.full((2, 3), 0.70710677), rtol=1e-6)
    np.testing.assert_allclose(value(ops.normalize(x, axis=-1)), [[0.26726124, 0.53452247, 0.8017837]] * 2, rtol=1e-6)
    np.testing.assert_allclose(value(ops.normalize(x, order=3)), [[0.30285344, 0.6057069, 0.9085603]] * 2, rtol=1e-6)
    np.testing.assert_allclose(value(ops.normalize(np.array([[1e-6, 1e-8]], np.float32), epsilon=1e-5)),
                               [[1e-1, 1e-3]], rtol=1e-5)
    assert ops.normalize(np.ones((1, 2, 3))).shape == (1, 2, 3)
    for order in ("a", -1, 0, 2.0):
        with pytest.raises(ValueError, match="Argument `order` must be an int >= 1"):
            ops.normalize(np.array([1, 2, 3]), order=order)


def test_normalize_zero_vector_has_finite_gradient():
    from gradiente.autodiff import GradientTape, Variable

    x = Variable(np.zeros(3, np.float32))
    with GradientTape() as tape:
        loss = ops.sum(ops.normalize(x, axis=-1, order=2, epsilon=1e-3))
    np.testing.assert_allclose(value(tape.gradient(loss, x)), np.full(3, 1e3), rtol=1e-5)


def test_psnr_matches_its_formula():
    x1 = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    x2 = np.array([[0.2, 0.2, 0.3], [0.4, 0.6, 0.6]])
    expected = 20 * np.log10(1.0) - 10 * np.log10(np.mean(np.square(x1 - x2)))
    out = ops.psnr(x1, x2, 1.0)
    assert out.shape == () and float(out) == pytest.approx(expected)
    with np.errstate(divide="ignore"):
        assert float(ops.psnr(x1, x1, 1.0)) == np.inf  # identical images: no noise
    with pytest.raises(ValueError, match="must match"):
        ops.psnr(np.ones((1, 2, 3)), np.ones((5, 6, 7)), 224)


# --- one_hot / multi_hot ----------------------------------------------------------------
def test_one_hot_and_multi_hot_shapes_and_values():
    x = np.zeros((2, 3, 1), np.int32)
    assert ops.one_hot(x, 5).shape == (2, 3, 1, 5)
    assert ops.one_hot(x, 5, 1).shape == (2, 5, 3, 1)
    assert ops.one_hot(x, 5, 2).shape == (2, 3, 5, 1)
    assert value(ops.one_hot(np.array([1, -1, 2]), 3)).tolist() == [[0, 1, 0], [0, 0, 0], [0, 0, 1]]
    with pytest.raises(ValueError, match="sparse"):
        ops.one_hot(x, 5, sparse=True)
    assert ops.multi_hot(np.zeros(5, np.int32), 5, -1).shape == (5,)
    assert ops.multi_hot(x, 5).shape == (2, 1, 5)
    assert ops.multi_hot(x, 5, 1).shape == (2, 3, 1)
    assert ops.multi_hot(x, 5, 2).shape == (2, 5, 1)
    assert value(ops.multi_hot(np.array([[0, 2], [1, 1]]), 3)).tolist() == [[1, 0, 1], [0, 1, 0]]
    assert value(ops.multi_hot(np.array([[0, 2]]), num_tokens=3)).tolist() == [[1, 0, 1]]
    with pytest.raises(ValueError, match="num_classes"):
        ops.multi_hot(x)


# --- top_k / in_top_k -------------------------------------------------------------------
def test_top_k_values_indices_stability_and_gradient():
    x = np.array([0, 4, 2, 1, 3, -1], np.float32)
    values, indices = ops.top_k(x, 2)
    assert value(values).tolist() == [4, 3] and value(indices).tolist() == [1, 4] and indices.dtype == "int32"
    values, indices = ops.top_k(np.array([[1, 5, 3, 5]], np.float32), 3)
    assert value(values).tolist() == [[5, 5, 3]] and value(indices).tolist() == [[1, 3, 2]]  # ties by index
    _, indices = ops.top_k(x, 3, sorted=False, is_stable=False)
    assert sorted(value(indices).tolist()) == [1, 2, 4]
    check_gradients(lambda t: ops.top_k(t, 2)[0], RNG.normal(size=(3, 5)))


def test_in_top_k():
    targets = np.array([1, 0, 2])
    predictions = np.array([[0.1, 0.7, 0.2], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6]])
    assert value(ops.in_top_k(targets, predictions, 1)).tolist() == [True, False, True]
    assert value(ops.in_top_k(targets, predictions, 2)).tolist() == [True, False, True]
    assert value(ops.in_top_k(targets, predictions, 3)).tolist() == [True, True, True]
    assert value(ops.in_top_k(np.array([0]), np.array([[0.5, 0.5, 0.1]]), 1)).tolist() == [True]  # a tie is in


# --- ctc ----------------------------------------------------------------------------------
CTC_INPUTS = np.array([
    [[0.1, 0.4, 0.2, 0.4], [0.3, -0.3, 0.4, 0.2], [0.3, 0.2, 0.4, 0.3]],
    [[0.7, 0.4, 0.3, 0.2], [0.3, 0.3, 0.4, 0.1], [0.6, -0.1, 0.1, 0.5]],
    [[0.1, 0.4, 0.2, 0.7], [0.3, 0.3, -0.2, 0.7], [0.3, 0.2, 0.4, 0.1]],
])


def test_ctc_decode_greedy_as_keras():
    (decoded,), scores = ops.ctc_decode(CTC_INPUTS, sequence_lengths=[3, 3, 1], strategy="greedy", mask_index=0)
    assert value(decoded).tolist() == [[1, 2, -1], [2, -1, -1], [3, -1, -1]]
    np.testing.assert_allclose(value(scores), [[-1.2], [-1.7], [-0.7]])
    (decoded,), scores = ops.ctc_decode(CTC_INPUTS, [3, 3, 1], merge_repeated=False, mask_index=0)
    assert value(decoded).tolist() == [[1, 2, 2], [2, -1, -1], [3, -1, -1]]
    np.testing.assert_allclose(value(scores), [[-1.2], [-1.7], [-0.7]])
    decoded, scores = ops.ctc_decode(np.zeros((10, 2, 3)), np.full(10, 2))
    assert decoded.shape == (1, 10, 2) and scores.shape == (10, 1)
    with pytest.raises(ValueError, match="strategy"):
        ops.ctc_decode(CTC_INPUTS, [3, 3, 1], strategy="best")


def test_ctc_loss_is_exported():
    out = ops.ctc_loss(np.array([[1, 2, 0]]), RNG.normal(size=(1, 4, 3)), np.array([2]), np.array([4]))
    assert out.shape == (1,)


GRADIENT_CHECKED = set()
NOT_DIFFERENTIABLE = set()
