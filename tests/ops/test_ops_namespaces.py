"""keras.ops.nn / numpy / math / core / image as namespaces (ops/namespaces.py): every name
Keras 3 lists in keras/src/ops/{nn,numpy,math,core,image}.py that gradiente has is reachable
through its namespace as the same function as at keras.ops top level; names Keras's
namespace lacks are refused, and Keras names gradiente lacks say so."""
import importlib
import types

import pytest

import gradiente as keras
from gradiente import ops

# Keras 3's exported names per namespace (its keras_export decorators), written out here
# independently of the modules under test.
KERAS = {
    "nn": """adaptive_average_pool adaptive_max_pool average_pool batch_normalization
        binary_crossentropy categorical_crossentropy celu conv conv_transpose ctc_decode
        ctc_loss depth_to_space depthwise_conv dot_product_attention elu fold gelu glu
        hard_shrink hard_sigmoid hard_silu hard_swish hard_tanh layer_normalization leaky_relu
        log_sigmoid log_softmax max_pool moments multi_hot normalize one_hot polar psnr relu
        relu6 rms_normalization selu separable_conv sigmoid silu swish soft_shrink softmax
        softplus softsign space_to_depth sparse_categorical_crossentropy sparse_plus
        sparse_sigmoid sparsemax squareplus tanh_shrink threshold unfold""",
    "math": """cdist erf erfc erfinv extract_sequences fft fft2 gammainc ifft2 in_top_k irfft
        istft logdet logsumexp rfft rsqrt segment_max segment_min segment_prod segment_sum
        stft top_k view_as_complex view_as_real""",
    "core": """associative_scan cast cond convert_to_numpy convert_to_tensor custom_gradient
        dtype fori_loop is_tensor map saturate_cast scan scatter scatter_update shape slice
        slice_update stop_gradient switch unstack vectorized_map while_loop""",
    "numpy": """abs absolute add all allclose amax amin angle any append arange arccos arccosh
        arcsin arcsinh arctan arctan2 arctanh argmax argmin argpartition argsort array
        array_split average bartlett bincount bitwise_and bitwise_invert bitwise_left_shift
        bitwise_not bitwise_or bitwise_right_shift bitwise_xor blackman broadcast_to cbrt ceil
        clip column_stack concatenate conj conjugate copy corrcoef correlate cos cosh
        count_nonzero cross cumprod cumsum deg2rad diag diagflat diagonal diff digitize divide
        divide_no_nan dot dsplit dstack einsum empty empty_like equal exp exp2 expand_dims
        expm1 eye fabs flip fliplr flipud floor floor_divide fmax fmin fmod full full_like gcd
        geomspace get_item greater greater_equal hamming hanning heaviside histogram hsplit
        hstack hypot i0 identity imag inner isclose isfinite isin isinf isnan isneginf
        isposinf isreal kaiser kron lcm ldexp left_shift less less_equal linspace log log10
        log1p log2 logaddexp logaddexp2 logical_and logical_not logical_or logical_xor logspace
        matmul max maximum mean median meshgrid min minimum mod moveaxis multiply nan_to_num
        nanargmax nanargmin nancumprod nancumsum nanmax nanmean nanmedian nanmin nanpercentile
        nanprod nanquantile nanstd nansum nanvar ndim negative nextafter nonzero not_equal ones
        ones_like outer pad percentile power prod ptp quantile rad2deg ravel real reciprocal
        repeat reshape right_shift roll rot90 round searchsorted select sign signbit sin sinc
        sinh size slogdet sort split sqrt square squeeze stack std subtract sum swapaxes take
        take_along_axis tan tanh tensordot tile trace transpose trapezoid tri tril triu
        true_divide trunc unique unravel_index vander var vdot vectorize view vsplit vstack
        where zeros zeros_like""",
    "image": """affine_transform crop_images elastic_transform extract_patches
        extract_patches_3d gaussian_blur hsv_to_rgb map_coordinates pad_images
        perspective_transform reconstruct_patches resize rgb_to_grayscale rgb_to_hsv
        scale_and_translate sobel_edges ssim""",
}
NAMES = {space: text.split() for space, text in KERAS.items()}
IMAGE_BUILT = {"extract_patches", "extract_patches_3d", "affine_transform", "crop_images", "map_coordinates",
               "pad_images", "resize", "rgb_to_grayscale"}  # keras.ops.image names gradiente has


@pytest.mark.parametrize("space", ["nn", "math", "core", "numpy"])
def test_each_keras_name_gradiente_has_is_the_top_level_function(space):
    module = getattr(keras.ops, space)
    have = [n for n in NAMES[space] if isinstance(getattr(ops, n, None), types.FunctionType)]
    assert len(have) > 0.75 * len(NAMES[space])  # most are built: a broken lookup fails here
    for name in have:
        assert getattr(module, name) is getattr(ops, name), f"keras.ops.{space}.{name}"
    assert sorted(dir(module)) == sorted(have)
    assert sorted(module.__all__) == sorted(have)


@pytest.mark.parametrize("space", sorted(KERAS))
def test_keras_names_gradiente_lacks_say_so(space):
    module = getattr(keras.ops, space)
    for name in NAMES[space]:
        if name not in IMAGE_BUILT if space == "image" else not hasattr(ops, name):
            with pytest.raises(AttributeError, match="gradiente does not implement yet"):
                getattr(module, name)


def test_names_outside_keras_namespace_are_refused():
    # tanh is keras.ops.numpy's, not keras.ops.nn's; dense is gradiente's own fused op.
    for space, name in [("nn", "tanh"), ("nn", "dense"), ("nn", "dropout"), ("math", "add"),
                        ("core", "relu"), ("numpy", "relu")]:
        with pytest.raises(AttributeError, match="has no attribute"):
            getattr(getattr(keras.ops, space), name)
    assert keras.ops.numpy.tanh is ops.tanh


def test_import_forms():
    from gradiente.ops import core, math, nn, numpy
    from gradiente.ops.nn import relu, softmax

    assert relu is ops.relu and softmax is ops.softmax and nn.conv is ops.conv
    assert math.segment_sum is ops.segment_sum and core.scan is ops.scan
    assert numpy.matmul is ops.matmul
    star = {}
    exec("from gradiente.ops.math import *", star)
    assert star["top_k"] is ops.top_k and "add" not in star
    assert importlib.import_module("gradiente.ops.nn") is keras.ops.nn


def test_namespace_functions_compute():
    x = ops.convert_to_tensor([[-1.0, 2.0]])
    assert keras.ops.nn.relu(x).numpy().tolist() == [[0.0, 2.0]]
    assert keras.ops.numpy.sum(x).numpy() == 1.0
    values, indices = keras.ops.math.top_k(ops.convert_to_tensor([1.0, 3.0, 2.0]), k=1)
    assert values.numpy().tolist() == [3.0] and indices.numpy().tolist() == [1]
