"""Control flow, slicing and custom gradients (ops/control_flow.py, ops/slicing.py,
ops/custom_gradient.py): the facts of Keras 3's core_test.py, and gradients through them."""
import operator

import numpy as np
import pytest

from gradiente import ops
from gradiente.autodiff import GradientTape, Tensor, Variable
from gradiente.testing import check_gradients
from gradiente.utils.nest import flatten, map_structure

from ops_testlib import assert_not_recorded, gradcheck, rand


def value(x):
    return x.numpy() if isinstance(x, Tensor) else np.asarray(x)


# --- cond / switch / loops --------------------------------------------------------------
def test_cond_picks_a_branch_from_a_bool_or_a_scalar_tensor():
    assert ops.cond(True, lambda: 0, lambda: 1) == 0
    assert ops.cond(False, lambda: 0, lambda: 1) == 1
    assert ops.cond(False, lambda: None, lambda: None) is None
    np.testing.assert_array_equal(value(ops.cond(ops.convert_to_tensor(True), lambda: ops.ones((1, 3)),
                                                 lambda: ops.zeros((1, 3)))), np.ones((1, 3)))
    np.testing.assert_array_equal(value(ops.cond(ops.convert_to_tensor(False), lambda: ops.ones((3,)),
                                                 lambda: ops.zeros((3,)))), np.zeros(3))


def test_switch_clips_its_index():
    x, y = rand(2, 3, 4, seed=1), rand(2, 3, 4, seed=2)
    branches = [lambda a, b: a + b, lambda a, b: a - b]
    np.testing.assert_allclose(value(ops.switch(0, branches, x, y)), x + y)
    np.testing.assert_allclose(value(ops.switch(1, branches, x, y)), x - y)
    np.testing.assert_allclose(value(ops.switch(-100, branches, x, y)), x + y)
    np.testing.assert_allclose(value(ops.switch(100, branches, x, y)), x - y)


@pytest.mark.parametrize("maximum_iterations,expected", [(5, 5), (None, 10)])
def test_while_loop_on_one_value_and_on_nested_state(maximum_iterations, expected):
    def cond(args):
        return flatten(args)[0] < 10

    def body(args):
        return map_structure(lambda x: x + 1, args)

    assert int(ops.while_loop(cond, body, np.array(0), maximum_iterations=maximum_iterations)) == expected
    out = ops.while_loop(cond, body, {"a": np.array(0), "b": (np.array(1), np.array(2))},
                         maximum_iterations=maximum_iterations)
    assert (int(out["a"]), int(out["b"][0]), int(out["b"][1])) == (expected, expected + 1, expected + 2)
    # A tuple of loop variables is passed as separate arguments.
    state = ops.while_loop(lambda *a: a[0] < 10, lambda *a: tuple(x + 1 for x in a), (np.array(0), np.array(1)),
                           maximum_iterations=maximum_iterations)
    assert isinstance(state, tuple) and (int(state[0]), int(state[1])) == (expected, expected + 1)


def test_while_loop_with_a_dynamic_slice():
    def body(index, inputs, total):
        return index + 1, inputs, total + ops.slice(inputs, [index], [1])

    _, _, total = ops.while_loop(lambda i, *_: i < 10, body, (0, np.arange(10), np.array([0])))
    assert total.shape == (1,) and int(total[0]) == 45


def test_fori_loop_and_its_gradient():
    assert int(ops.fori_loop(0, 10, lambda i, x: x + i, np.array(0))) == 45
    check_gradients(lambda x: ops.fori_loop(0, 3, lambda i, v: v * x + i, x), rand(3, seed=3))


# --- scan / map / vectorized_map --------------------------------------------------------
def _cumsum(carry, x):
    carry = carry + x
    return carry, carry


def test_scan_forward_reverse_unroll_and_length():
    init, xs = np.array(0, "float32"), np.array([1, 2, 3, 4, 10, 20], "float32")
    carry, ys = ops.scan(_cumsum, init, xs)
    assert float(carry) == 40 and value(ys).tolist() == [1, 3, 6, 10, 20, 40]
    carry, ys = ops.scan(_cumsum, init, xs, reverse=True)
    assert float(carry) == 40 and value(ys).tolist() == [40, 39, 37, 34, 30, 20]
    for unroll in (True, False, 2):
        assert value(ops.scan(_cumsum, init, xs, unroll=unroll)[1]).tolist() == [1, 3, 6, 10, 20, 40]
    (a, b), _ = ops.scan(lambda c, _: ((c[1], c[0] + c[1]), None), (np.float32(0), np.float32(1)), length=6)
    assert (float(a), float(b)) == (8, 13)


