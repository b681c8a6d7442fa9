"""Variable: trainable state with a name, in-place updates and NumPy interoperation."""
import numpy as np
import pytest

from gradiente.autodiff import GradientTape, Tensor, Variable


def test_attributes():
    v = Variable(np.zeros((2, 3), dtype=np.float32), name="kernel")
    assert v.name == "kernel" and v.path == "kernel"
    assert v.shape == (2, 3) and v.dtype == np.float32 and v.trainable
    assert isinstance(v, Tensor)
    assert "kernel" in repr(v) and "(2, 3)" in repr(v)
    assert Variable(1.0).name == "variable"
    assert not Variable(1.0, trainable=False).trainable


def test_value_is_copied_from_the_initial_array():
    init = np.ones(3)
    v = Variable(init)
    v.assign_add(1.0)
    np.testing.assert_array_equal(init, np.ones(3))
    np.testing.assert_array_equal(v.numpy(), 2 * np.ones(3))


def test_initializer_and_shape():
    v = Variable(lambda shape, dtype: np.full(shape, 0.5, dtype=dtype), shape=(2, 2), dtype="float64")
    assert v.dtype == np.float64
    np.testing.assert_array_equal(v.numpy(), np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match="shape="):
        Variable(lambda shape, dtype: np.zeros(shape))
    with pytest.raises(ValueError, match=r"initial value has shape \(3,\).*shape=\(2,\)"):
        Variable(np.zeros(3), shape=(2,), name="v")
    with pytest.raises(ValueError, match="initial value"):
        Variable()


def test_assign_family_updates_in_place():
    v = Variable(np.array([1.0, 2.0]))
    data = v.data
    assert v.assign([5.0, 6.0]) is v
    v.assign_add(Tensor(np.array([1.0, 1.0])))
    v.assign_sub(np.array([0.5, 0.5]))
    np.testing.assert_array_equal(v.numpy(), [5.5, 6.5])
    assert v.data is data  # optimizers and layers keep references to the same array


def test_assign_casts_to_the_variable_dtype():
    v = Variable(np.zeros(2, dtype=np.float32))
    v.assign(np.array([1.5, 2.5], dtype=np.float64))
    assert v.dtype == np.float32


def test_assign_shape_mismatch_raises():
    v = Variable(np.zeros((2, 2)), name="w")
    with pytest.raises(ValueError, match=r"shape \(3,\) to variable 'w' of shape \(2, 2\)"):
        v.assign(np.zeros(3))


def test_numpy_interoperation():
    v = Variable(np.array([1.0, 2.0]))
    assert np.asarray(v) is v.data
    np.testing.assert_array_equal(np.asarray(v) * 2, [2.0, 4.0])
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    assert isinstance(v.value, Tensor) and not isinstance(v.value, Variable)


def test_arithmetic_on_variables_gives_tensors():
    v = Variable(np.array([1.0, 2.0]))
    out = v * 2.0 + v
    assert type(out) is Tensor
    np.testing.assert_array_equal(out.numpy(), [3.0, 6.0])


def test_gradient_sees_the_value_at_forward_time_through_assign():
    # Assigning after the forward pass changes the array the tape holds; Keras code never
    # does this between forward and gradient, but an optimizer step after gradient is safe.
    v = Variable(np.array([3.0]))
    with GradientTape() as tape:
        y = v * v
    g = tape.gradient(y, v)
    v.assign_sub(0.1 * g.numpy())
    np.testing.assert_allclose(v.numpy(), [2.4])
