"""``gradiente.ops``: the primitives, named as ``keras.ops`` names them.

Every differentiable primitive keeps its forward and its vector-Jacobian product side by
side (see ``ops.primitive``); the table of them is ``ops.PRIMITIVES``.
"""
from gradiente.autodiff.tape import stop_gradient
from gradiente.autodiff.tensor import Tensor, convert_to_tensor
from gradiente.ops.primitive import PRIMITIVES, primitive
from gradiente.ops.arithmetic import (
    abs, absolute, add, ceil, clip, cos, divide, equal, erf, exp, expm1, floor, floor_divide,
    greater, greater_equal, heaviside, isfinite, isnan, less, less_equal, log, log1p,
    logical_and, logical_not, logical_or, maximum, minimum, mod, multiply, negative, not_equal,
    power, reciprocal, round, sign, sin, sqrt, square, subtract, true_divide, where,
)
from gradiente.ops.reduction import (
    amax, amin, argmax, argmin, argsort, cumsum, logsumexp, max, mean, min, prod, std, sum, var,
)
from gradiente.ops.shape import (
    broadcast_to, cast, concatenate, expand_dims, flip, full_like, getitem, moveaxis, ndim,
    ones_like, pad, repeat, reshape, shape, size, split, squeeze, stack, take, take_along_axis,
    tile, transpose, zeros_like,
)
from gradiente.ops.products import dot, einsum, matmul, tensordot
from gradiente.ops import linalg
from gradiente.ops.linalg import (
    cholesky, cholesky_inverse, det, eig, eigh, inv, lstsq, lu_factor, matrix_power, matrix_rank,
    norm, pinv, qr, solve, solve_triangular, svd,
)
from gradiente.ops.creation import (
    arange, array, bartlett, blackman, empty, empty_like, eye, full, geomspace, hamming, hanning,
    identity, kaiser, linspace, logspace, ones, tri, zeros,
)
from gradiente.ops.reduction import all, any, cumprod
from gradiente.ops.trigonometric import (
    arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, cosh, deg2rad, hypot, rad2deg,
    sinc, sinh, tan,
)
from gradiente.ops.exponential import (
    cbrt, erfc, erfinv, exp2, i0, ldexp, log2, log10, logaddexp, logaddexp2, rsqrt,
)
from gradiente.ops.elementwise import (
    angle, conj, conjugate, copy, divide_no_nan, fabs, fmax, fmin, fmod, imag, nan_to_num,
    nextafter, real, trunc,
)
from gradiente.ops.logic import (
    allclose, isclose, isin, isinf, isneginf, isposinf, isreal, logical_xor, signbit,
)
from gradiente.ops.bitwise import (
    bitwise_and, bitwise_invert, bitwise_left_shift, bitwise_not, bitwise_or, bitwise_right_shift,
    bitwise_xor, gcd, lcm, left_shift, right_shift,
)
from gradiente.ops.sorting import (
    argpartition, count_nonzero, digitize, nonzero, searchsorted, sort, unique,
)
from gradiente.ops.statistics import (
    average, bincount, corrcoef, histogram, median, percentile, ptp, quantile,
)
from gradiente.ops.nan_reductions import (
    nanargmax, nanargmin, nancumprod, nancumsum, nanmax, nanmean, nanmedian, nanmin,
    nanpercentile, nanprod, nanquantile, nanstd, nansum, nanvar,
)
from gradiente.ops.joining import (
    append, array_split, column_stack, dsplit, dstack, hsplit, hstack, unstack, vsplit, vstack,
)
from gradiente.ops.matrices import (
    correlate, cross, diag, diagflat, diagonal, diff, fliplr, flipud, inner, kron, meshgrid, outer,
    ravel, roll, rot90, select, swapaxes, trace, trapezoid, tril, triu, unravel_index, vander, vdot,
)
from gradiente.ops.casting import dtype, is_tensor, result_type, saturate_cast

get_item = getitem
from gradiente.ops.conv_api import conv, moments
from gradiente.ops.neural import (
    dense, dropout, elu, gelu, hard_sigmoid, hard_silu, hard_swish, leaky_relu, log_sigmoid, log_softmax,
    mish, one_hot, relu, relu6, selu, sigmoid, sigmoid_cross_entropy, silu, softmax,
    softmax_cross_entropy, softplus, softsign, sparse_softmax_cross_entropy, swish, tanh,
)
from gradiente.ops.activations import (
    celu, glu, hard_shrink, hard_tanh, soft_shrink, sparse_plus, sparse_sigmoid, sparsemax,
    squareplus, tanh_shrink, threshold,
)
from gradiente.ops.control_flow import (
    associative_scan, cond, fori_loop, map, scan, switch, vectorized_map, while_loop,
)
from gradiente.ops.slicing import scatter, scatter_update, slice, slice_update
from gradiente.ops.custom_gradient import custom_gradient
from gradiente.ops.conv_api import average_pool, conv_transpose, depthwise_conv, max_pool, separable_conv
from gradiente.ops.nn_functions import batch_normalization, ctc_decode, multi_hot, normalize, psnr
from gradiente.ops.ctc import ctc_loss
from gradiente.ops.attention import dot_product_attention
from gradiente.ops.ranking import in_top_k, top_k
from gradiente.ops.segments import segment_max, segment_min, segment_prod, segment_sum
from gradiente.ops.spectral import extract_sequences, fft, fft2, ifft2, irfft, istft, rfft, stft


def convert_to_numpy(x):
    """A NumPy array holding ``x``'s value, independent of it (Keras: ``np.array(x)``):
    writing to it, or assigning to a variable later, changes only one of the two."""
    import numpy as _np

    return _np.array(x.data if isinstance(x, Tensor) else x)

# Keras 3's sub-namespaces (keras.ops.nn.relu, `from keras.ops import numpy`), imported last:
# their names resolve to the functions above.
from gradiente.ops import core, image, math, nn, numpy  # noqa: E402

# Every public function above also answers calls on KerasTensors (a Functional graph): see
# ops/symbolic_dispatch.py. Done last, so each alias is wrapped once, as one object.
from gradiente.ops import symbolic_dispatch as _symbolic_dispatch  # noqa: E402

_symbolic_dispatch.install(globals(), modules=(linalg,))