def test_scan_nested_carry_and_xs():
    def twice(carry, _):
        v1, v2 = carry["value1"], carry["value2"]
        return {"value1": v1 * 2, "value2": v2 * 2}, v1 * 2 + v2 * 2

    carry, ys = ops.scan(twice, {"value1": 2.0, "value2": 3.0}, length=3)
    assert (float(carry["value1"]), float(carry["value2"])) == (16, 24)
    assert value(ys).tolist() == [10, 20, 40]
    xs = {"value1": np.array([1, 2, 3], "float32"), "value2": np.array([10, 20, 30], "float32")}
    _, ys = ops.scan(lambda c, x: (c, x["value1"] + x["value2"]), np.float32(0), xs)
    assert value(ys).tolist() == [11, 22, 33]


def test_scan_refuses_bad_arguments():
    init, xs = np.float32(0), np.ones(3, "float32")
    with pytest.raises(TypeError, match="should be a callable"):
        ops.scan(123, init, xs)
    with pytest.raises(ValueError, match="must be an positive integer or boolean"):
        ops.scan(_cumsum, init, xs, unroll=-1)
    with pytest.raises(ValueError, match="to scan over and"):
        ops.scan(_cumsum, init, xs=None, length=None)


def test_scan_gradient_flows_through_every_step():
    gradcheck("multiply", lambda x, c: ops.scan(lambda h, v: (h * v + 1.0, h), c, x), rand(4, 2, seed=4),
              rand(2, seed=5))


def test_map_plain_and_nested():
    xs = np.arange(10)
    np.testing.assert_array_equal(value(ops.map(lambda x: x ** 2, xs)), xs ** 2)
    xs = rand(2, 3, 4, seed=6).astype("float32")
    out = ops.map(lambda x: {"a": x ** 2, "b": x * 10}, xs)
    np.testing.assert_allclose(value(out["a"]), xs ** 2, rtol=1e-6)
    np.testing.assert_allclose(value(out["b"]), xs * 10, rtol=1e-6)
    inputs = {"x": rand(4, 100, 3, seed=7), "y": np.arange(4).reshape(4, 1)}
    ys = ops.map(lambda d: {"x": d["x"][:, 0], "y": d["y"] + 1}, inputs)
    assert ys["x"].shape == (4, 100)
    np.testing.assert_array_equal(value(ys["y"]), inputs["y"] + 1)
    ys = ops.map(lambda pair: [t ** 2 for t in pair], [inputs["x"], inputs["y"]])
    np.testing.assert_array_equal(value(ys[1]), inputs["y"] ** 2)


def test_vectorized_map_one_tensor_or_a_list():
    np.testing.assert_array_equal(value(ops.vectorized_map(lambda x: x + 1, ops.zeros((2, 3)))), np.ones((2, 3)))
    assert ops.vectorized_map(lambda x: ops.stack([x, x]), ops.zeros((2, 3))).shape == (2, 2, 3)
    out = ops.vectorized_map(lambda e: e[0] + e[1], [ops.ones((2, 3)), ops.ones((2, 3))])
    np.testing.assert_array_equal(value(out), 2 * np.ones((2, 3)))


# --- associative_scan -------------------------------------------------------------------
def test_associative_scan_prefix_sums_axes_and_reverse():
    arr = np.arange(5)
    assert value(ops.associative_scan(operator.add, arr)).tolist() == [0, 1, 3, 6, 10]
    assert value(ops.associative_scan(operator.add, arr, reverse=True)).tolist() == [10, 10, 9, 7, 4]
    batched = np.stack([arr, arr + 1, arr + 2])
    assert value(ops.associative_scan(operator.add, batched, axis=1))[2].tolist() == [2, 5, 9, 14, 20]
    assert value(ops.associative_scan(operator.add, batched, axis=0))[:, 0].tolist() == [0, 1, 3]
    for n in range(1, 9):
        xs = rand(n, 2, seed=n)
        np.testing.assert_allclose(value(ops.associative_scan(operator.add, xs)), np.cumsum(xs, 0), atol=1e-12)


def test_associative_scan_structured_and_a_linear_recurrence():
    elems = {"a": np.array([[0, 1, 2], [3, 4, 5]]), "b": np.array([[6, 7, 8], [9, 10, 11]])}
    out = ops.associative_scan(lambda x, y: {"a": x["a"] + y["b"], "b": x["b"] + y["b"]}, elems, axis=0)
    assert value(out["b"]).tolist() == [[6, 7, 8], [15, 17, 19]]
    rng = np.random.default_rng(0)
    db, da = rng.random((1, 2, 3, 4)), rng.random((1, 2, 3, 4))
    h = np.zeros((1, 3, 4))
    for i in range(2):
        h = da[:, i] * h + db[:, i]
    combine = lambda ci, cj: (cj[0] * ci[0], cj[0] * ci[1] + cj[1])  # noqa: E731
    par = ops.associative_scan(combine, (da.transpose(1, 0, 2, 3), db.transpose(1, 0, 2, 3)))[-1][-1]
    np.testing.assert_allclose(value(par), h)
    check_gradients(lambda x: ops.associative_scan(operator.mul, x), rand(6, 2, seed=9))


