"""Products (gradiente/ops/products.py): matmul with every operand rank, dot, tensordot, einsum."""
import numpy as np
import pytest

from gradiente import ops
from gradiente.autodiff import Tensor

from ops_testlib import assert_forward, gradcheck, rand

MATMUL_SHAPES = [
    ((3, 4), (4, 2)),
    ((4,), (4, 2)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (4, 5)),
    ((4,), (2, 4, 3)),
    ((2, 3, 4), (4,)),
    ((2, 1, 3, 4), (3, 4, 2)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul(shapes):
    a, b = rand(*shapes[0], seed=31), rand(*shapes[1], seed=32)
    assert_forward(ops.matmul, np.matmul, a, b)
    assert_forward(lambda x, y: x @ y, np.matmul, a, b)
    gradcheck("matmul", ops.matmul, a, b)


def test_matmul_with_array_on_the_left():
    a, b = rand(2, 3, seed=33), Tensor(rand(3, 2, seed=34))
    out = a @ b
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.numpy(), a @ b.numpy())


@pytest.mark.parametrize("shapes", [((), (3,)), ((3,), (3,)), ((2, 3), (3,)), ((2, 3), (3, 4)),
                                    ((2, 2, 3), (3, 4)), ((2, 3), (2, 3, 4))], ids=str)
def test_dot_composite(shapes):
    a, b = rand(*shapes[0], seed=35), rand(*shapes[1], seed=36)
    assert_forward(ops.dot, np.dot, a, b)
    name = "multiply" if a.ndim == 0 else "matmul" if b.ndim <= 2 and a.ndim <= 2 else "tensordot"
    gradcheck(name, ops.dot, a, b)


TENSORDOT = [
    ((3, 4), (4, 2), 1),
    ((2, 3, 4), (3, 4, 5), 2),
    ((2, 3, 4), (4, 3), ([1, 2], [1, 0])),
    ((3, 4), (2, 3), (0, 1)),
    ((2, 3), (4,), 0),
]


@pytest.mark.parametrize("a_shape,b_shape,axes", TENSORDOT, ids=str)
def test_tensordot(a_shape, b_shape, axes):
    a, b = rand(*a_shape, seed=37), rand(*b_shape, seed=38)
    assert_forward(lambda x, y: ops.tensordot(x, y, axes=axes), lambda x, y: np.tensordot(x, y, axes), a, b)
    gradcheck("tensordot", lambda x, y: ops.tensordot(x, y, axes=axes), a, b)


EINSUM = [
    ("ij,jk->ik", [(3, 4), (4, 2)]),
    ("ij,jk", [(3, 4), (4, 2)]),               # implicit output
    ("ii->i", [(3, 3)]),                       # diagonal
    ("ii", [(3, 3)]),                          # trace (implicit scalar output)
    ("bii->b", [(2, 3, 3)]),
    ("iji->j", [(3, 2, 3)]),
    ("ij->", [(3, 4)]),
    ("ij->j", [(3, 4)]),                       # a letter summed inside one operand
    ("ij->ji", [(3, 4)]),
    ("i,j->ij", [(3,), (4,)]),                 # outer product
    ("i,i->", [(4,), (4,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,jk", [(2, 2, 3, 4), (4, 5)]),      # ellipsis with implicit output
    ("...ij,...jk->...ik", [(1, 3, 4), (2, 4, 5)]),  # ellipsis broadcasting 1 -> 2
    ("i...->...", [(3, 2, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("Ab,bC->AC", [(2, 3), (3, 2)]),           # upper-case letters
    ("ij,ij->ij", [(3, 4), (3, 4)]),
]


@pytest.mark.parametrize("subscripts,shapes", EINSUM, ids=[s for s, _ in EINSUM])
def test_einsum(subscripts, shapes):
    operands = [rand(*s, seed=40 + i) for i, s in enumerate(shapes)]
    assert_forward(lambda *xs: ops.einsum(subscripts, *xs),
                   lambda *xs: np.einsum(subscripts, *xs), *operands)
    gradcheck("_einsum", lambda *xs: ops.einsum(subscripts, *xs), *operands)


def test_einsum_on_large_operands_takes_the_planned_path_with_the_same_values():
    # Attention scores: above _PLAN_ABOVE elements NumPy's optimize path (BLAS) is used.
    from gradiente.ops import products

    k = np.random.default_rng(0).normal(size=(4, 80, 2, 64)).astype("float32")
    q = np.random.default_rng(1).normal(size=(4, 80, 2, 64)).astype("float32")
    assert k.size + q.size > products._PLAN_ABOVE
    calls = []
    original = np.einsum
    try:
        np.einsum = lambda *args, **kw: calls.append(kw.get("optimize")) or original(*args, **kw)
        out = ops.einsum("aecd,abcd->acbe", k, q)
    finally:
        np.einsum = original
    assert calls == [True]
    np.testing.assert_allclose(out.numpy(), np.einsum("aecd,abcd->acbe", k, q), rtol=1e-5, atol=1e-5)
    small = ops.einsum("bij,bjk->bik", rand(2, 3, 4, seed=1), rand(2, 4, 2, seed=2))
    assert small.shape == (2, 3, 2)


def test_einsum_diagonal_view_is_writable():
    # The einsum VJP writes the gradient of a repeated index through this view.
    grad = np.zeros((3, 3))
    diagonal = np.einsum("ii->i", grad)
    assert diagonal.flags.writeable and np.shares_memory(diagonal, grad)


def test_einsum_wrong_operand_count():
    with pytest.raises(ValueError, match="einsum"):
        ops.einsum("ij,jk->ik", Tensor(np.zeros((2, 2))))


GRADIENT_CHECKED = {"matmul", "tensordot", "_einsum"}
NOT_DIFFERENTIABLE = set()
