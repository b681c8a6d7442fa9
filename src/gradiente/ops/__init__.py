"""``gradiente.ops``: the primitives, named as ``keras.ops`` names them.

Every differentiable primitive keeps its forward and its vector-Jacobian product side by
side (see ``ops.primitive``); the table of them is ``ops.PRIMITIVES``.
"""
from gradiente.autodiff.tape import stop_gradient
from gradiente.autodiff.tensor import Tensor, convert_to_tensor
from gradiente.ops.primitive import PRIMITIVES, primitive
from gradiente.ops.math import (
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
from gradiente.ops.creation import ones, zeros
from gradiente.ops.conv_api import conv, moments
from gradiente.ops.nn import (
    dense, dropout, elu, gelu, hard_sigmoid, hard_silu, hard_swish, leaky_relu, log_sigmoid, log_softmax,
    mish, one_hot, relu, relu6, selu, sigmoid, sigmoid_cross_entropy, silu, softmax,
    softmax_cross_entropy, softplus, softsign, sparse_softmax_cross_entropy, swish, tanh,
)
from gradiente.ops.activations import (
    celu, glu, hard_shrink, hard_tanh, soft_shrink, sparse_plus, sparse_sigmoid, sparsemax,
    squareplus, tanh_shrink, threshold,
)


def convert_to_numpy(x):
    """A NumPy array holding ``x``'s value, independent of it (Keras: ``np.array(x)``):
    writing to it, or assigning to a variable later, changes only one of the two."""
    import numpy as _np

    return _np.array(x.data if isinstance(x, Tensor) else x)