def test_associative_scan_refuses_unequal_lengths():
    x = (np.array([1, 2]), np.array([3, 4]), np.array([5, 6, 7]))
    with pytest.raises(ValueError, match=" first dimension"):
        ops.associative_scan(lambda a, b: a, x)


# --- slice / scatter --------------------------------------------------------------------
def test_slice_values_minus_one_and_errors():
    assert value(ops.slice(np.arange(10), np.array([1]), np.array([4]))).tolist() == [1, 2, 3, 4]
    two = np.broadcast_to(np.arange(10), (4, 10))
    assert value(ops.slice(two, np.array([1, 1]), np.array([2, 4]))).tolist() == [[1, 2, 3, 4]] * 2
    nd = np.broadcast_to(np.arange(10), (4, 4, 4, 10))
    np.testing.assert_array_equal(value(ops.slice(nd, [1, 1, 1, 1], [1, 2, 3, 4])),
                                  np.broadcast_to(np.arange(1, 5), (1, 2, 3, 4)))
    assert ops.slice(np.zeros((3, 3)), (1, 1), (-1, -1)).shape == (2, 2)
    with pytest.raises(ValueError, match="dimensions in `inputs` must match.* dimensions in `shape`"):
        ops.slice(np.zeros((3, 3)), (1, 1), (2, 2, 2))
    with pytest.raises(ValueError, match="dimensions in `start_indices` must match.* dimensions in `inputs`"):
        ops.slice(np.zeros((3, 3)), (1, 1, 1), (2, 2))


def test_slice_update_values_and_gradient():
    out = ops.slice_update(np.zeros(8, "int64"), np.array([1]), np.array([9, 10, 11, 12]))
    assert value(out).tolist() == [0, 9, 10, 11, 12, 0, 0, 0]
    assert value(ops.slice_update(np.ones((3, 2)), [1, 0], np.full((2, 2), 2.0))).tolist() == [[1, 1], [2, 2], [2, 2]]
    out = value(ops.slice_update(np.ones((4, 4, 4, 4)), [1, 1, 2, 2], np.zeros((2, 2, 2, 2))))
    assert not out[1:3, 1:3, 2:4, 2:4].any() and out.sum() == 4 ** 4 - 16
    inputs = np.arange(1, 10).reshape(3, 3)
    assert value(ops.slice_update(inputs, np.array([1, 1]), np.array([[10, 11], [12, 13]]))).tolist() == \
        [[1, 2, 3], [4, 10, 11], [7, 12, 13]]
    assert inputs[1, 1] == 5  # the input is not written
    with pytest.raises(ValueError, match="do not fit"):
        ops.slice_update(np.zeros(3), [2], np.zeros(2))
    gradcheck("slice_update", lambda x, u: ops.slice_update(x, [1, 0], u), rand(4, 3, seed=10), rand(2, 2, seed=11))


def test_scatter_values_duplicates_and_gradient():
    assert value(ops.scatter(np.array([[1], [3], [4], [7]]), np.array([9, 10, 11, 12]), (8,))).tolist() == \
        [0, 9, 0, 10, 11, 0, 0, 12]
    assert value(ops.scatter(np.array([[0, 1], [2, 0]]), np.array([5, 10]), (3, 2))).tolist() == \
        [[0, 5], [0, 0], [10, 0]]
    block = np.array([[5] * 4, [6] * 4, [7] * 4, [8] * 4])
    out = value(ops.scatter(np.array([[1], [3]]), np.stack([block, block]), (4, 4, 4)))
    np.testing.assert_array_equal(out[[1, 3]], [block, block])
    assert not out[[0, 2]].any()
    assert value(ops.scatter(np.array([[2], [4]]), np.array([[1, 2, 3], [4, 5, 6]]), (6, 3)))[[2, 4]].tolist() == \
        [[1, 2, 3], [4, 5, 6]]
    assert value(ops.scatter(np.array([[0], [0]]), np.array([1, 1]), (1,))).tolist() == [2]
    assert value(ops.scatter(np.array([[1, 0], [0, 1]]), np.array([10, 20]), (2, 2))).tolist() == [[0, 20], [10, 0]]
    gradcheck("scatter", lambda v: ops.scatter(np.array([[0], [2], [0]]), v, (3, 2)), rand(3, 2, seed=12))


