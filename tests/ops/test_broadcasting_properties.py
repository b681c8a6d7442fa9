"""Property-based tests: hypothesis draws mutually broadcastable shapes for the binary
elementwise ops. The forward must equal NumPy's; each input's gradient must have that
input's shape and equal the full-shape gradient summed over the broadcast positions."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from gradiente import ops
from gradiente.autodiff import GradientTape, Tensor

# name -> (op, NumPy forward, d out/dx, d out/dy), the partials as closed forms on the
# broadcast arrays. Inputs are drawn away from 0 and from ties (see _draw_inputs).
BINARY = {
    "add": (ops.add, np.add, lambda x, y: np.ones_like(x), lambda x, y: np.ones_like(y)),
    "subtract": (ops.subtract, np.subtract, lambda x, y: np.ones_like(x), lambda x, y: -np.ones_like(y)),
    "multiply": (ops.multiply, np.multiply, lambda x, y: y, lambda x, y: x),
    "divide": (ops.divide, np.divide, lambda x, y: 1 / y, lambda x, y: -x / y**2),
    "power": (ops.power, np.power, lambda x, y: y * x ** (y - 1), lambda x, y: x**y * np.log(x)),
    "maximum": (ops.maximum, np.maximum, lambda x, y: (x > y) * 1.0, lambda x, y: (x < y) * 1.0),
    "minimum": (ops.minimum, np.minimum, lambda x, y: (x < y) * 1.0, lambda x, y: (x > y) * 1.0),
}

shapes = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3)


def _sum_to_shape(full, shape):
    """Reference unbroadcast, written independently of the engine's: each output position
    adds its value into the input element that broadcasting read it from."""
    size = int(np.prod(shape, dtype=int))
    source = np.broadcast_to(np.arange(size).reshape(shape), full.shape)
    return np.bincount(source.ravel(), weights=full.ravel(), minlength=size).reshape(shape)


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=25, deadline=None)
@given(drawn=shapes, seed=st.integers(0, 2**16))
def test_broadcasting_forward_and_gradient(name, drawn, seed):
    op, forward, dx, dy = BINARY[name]
    x_shape, y_shape = drawn.input_shapes
    rng = np.random.default_rng(seed)
    # Positive and never equal (x below y, or shifted above it), so divide, power and its
    # log are defined and maximum/minimum never tie.
    x = rng.uniform(0.5, 1.5, size=x_shape)
    y = rng.uniform(1.6, 2.6, size=y_shape)
    if rng.random() < 0.5:
        x, y = x + 1.1, y - 1.1  # now x > y: the other branch of maximum/minimum
    tx, ty = Tensor(x), Tensor(y)
    with GradientTape() as tape:
        tape.watch([tx, ty])
        out = op(tx, ty)
    np.testing.assert_allclose(out.numpy(), forward(x, y), rtol=1e-12)
    assert out.shape == drawn.result_shape
    weights = rng.standard_normal(out.shape)
    gx, gy = tape.gradient(out, [tx, ty], output_gradients=weights)
    assert gx.shape == x.shape and gy.shape == y.shape
    bx, by = np.broadcast_arrays(x, y)
    np.testing.assert_allclose(gx.numpy(), _sum_to_shape(weights * dx(bx, by), x_shape), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(gy.numpy(), _sum_to_shape(weights * dy(bx, by), y_shape), rtol=1e-9, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(drawn=mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3),
       seed=st.integers(0, 2**16))
def test_where_broadcasting(drawn, seed):
    c_shape, x_shape, y_shape = drawn.input_shapes
    rng = np.random.default_rng(seed)
    cond = rng.random(c_shape) < 0.5
    x, y = rng.standard_normal(x_shape), rng.standard_normal(y_shape)
    tx, ty = Tensor(x), Tensor(y)
    with GradientTape() as tape:
        tape.watch([tx, ty])
        out = ops.where(cond, tx, ty)
    np.testing.assert_array_equal(out.numpy(), np.where(cond, x, y))
    weights = rng.standard_normal(out.shape)
    gx, gy = tape.gradient(out, [tx, ty], output_gradients=weights)
    bc = np.broadcast_to(cond, out.shape)
    np.testing.assert_allclose(gx.numpy(), _sum_to_shape(weights * bc, x_shape))
    np.testing.assert_allclose(gy.numpy(), _sum_to_shape(weights * ~bc, y_shape))
