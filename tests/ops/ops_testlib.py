"""Shared helpers for the primitive tests (imported by the test modules in this folder).

Every test module here declares which primitives it covers, as two sets built from its
case tables:

- ``GRADIENT_CHECKED``: names whose VJP is compared with finite differences
  (``gradcheck`` also asserts that the function under test really records that primitive);
- ``NOT_DIFFERENTIABLE``: names with no VJP, whose forward is checked against NumPy and
  which are checked to record nothing on a tape.

``test_primitive_coverage.py`` fails when a registered primitive is in neither.
"""
import numpy as np

from gradiente import ops
from gradiente.autodiff import GradientTape, Tensor
from gradiente.testing import check_gradients


def rand(*shape, seed=0, low=-2.0, high=2.0):
    """Uniform float64 values in [low, high)."""
    return np.random.default_rng(seed).uniform(low, high, size=shape)


def nonzero(*shape, seed=0, low=0.3, high=2.0):
    """Float64 values with |x| in [low, high) and random signs: away from kinks at 0."""
    rng = np.random.default_rng(seed)
    return rng.uniform(low, high, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def _recorded_vjps(f, inputs):
    args = [Tensor(np.array(x, dtype=np.float64)) if _is_float(x) else x for x in inputs]
    with GradientTape() as tape:
        tape.watch([a for a in args if isinstance(a, Tensor)])
        f(*args)
        return {record[0] for record in tape._records}


def _is_float(x):
    return isinstance(x, (float, np.ndarray, np.floating)) and np.asarray(x).dtype.kind == "f"


def gradcheck(name, f, *inputs, keeps_float32=True, **kwargs):
    """Gradient-check ``f(*inputs)`` (float64 finite differences) and assert that ``f``
    goes through the primitive registered as ``name``, so a case cannot silently test
    something else. With ``keeps_float32``, also run ``f`` on float32 inputs and assert
    that every recorded forward and VJP stays in float32 (a stray float64 constant would
    silently double the cost of the op)."""
    vjp = ops.PRIMITIVES[name].vjp
    assert vjp is not None, f"{name} has no VJP to check"
    assert vjp in _recorded_vjps(f, inputs), f"f did not record the primitive {name!r}"
    if keeps_float32:
        assert_keeps_float32(f, *inputs)
    return check_gradients(f, *inputs, **kwargs)


# NumPy 1.x promotes arithmetic between 0-d float32 values and Python numbers to float64
# (NumPy 2 does not), whatever the VJP's constants; the engine casts such results back
# (tests/autodiff/test_dtype_policy.py), so the per-VJP check is for NumPy 2 or N-d values.
_SCALARS_PROMOTE = int(np.__version__.split(".")[0]) < 2


def assert_keeps_float32(f, *inputs):
    args = [Tensor(np.asarray(x, dtype=np.float32)) if _is_float(x) else x for x in inputs]
    with GradientTape() as tape:
        tape.watch([a for a in args if isinstance(a, Tensor)])
        f(*args)
    for vjp, _, ans, _, arrays, needs, params in tape._records:
        if _SCALARS_PROMOTE and ans.ndim == 0:
            continue
        where = f"{vjp.__module__}.{vjp.__qualname__}"
        assert ans.dtype == np.float32, f"forward of the op with VJP {where} returned {ans.dtype}"
        grads = vjp(np.ones_like(ans), ans, needs, *arrays, **params)
        for i, (g, need) in enumerate(zip(grads, needs)):
            if need and g is not None:
                assert np.asarray(g).dtype == np.float32, f"VJP {where} gave input {i} a {g.dtype} gradient"


def assert_not_recorded(f, *inputs):
    """Running ``f`` on watched inputs leaves the tape empty: the op has no gradient."""
    assert not _recorded_vjps(f, inputs)


def assert_forward(ours, reference, *inputs, rtol=1e-7, atol=1e-10):
    """``ours(*inputs)`` (on tensors) matches ``reference(*inputs)`` (on arrays)."""
    args = [Tensor(np.asarray(x)) if isinstance(x, np.ndarray) else x for x in inputs]
    got = ours(*args)
    got = got.numpy() if isinstance(got, Tensor) else np.asarray(got)
    want = np.asarray(reference(*inputs))
    assert got.shape == want.shape, f"shape {got.shape} != {want.shape}"
    assert got.dtype == want.dtype or got.dtype.kind == want.dtype.kind == "f", (got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