def test_scatter_update_values_and_reductions():
    out = ops.scatter_update(np.zeros(8, "int64"), [[1], [3], [4], [7]], np.array([9, 10, 11, 12]))
    assert value(out).tolist() == [0, 9, 0, 10, 11, 0, 0, 12]
    out = ops.scatter_update(np.ones((3, 2), "int64"), [[0, 1], [2, 0]], np.array([5, 10]))
    assert value(out).tolist() == [[1, 5], [1, 1], [10, 1]]
    out = ops.scatter_update(np.ones((4, 4, 4)), [[1, 1], [2, 2]], np.array([[0, 1, 2, 3], [3, 2, 1, 0]], "float32"))
    assert isinstance(out, Tensor) and value(out)[1, 1].tolist() == [0, 1, 2, 3] and value(out)[2, 2].tolist() == [3, 2, 1, 0]
    idx, upd = [[0], [0], [1]], np.array([1.0, 2.0, 3.0])
    assert value(ops.scatter_update(np.zeros(4), idx, upd, reduction="add")).tolist() == [3, 3, 0, 0]
    out = value(ops.scatter_update(np.zeros((3, 3)), [[0, 0], [1, 1], [0, 0]], upd, reduction="add"))
    assert (out[0, 0], out[1, 1]) == (4, 2)
    upd = np.array([3.0, 5.0, 2.0])
    assert value(ops.scatter_update(np.zeros(4), idx, upd, reduction="max")).tolist() == [5, 2, 0, 0]
    assert value(ops.scatter_update(np.full(4, 10.0), idx, upd, reduction="min")).tolist() == [3, 2, 10, 10]
    assert value(ops.scatter_update(np.array([2.0, 3, 1, 1]), idx, upd, reduction="mul")).tolist() == [30, 6, 1, 1]
    with pytest.raises(ValueError, match="Invalid reduction"):
        ops.scatter_update(np.zeros(4), idx, upd, reduction="mean")


def test_scatter_update_gradients():
    idx = [[0], [2], [0]]  # a repeated index: the last write wins, and only it gets a gradient
    gradcheck("scatter_update", lambda x, u: ops.scatter_update(x, idx, u), rand(4, 2, seed=13), rand(3, 2, seed=14))
    gradcheck("scatter_update", lambda x, u: ops.scatter_update(x, idx, u, reduction="add"), rand(4, 2, seed=15),
              rand(3, 2, seed=16))
    x = Tensor(rand(4, seed=17))
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(ops.scatter_update(x, [[0]], np.ones(1), reduction="max"))
    with pytest.raises(NotImplementedError, match="'max'"):
        tape.gradient(y, x)


# --- custom_gradient --------------------------------------------------------------------
@ops.custom_gradient
def log1pexp(x):
    e = ops.exp(x)

    def grad(*args, upstream=None):
        if upstream is None:
            (upstream,) = args
        return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1, e))

    return ops.log(1 + e), grad


def test_custom_gradient_replaces_the_ops_gradient():
    x = Tensor(np.float32(100.0))
    with GradientTape(persistent=True) as tape, np.errstate(over="ignore", invalid="ignore"):
        tape.watch(x)
        y = log1pexp(x)
        naive = ops.log(1 + ops.exp(x))  # exp overflows: its gradient is inf · 0
        assert float(tape.gradient(y, x)) == 1.0
        assert np.isnan(float(tape.gradient(naive, x)))
    gradcheck("custom_gradient", log1pexp, rand(5, seed=18))


def test_custom_gradient_with_a_variable_and_several_outputs():
    v = Variable(np.float32(5.0), trainable=False)
    x = Tensor(np.float32(100.0))
    with GradientTape() as tape:
        tape.watch(x)
        y = log1pexp(v) + x
    assert float(tape.gradient(y, x)) == 1.0

    @ops.custom_gradient
    def both(a, b):
        def grad(ga, gb):
            return ga * 2.0, gb * 3.0

        return (a * 1.0, b * 1.0), grad

    a, b = Tensor(rand(3, seed=19)), Tensor(rand(2, seed=20))
    with GradientTape() as tape:
        tape.watch([a, b])
        p, q = both(a, b)
        total = ops.sum(p) + ops.sum(q)
    ga, gb = tape.gradient(total, [a, b])
    assert value(ga).tolist() == [2.0] * 3 and value(gb).tolist() == [3.0] * 2


GRADIENT_CHECKED = {"slice_update", "scatter", "scatter_update", "custom_gradient"}
NOT_DIFFERENTIABLE = set()
