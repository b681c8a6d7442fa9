"""ONNX export of convolutions (every rank, transposed, depthwise, separable) and pooling,
channels_last (inputs keep their layout) and channels_first."""
import pytest

import gradiente as keras
from gradiente import layers

SPATIAL = {1: (9,), 2: (7, 8), 3: (6, 7, 5)}
CONV = {1: layers.Conv1D, 2: layers.Conv2D, 3: layers.Conv3D}
TRANSPOSE = {1: layers.Conv1DTranspose, 2: layers.Conv2DTranspose, 3: layers.Conv3DTranspose}
POOLS = {1: (layers.MaxPooling1D, layers.AveragePooling1D), 2: (layers.MaxPooling2D, layers.AveragePooling2D),
         3: (layers.MaxPooling3D, layers.AveragePooling3D)}


def _data(rng, rank, channels=3, data_format="channels_last", batch=3):
    spatial = SPATIAL[rank]
    shape = (channels,) + spatial if data_format == "channels_first" else spatial + (channels,)
    return shape, rng.normal(size=(batch,) + shape).astype("float32")


def _check(check_export, randomized, rng, rank, *stack, data_format="channels_last", channels=3):
    shape, x = _data(rng, rank, channels, data_format)
    model = randomized(keras.Sequential([keras.Input(shape), *stack]))
    check_export(model, x, tol=2e-5)


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("padding,strides,dilation", [
    ("valid", 1, 1), ("same", 1, 1), ("same", 2, 1), ("valid", 2, 1), ("same", 1, 2), ("valid", 1, 2),
])
def test_conv(rank, padding, strides, dilation, check_export, randomized, rng):
    conv = CONV[rank](4, 3, strides=strides, padding=padding, dilation_rate=dilation, activation="relu")
    _check(check_export, randomized, rng, rank, conv, CONV[rank](2, 2, use_bias=False, padding="same"))


def test_conv_variants(check_export, randomized, rng):
    _check(check_export, randomized, rng, 1, layers.Conv1D(4, 3, padding="causal", dilation_rate=2),
           layers.Conv1D(4, 2, groups=2, activation="softmax"))
    _check(check_export, randomized, rng, 2, layers.Conv2D(6, (3, 2), strides=(2, 1), groups=3,
                                                            activation="gelu"), channels=3)
    # softmax reads the channels, also for channels_first layers
    _check(check_export, randomized, rng, 2, layers.Conv2D(4, 2, activation="softmax", data_format="channels_first"),
           layers.Conv2DTranspose(3, 2, activation="log_softmax", data_format="channels_first"),
           data_format="channels_first")


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_channels_first(rank, check_export, randomized, rng):
    max_pool, avg_pool = POOLS[rank]
    stack = [CONV[rank](4, 2, padding="same", data_format="channels_first", activation="tanh"),
             max_pool(2, padding="same", data_format="channels_first"),
             TRANSPOSE[rank](3, 2, strides=2, data_format="channels_first"),
             avg_pool(2, data_format="channels_first"), layers.Flatten(data_format="channels_first"),
             layers.Dense(2)]
    _check(check_export, randomized, rng, rank, *stack, data_format="channels_first")


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("padding,strides,dilation,output_padding", [
    ("valid", 1, 1, None), ("same", 1, 1, None), ("same", 2, 1, None), ("valid", 2, 1, None),
    ("valid", 3, 1, None), ("same", 2, 1, 1), ("valid", 2, 2, None), ("same", 1, 2, None),
])
def test_conv_transpose(rank, padding, strides, dilation, output_padding, check_export, randomized, rng):
    layer = TRANSPOSE[rank](3, 2 if strides == 3 else 3, strides=strides, padding=padding,
                            dilation_rate=dilation, output_padding=output_padding, activation="sigmoid")
    _check(check_export, randomized, rng, rank, layer, TRANSPOSE[rank](2, 2, use_bias=False))


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("padding,strides,multiplier", [("valid", 1, 1), ("same", 2, 2), ("same", 1, 3)])
def test_depthwise_and_separable(rank, padding, strides, multiplier, check_export, randomized, rng):
    depthwise = {1: layers.DepthwiseConv1D, 2: layers.DepthwiseConv2D}[rank]
    separable = {1: layers.SeparableConv1D, 2: layers.SeparableConv2D}[rank]
    stack = [depthwise(3, strides=strides, padding=padding, depth_multiplier=multiplier, activation="elu"),
             separable(5, 2, padding=padding, depth_multiplier=multiplier, activation="relu6"),
             separable(2, 2, use_bias=False), depthwise(2, use_bias=False)]
    _check(check_export, randomized, rng, rank, *stack)


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("padding,pool,strides", [("valid", 2, None), ("same", 3, 2), ("valid", 3, 1),
                                                  ("same", 2, 1)])
