"""Convolution layers: Keras shapes, parameter counts, names, errors, config, and outputs and
gradients against direct loops (the loops are written here, from the definitions)."""
import itertools

import numpy as np
import pytest

from gradiente import layers
from gradiente.testing import check_gradients


def rand(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape)


def loop_conv(x, w, b, strides, dilation, pads, groups=1):
    """y[n, p, f] = sum over kernel offsets q and channels c of its group of
    xpad[n, p·stride + q·dilation, c] · w[q, c, f], plus b[f]."""
    xp = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
    k = w.shape[:-2]
    cg, filters = w.shape[-2], w.shape[-1]
    out = [(xp.shape[1 + i] - (k[i] - 1) * dilation[i] - 1) // strides[i] + 1 for i in range(len(k))]
    y = np.zeros((x.shape[0], *out, filters))
    for pos in itertools.product(*(range(o) for o in out)):
        for f in range(filters):
            g = f // (filters // groups)
            for q in itertools.product(*(range(n) for n in k)):
                idx = tuple(p * s + qq * d for p, s, qq, d in zip(pos, strides, q, dilation))
                patch = xp[(slice(None),) + idx + (slice(g * cg, (g + 1) * cg),)]
                y[(slice(None),) + pos + (f,)] += patch @ w[q + (slice(None), f)]
    return y + (0 if b is None else b)


def same_pads(sizes, kernel, strides, dilation=None):
    """TensorFlow's 'same': total = max((ceil(n/s) - 1)·s + span - n, 0), extra after."""
    dilation = dilation or (1,) * len(sizes)
    out = []
    for n, k, s, d in zip(sizes, kernel, strides, dilation):
        total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
        out.append((total // 2, total - total // 2))
    return out


def weights(layer):
    return [w.numpy() for w in layer.weights]


# --- Keras facts: parameter counts, shapes, names -------------------------------------------
@pytest.mark.parametrize("make,shape,out_shape,params", [
    (lambda: layers.Conv2D(32, 3), (28, 28, 1), (None, 26, 26, 32), 320),
    (lambda: layers.Conv2D(64, 3, padding="same"), (14, 14, 32), (None, 14, 14, 64), 18_496),
    (lambda: layers.Conv2D(8, 5, strides=2), (28, 28, 3), (None, 12, 12, 8), 608),
    (lambda: layers.Conv1D(4, 3), (10, 2), (None, 8, 4), 28),
    (lambda: layers.Conv2DTranspose(8, 3), (7, 7, 4), (None, 9, 9, 8), 296),
    (lambda: layers.SeparableConv2D(8, 3), (7, 7, 4), (None, 5, 5, 8), 76),
    (lambda: layers.DepthwiseConv2D(3), (7, 7, 4), (None, 5, 5, 4), 40),
    (lambda: layers.Conv3D(2, 2), (4, 4, 4, 3), (None, 3, 3, 3, 2), 50),
])
def test_keras_parameter_counts_and_shapes(make, shape, out_shape, params):
    layer = make()
    out = layer(layers.Input(shape))
    assert tuple(out.shape) == out_shape
    assert layer.count_params() == params
    x = rand(2, *shape).astype("float32")
    assert layer(x).shape == (2,) + out_shape[1:]


def test_kernel_layouts_follow_keras():
    conv = layers.Conv2D(6, (3, 2), groups=2)
    conv(np.zeros((1, 5, 5, 4), "float32"))
    assert [w.shape for w in conv.weights] == [(3, 2, 2, 6), (6,)]
    assert [w.name for w in conv.weights] == ["kernel", "bias"]
    tconv = layers.Conv2DTranspose(8, 3)
    tconv(np.zeros((1, 7, 7, 4), "float32"))
    assert tconv.kernel.shape == (3, 3, 8, 4)
    sep = layers.SeparableConv2D(8, 3, depth_multiplier=2)
    sep(np.zeros((1, 7, 7, 4), "float32"))
    assert [(w.name, w.shape) for w in sep.weights] == [
        ("depthwise_kernel", (3, 3, 4, 2)), ("pointwise_kernel", (1, 1, 8, 8)), ("bias", (8,))]
    dw = layers.DepthwiseConv2D(3, depth_multiplier=3, use_bias=False)
    dw(np.zeros((1, 7, 7, 4), "float32"))
    assert [(w.name, w.shape) for w in dw.weights] == [("kernel", (3, 3, 4, 3))]


def test_automatic_names():
    from gradiente import backend

    backend.clear_session()
    assert layers.Conv2D(1, 1).name == "conv2d"
    assert layers.Conv2D(1, 1).name == "conv2d_1"
    assert layers.Conv2DTranspose(1, 1).name == "conv2d_transpose"
    assert layers.SeparableConv2D(1, 1).name == "separable_conv2d"
    assert layers.DepthwiseConv2D(1).name == "depthwise_conv2d"
    assert layers.Conv1D(1, 1).name == "conv1d"
    assert layers.Convolution2D is layers.Conv2D


# --- errors that teach ----------------------------------------------------------------------
def test_rank3_batch_asks_for_a_channel_axis():
    conv = layers.Conv2D(4, 3)
    with pytest.raises(ValueError) as err:
        conv(np.zeros((2, 28, 28), "float32"))
    text = str(err.value)
    for part in ["expected min_ndim=4, found ndim=3", "(2, 28, 28)", "(batch, rows, cols, channels)",
                 "Reshape((28, 28, 1))", "x[..., None]"]:
        assert part in text
    with pytest.raises(ValueError, match=r"Reshape\(\(28, 28, 1\)\)"):
        layers.Conv2D(4, 3)(layers.Input((28, 28)))


def test_conv1d_on_rank2_input_names_its_layout():
    with pytest.raises(ValueError, match=r"\(batch, steps, channels\).*Reshape\(\(10, 1\)\)"):
        layers.Conv1D(4, 3)(layers.Input((10,)))


def test_kernel_larger_than_input_names_both_sizes():
    with pytest.raises(ValueError, match=r"kernel \(5, 5\) is larger than its input \(3, 3\) with padding='valid'"):
        layers.Conv2D(2, 5)(np.zeros((1, 3, 3, 1), "float32"))
    with pytest.raises(ValueError, match=r"kernel \(5, 5\).*input \(4, 4\)"):
        layers.Conv2D(2, 5)(layers.Input((4, 4, 1)))
    # 'same' pads it: fine.
    assert layers.Conv2D(2, 5, padding="same")(np.zeros((1, 3, 3, 1), "float32")).shape == (1, 3, 3, 2)


@pytest.mark.parametrize("kwargs,match", [
    (dict(filters=2, kernel_size=3, padding="full"), r"padding.*received padding='full'"),
    (dict(filters=2, kernel_size=3, padding="causal"), r"received padding='causal'"),
    (dict(filters=2, kernel_size=3, strides=0), r"strides=0"),
    (dict(filters=2, kernel_size=(3, 3, 3)), r"kernel_size=\(3, 3, 3\)"),
    (dict(filters=2, kernel_size=3, dilation_rate=-1), r"dilation_rate=-1"),
    (dict(filters=0, kernel_size=3), r"filters=0"),
    (dict(filters=3, kernel_size=3, groups=2), r"divisible by `groups`"),
    (dict(filters=2, kernel_size=3, data_format="NHWC"), r"data_format='NHWC'"),
])
def test_bad_arguments_rejected_at_construction(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.Conv2D(**kwargs)


def test_groups_must_divide_the_input_channels():
    with pytest.raises(ValueError, match=r"input channels \(3\) must be divisible by groups=2"):
        layers.Conv2D(4, 1, groups=2)(np.zeros((1, 2, 2, 3), "float32"))


# --- outputs against the loop ---------------------------------------------------------------
CONV_CASES = [
    (layers.Conv1D, (7, 2), dict(filters=3, kernel_size=3)),
    (layers.Conv1D, (7, 2), dict(filters=2, kernel_size=3, padding="causal", dilation_rate=2)),
    (layers.Conv1D, (8, 2), dict(filters=2, kernel_size=2, padding="same", strides=3)),
    (layers.Conv2D, (5, 6, 2), dict(filters=3, kernel_size=(3, 2))),
    (layers.Conv2D, (6, 5, 2), dict(filters=2, kernel_size=3, strides=2, padding="same")),
    (layers.Conv2D, (7, 6, 2), dict(filters=2, kernel_size=2, dilation_rate=(2, 1))),
    (layers.Conv2D, (5, 5, 4), dict(filters=4, kernel_size=3, groups=2, padding="same")),
    (layers.Conv2D, (5, 6, 2), dict(filters=3, kernel_size=2, strides=(1, 2), data_format="channels_first")),
    (layers.Conv3D, (4, 3, 4, 2), dict(filters=2, kernel_size=(2, 2, 3), padding="same")),
]


def _pads_for(spatial, kw, rank):
    kernel = kw["kernel_size"]
    kernel = (kernel,) * rank if isinstance(kernel, int) else kernel
    strides = kw.get("strides", 1)
    strides = (strides,) * rank if isinstance(strides, int) else strides
    dilation = kw.get("dilation_rate", 1)
    dilation = (dilation,) * rank if isinstance(dilation, int) else dilation
    padding = kw.get("padding", "valid")
    if padding == "valid":
        pads = [(0, 0)] * rank
    elif padding == "causal":
        pads = [((kernel[0] - 1) * dilation[0], 0)]
    else:
        pads = same_pads(spatial, kernel, strides, dilation)
    return strides, dilation, pads


@pytest.mark.parametrize("cls,shape,kw", CONV_CASES)
def test_conv_layers_match_loop_and_compute_output_shape(cls, shape, kw):
    layer = cls(dtype="float64", bias_initializer="glorot_uniform", **kw)
    x = rand(2, *shape, seed=1)
    y = layer(x).numpy()
    rank = len(shape) - 1
    first = kw.get("data_format") == "channels_first"
    xl = np.moveaxis(x, 1, -1) if first else x
    strides, dilation, pads = _pads_for(xl.shape[1:-1], kw, rank)
    want = loop_conv(xl, layer.kernel.numpy(), layer.bias.numpy(), strides, dilation, pads, kw.get("groups", 1))
    np.testing.assert_allclose(np.moveaxis(y, 1, -1) if first else y, want, atol=1e-12)
    assert layer.compute_output_shape((None,) + shape) == (None,) + y.shape[1:]
    assert tuple(cls(**kw)(layers.Input(shape)).shape) == (None,) + y.shape[1:]


@pytest.mark.parametrize("cls,shape,kw", CONV_CASES)
def test_conv_layer_gradients(cls, shape, kw):
    layer = cls(dtype="float64", bias_initializer="glorot_uniform", **kw)
    x = rand(1, *shape, seed=2)
    layer(x)
    check_gradients(lambda t: layer(t), x, variables=layer.trainable_weights)


def test_activation_is_applied_fused_or_not():
    x = rand(2, 5, 5, 2, seed=3)
    for act, fn in [("relu", lambda z: np.maximum(z, 0)), ("tanh", np.tanh), (None, lambda z: z)]:
        layer = layers.Conv2D(3, 3, activation=act, dtype="float64", bias_initializer="glorot_uniform")
        y = layer(x).numpy()
        z = loop_conv(x, layer.kernel.numpy(), layer.bias.numpy(), (1, 1), (1, 1), [(0, 0), (0, 0)])
        np.testing.assert_allclose(y, fn(z), atol=1e-12)
        check_gradients(lambda t: layer(t), x, variables=layer.trainable_weights)


def test_use_bias_false_and_float32_compute():
    layer = layers.Conv2D(3, 3, use_bias=False)
    y = layer(rand(1, 5, 5, 2).astype("float32"))
    assert layer.bias is None and len(layer.weights) == 1
    assert y.dtype == np.float32


# --- transposed, depthwise, separable --------------------------------------------------------
def loop_conv_transpose(x, w, b, strides, before, out):
    """y[p·s + q - before] += x[p] · w[q]ᵀ, kept inside the output."""
    y = np.zeros((x.shape[0], *out, w.shape[-2]))
    for p in itertools.product(*(range(n) for n in x.shape[1:-1])):
        for q in itertools.product(*(range(n) for n in w.shape[:-2])):
            idx = tuple(pp * s + qq - lo for pp, s, qq, lo in zip(p, strides, q, before))
            if all(0 <= i < o for i, o in zip(idx, out)):
                y[(slice(None),) + idx] += x[(slice(None),) + p] @ w[q].T
    return y + b


@pytest.mark.parametrize("cls,shape,kw,out,before", [
    # valid: out = n·s + max(k - s, 0); same: out = n·s, before = ((n-1)·s + k - out) // 2
    (layers.Conv2DTranspose, (3, 4, 2), dict(filters=3, kernel_size=3), (5, 6), (0, 0)),
    (layers.Conv2DTranspose, (3, 3, 2), dict(filters=2, kernel_size=3, strides=2, padding="same"), (6, 6), (0, 0)),
    (layers.Conv2DTranspose, (3, 3, 2), dict(filters=2, kernel_size=4, strides=2, padding="same"), (6, 6), (1, 1)),
    (layers.Conv2DTranspose, (3, 2, 2), dict(filters=2, kernel_size=3, strides=2, output_padding=1), (8, 6), (0, 0)),
    (layers.Conv1DTranspose, (4, 2), dict(filters=2, kernel_size=2, strides=3), (12,), (0,)),
])
def test_transposed_conv_matches_scatter_loop(cls, shape, kw, out, before):
    layer = cls(dtype="float64", bias_initializer="glorot_uniform", **kw)
    x = rand(2, *shape, seed=4)
    y = layer(x).numpy()
    strides = kw.get("strides", 1)
    strides = (strides,) * len(out) if isinstance(strides, int) else strides
    want = loop_conv_transpose(x, layer.kernel.numpy(), layer.bias.numpy(), strides, before, out)
    np.testing.assert_allclose(y, want, atol=1e-12)
    assert layer.compute_output_shape((None,) + shape) == (None,) + y.shape[1:]
    check_gradients(lambda t: layer(t), x[:1], variables=layer.trainable_weights)


def test_transposed_conv_channels_first_and_relu():
    layer = layers.Conv2DTranspose(2, 3, strides=2, padding="same", activation="relu",
                                   data_format="channels_first", dtype="float64",
                                   bias_initializer="glorot_uniform")
    x = rand(2, 3, 4, 4, seed=5)
    y = layer(x).numpy()
    assert y.shape == (2, 2, 8, 8)
    ref = layers.Conv2DTranspose(2, 3, strides=2, padding="same", dtype="float64")
    ref(np.moveaxis(x, 1, -1))
    ref.set_weights(layer.get_weights())
    np.testing.assert_allclose(y, np.moveaxis(np.maximum(ref(np.moveaxis(x, 1, -1)).numpy(), 0), -1, 1))
    check_gradients(lambda t: layer(t), x[:1], variables=layer.trainable_weights)


def test_output_padding_must_be_below_stride():
    with pytest.raises(ValueError, match=r"output_padding=2 with strides=\(2, 2\)"):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=2)


def test_depthwise_matches_per_channel_loop():
    layer = layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", strides=2, dtype="float64",
                                   bias_initializer="glorot_uniform")
    x = rand(2, 5, 6, 3, seed=6)
    y = layer(x).numpy()
    k, b = layer.kernel.numpy(), layer.bias.numpy()
    pads = same_pads((5, 6), (3, 3), (2, 2))
    want = np.zeros_like(y)
    for c in range(3):
        for m in range(2):
            single = loop_conv(x[..., c:c + 1], k[:, :, c:c + 1, m:m + 1], None, (2, 2), (1, 1), pads)
            want[..., c * 2 + m] = single[..., 0] + b[c * 2 + m]
    np.testing.assert_allclose(y, want, atol=1e-12)
    check_gradients(lambda t: layer(t), x[:1], variables=layer.trainable_weights)


def test_separable_is_depthwise_then_pointwise():
    layer = layers.SeparableConv2D(4, 3, depth_multiplier=2, activation="relu", dtype="float64",
                                   bias_initializer="glorot_uniform")
    x = rand(2, 5, 5, 3, seed=7)
    y = layer(x).numpy()
    dk, pk, b = (w.numpy() for w in layer.weights)
    inner = np.zeros((2, 3, 3, 6))
    for c in range(3):
        for m in range(2):
            inner[..., c * 2 + m] = loop_conv(x[..., c:c + 1], dk[:, :, c:c + 1, m:m + 1], None, (1, 1), (1, 1),
                                              [(0, 0), (0, 0)])[..., 0]
    np.testing.assert_allclose(y, np.maximum(inner @ pk[0, 0] + b, 0), atol=1e-12)
    check_gradients(lambda t: layer(t), x[:1], variables=layer.trainable_weights)


def test_depthwise_and_separable_1d():
    x = rand(1, 7, 2, seed=8)
    for layer in [layers.DepthwiseConv1D(3, depth_multiplier=2, dtype="float64"),
                  layers.SeparableConv1D(3, 2, padding="same", dtype="float64")]:
        y = layer(x)
        assert layer.compute_output_shape((None, 7, 2)) == (None,) + y.shape[1:]
        check_gradients(lambda t: layer(t), x, variables=layer.trainable_weights)


# --- config --------------------------------------------------------------------------------
@pytest.mark.parametrize("layer", [
    layers.Conv2D(4, 3, strides=2, padding="same", dilation_rate=1, groups=2, activation="relu",
                  kernel_regularizer="l2", name="c"),
    layers.Conv1D(2, 5, padding="causal", dilation_rate=2, use_bias=False),
    layers.Conv3D(2, (1, 2, 3), data_format="channels_first"),
    layers.Conv2DTranspose(3, 3, strides=2, output_padding=1, activation="tanh"),
    layers.Conv1DTranspose(3, 2),
    layers.DepthwiseConv2D(3, depth_multiplier=2, depthwise_initializer="he_normal"),
    layers.SeparableConv2D(5, 3, depth_multiplier=2, pointwise_initializer="zeros"),
])
def test_get_config_round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    assert config["padding"] in ("valid", "same", "causal")
    assert isinstance(config["kernel_size"], tuple)


def test_conv2d_config_defaults_match_keras():
    config = layers.Conv2D(32, 3).get_config()
    assert config["kernel_size"] == (3, 3) and config["strides"] == (1, 1)
    assert config["padding"] == "valid" and config["data_format"] == "channels_last"
    assert config["dilation_rate"] == (1, 1) and config["groups"] == 1
    assert config["activation"] == "linear" and config["use_bias"] is True
