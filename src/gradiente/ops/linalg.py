"""``keras.ops.linalg``: the namespace Keras 3 has, gathered from the files that implement
it (decompositions, solvers, norms). Every name here is also at ``keras.ops`` top level.

The products (matmul, dot, tensordot, einsum) live in ``ops.products``; they stay
importable from here for code written when this module held them.
"""
from gradiente.ops.decompositions import cholesky, eig, eigh, lu_factor, qr, svd
from gradiente.ops.norms import norm
from gradiente.ops.products import dot, einsum, matmul, tensordot  # noqa: F401 - see above
from gradiente.ops.solvers import (
    cholesky_inverse, det, inv, lstsq, matrix_power, matrix_rank, pinv, solve, solve_triangular,
)

__all__ = [
    "cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "lstsq", "lu_factor",
    "matrix_power", "matrix_rank", "norm", "pinv", "qr", "solve", "solve_triangular", "svd",
]