def test_pooling(rank, padding, pool, strides, check_export, rng):
    max_pool, avg_pool = POOLS[rank]
    shape, x = _data(rng, rank)
    inputs = keras.Input(shape)
    outputs = [max_pool(pool, strides=strides, padding=padding)(inputs),
               avg_pool(pool, strides=strides, padding=padding)(inputs)]
    check_export(keras.Model(inputs, outputs), x)


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_global_pooling(rank, check_export, rng):
    g_max = getattr(layers, f"GlobalMaxPooling{rank}D")
    g_avg = getattr(layers, f"GlobalAveragePooling{rank}D")
    shape, x = _data(rng, rank)
    inputs = keras.Input(shape)
    first = keras.Input((3,) + SPATIAL[rank])
    outputs = [g_max()(inputs), g_avg(keepdims=True)(inputs), g_max(data_format="channels_first")(first),
               g_avg(data_format="channels_first")(first)]
    x_first = rng.normal(size=(3, 3) + SPATIAL[rank]).astype("float32")
    check_export(keras.Model([inputs, first], outputs), x, x_first)


def test_unknown_spatial_sizes(check_export, randomized, rng):
    """'same' with strides on sizes known only at run time uses SAME_UPPER (TensorFlow's split)."""
    inputs = keras.Input((None, None, 2))
    h = layers.Conv2D(3, 3, strides=2, padding="same")(inputs)
    h = layers.MaxPooling2D(3, strides=2, padding="same")(h)
    h = layers.Conv2D(3, 2, padding="valid")(h)
    model = randomized(keras.Model(inputs, layers.GlobalAveragePooling2D()(h)))
    session = check_export(model, rng.normal(size=(3, 11, 9, 2)).astype("float32"))
    other = rng.normal(size=(2, 14, 7, 2)).astype("float32")
    (got,) = session.run(None, {session.get_inputs()[0].name: other})
    import numpy as np
    np.testing.assert_allclose(got, model.predict(other, verbose=0), rtol=1e-5, atol=1e-5)


def test_transpose_needs_known_sizes(tmp_path):
    model = keras.Sequential([keras.Input((None, 2)), layers.Conv1DTranspose(2, 3, name="up")])
    with pytest.raises(ValueError, match=r"'up' \(Conv1DTranspose\).*spatial sizes"):
        model.export(tmp_path / "m.onnx", format="onnx", verbose=False)


def test_custom_convolution_op_is_refused(tmp_path):
    class Standardized(layers.Conv2D):
        def convolution_op(self, inputs, kernel):
            return super().convolution_op(inputs, kernel * 2)

    model = keras.Sequential([keras.Input((5, 5, 1)), Standardized(2, 3, name="std")])
    with pytest.raises(ValueError, match=r"'std' \(Standardized\)"):
        model.export(tmp_path / "m.onnx", format="onnx", verbose=False)


@pytest.mark.filterwarnings("ignore:Layer 'conv1d.*mask stops here")
def test_mask_that_no_layer_reads(check_export, randomized, rng):
    """Convolutions, global max pooling and normalization ignore the mask of mask_zero=True."""
    model = keras.Sequential([keras.Input((7,), dtype="int32"), layers.Embedding(12, 4, mask_zero=True),
                              layers.Conv1D(3, 2), layers.LayerNormalization(), layers.GlobalMaxPooling1D(),
                              layers.Dense(2)])
    ids = rng.integers(0, 12, (4, 7)).astype("int32")
    ids[:, -2:] = 0
    check_export(randomized(model), ids)


def test_masked_average_pooling_is_refused(tmp_path):
    model = keras.Sequential([keras.Input((7,), dtype="int32"), layers.Embedding(12, 4, mask_zero=True),
                              layers.GlobalAveragePooling1D(name="mean")])
    with pytest.raises(ValueError, match=r"'mean' \(GlobalAveragePooling1D\).*mask"):
        model.export(tmp_path / "m.onnx", format="onnx", verbose=False)
