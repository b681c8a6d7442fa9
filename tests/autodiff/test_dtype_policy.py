"""The one dtype policy: float32 by default, switchable to float64 or float16."""
import numpy as np
import pytest

from gradiente import backend, ops
from gradiente.autodiff import GradientTape, Tensor, Variable, convert_to_tensor


@pytest.fixture
def floatx():
    """Yield backend.set_floatx and restore the default afterwards."""
    saved = backend.floatx()
    yield backend.set_floatx
    backend.set_floatx(saved)


def test_float32_by_default():
    assert backend.floatx() == "float32" and backend.float_dtype() == np.float32
    assert convert_to_tensor(1.5).dtype == np.float32
    assert convert_to_tensor([[1.0, 2.0]]).dtype == np.float32
    assert Variable(1.0).dtype == np.float32
    assert Variable([1.0, 2.0]).dtype == np.float32
    assert backend.standardize_dtype(None) == np.float32


def test_explicit_dtypes_win():
    assert Variable(np.zeros(2)).dtype == np.float64  # NumPy arrays keep their dtype
    assert Variable(1.0, dtype="float64").dtype == np.float64
    assert convert_to_tensor(1.5, dtype="float16").dtype == np.float16
    assert Variable(3).dtype.kind == "i"


def test_float32_stays_float32_through_ops_and_python_scalars():
    x = Variable(np.array([1.0, -2.0], dtype=np.float32))
    with GradientTape() as tape:
        y = ops.sum(ops.exp(x * 2.5 + 1) / 3.0 - x**2)
    assert y.dtype == np.float32
    assert tape.gradient(y, x).dtype == np.float32


@pytest.mark.parametrize("name", ["float64", "float16"])
def test_set_floatx_changes_created_tensors(floatx, name):
    floatx(name)
    assert backend.floatx() == name
    assert convert_to_tensor(1.5).dtype == np.dtype(name)
    assert Variable([1.0, 2.0]).dtype == np.dtype(name)
    assert ops.one_hot(np.array([1]), 2).dtype == np.dtype(name)
    x = Variable(0.5)
    with GradientTape() as tape:
        y = x * x
    assert tape.gradient(y, x).dtype == np.dtype(name)


def test_set_floatx_accepts_dtype_objects_and_rejects_others(floatx):
    floatx(np.float64)
    assert backend.floatx() == "float64"
    with pytest.raises(ValueError, match="float16, float32, float64"):
        floatx("int32")


def test_fixture_restored_the_default():
    assert backend.floatx() == "float32"
    assert Tensor(np.zeros(1, dtype=np.float32)).dtype == np.float32


def test_scalar_computations_stay_float32_and_so_do_their_gradients():
    # NumPy 1.x would make 2 * x**2 of a 0-d float32 x a float64; the engine keeps float32.
    import gradiente as g

    x = g.Variable(np.float32(1.5))
    with g.GradientTape() as tape:
        y = g.ops.mean(2 * g.ops.square(x) + g.ops.sqrt(x))
    grad = tape.gradient(y, x)
    assert y.dtype == np.float32
    assert grad.dtype == np.float32
    assert float(grad) == pytest.approx(4 * 1.5 + 0.5 / np.sqrt(1.5), rel=1e-6)
