"""Small facts of Keras 3's API: the backend's name, the version, formatting a scalar tensor,
ops.ones / ops.zeros, and which NumPy views of a Variable are copies."""
import numpy as np
import pytest

import gradiente as keras


def test_backend_name_is_its_own():
    # Keras answers "tensorflow", "jax", "torch" or "numpy"; code branching on those must
    # take its generic path here (see gradiente.backend.backend for why).
    assert keras.backend.backend() == keras.config.backend() == "gradiente"
    assert keras.backend.backend() not in ("tensorflow", "jax", "torch", "numpy")


def test_version_and_dunder_version_agree():
    assert keras.version() == keras.__version__
    assert isinstance(keras.__version__, str) and keras.__version__.count(".") == 2


def test_scalar_tensor_formats_like_a_numpy_scalar():
    loss = keras.ops.convert_to_tensor(np.float32(0.123456))
    assert f"{loss:.4f}" == f"{np.float32(0.123456):.4f}" == "0.1235"
    assert f"{loss:>10.2e}" == f"{np.float32(0.123456):>10.2e}"
    assert f"{loss}" == str(loss)
    count = keras.ops.convert_to_tensor(np.int64(7))
    assert f"{count:03d}" == "007"
    variable = keras.Variable(2.5)
    assert f"{variable:.1f}" == "2.5"


def test_non_scalar_tensor_with_a_format_spec_raises_as_numpy_does():
    values = keras.ops.convert_to_tensor(np.array([1.0, 2.0], "float32"))
    with pytest.raises(TypeError):
        format(np.array([1.0, 2.0]), ".2f")
    with pytest.raises(TypeError, match=r"shape \(2,\).*0-d"):
        f"{values:.2f}"
    assert f"{values}" == str(values)


def test_ops_ones_and_zeros():
    ones = keras.ops.ones((2, 3))
    assert isinstance(ones, keras.Tensor) and ones.shape == (2, 3)
    assert ones.dtype == np.dtype(keras.config.floatx())
    np.testing.assert_array_equal(ones.numpy(), np.ones((2, 3)))
    zeros = keras.ops.zeros(4, dtype="int32")
    assert zeros.shape == (4,) and zeros.dtype == np.int32 and not zeros.numpy().any()
    assert keras.ops.zeros(()).shape == ()
    with pytest.raises(TypeError, match="ops.ones.*ints"):
        keras.ops.ones((2, 1.5))
    with pytest.raises(ValueError, match="negative"):
        keras.ops.zeros((2, -1))


def test_variable_numpy_is_a_snapshot():
    v = keras.Variable(np.zeros(3, "float32"))
    snapshot = v.numpy()
    v.assign_add(np.ones(3, "float32"))
    np.testing.assert_array_equal(snapshot, np.zeros(3))
    snapshot[0] = 5.0
    np.testing.assert_array_equal(v.numpy(), np.ones(3))


def test_variable_numpy_survives_an_optimizer_step():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    kernel = model.weights[0]
    before = kernel.numpy()
    expected = before.copy()
    model.train_on_batch(np.ones((4, 2), "float32"), np.full((4, 1), 3.0, "float32"))
    np.testing.assert_array_equal(before, expected)  # the step updated the kernel in place
    assert not np.array_equal(before, kernel.numpy())


def test_convert_to_numpy_returns_an_independent_array():
    v = keras.Variable(np.zeros(2, "float32"))
    out = keras.ops.convert_to_numpy(v)
    v.assign([1.0, 2.0])
    np.testing.assert_array_equal(out, [0.0, 0.0])
    t = keras.ops.convert_to_tensor(np.array([1.0, 2.0], "float32"))
    arr = keras.ops.convert_to_numpy(t)
    arr[0] = 9.0
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])
    assert keras.ops.convert_to_numpy([1, 2]).tolist() == [1, 2]


def test_value_and_asarray_read_the_current_value():
    # .value is the current value as a tensor; np.asarray follows NumPy's "no copy when
    # possible" and shares the variable's array (take .numpy() for a snapshot).
    v = keras.Variable(np.zeros(2, "float32"))
    assert type(v.value) is keras.Tensor
    shared = np.asarray(v)
    v.assign([3.0, 4.0])
    np.testing.assert_array_equal(v.value.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(shared, [3.0, 4.0])
    np.testing.assert_array_equal(np.array(v), [3.0, 4.0])
