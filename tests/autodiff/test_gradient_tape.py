"""GradientTape semantics: what is watched, the shape of the answer, persistence, memory,
and the errors for bad requests."""
import gc
import weakref

import numpy as np
import pytest

from gradiente import ops
from gradiente.autodiff import GradientTape, Tensor, Variable, stop_gradient
from gradiente.autodiff import tape as tape_module


def _t(*values):
    return Tensor(np.array(values, dtype=np.float64))


# --- what is watched -----------------------------------------------------------------
def test_trainable_variables_are_watched_automatically():
    v = Variable(np.array([1.0, 2.0]))
    with GradientTape() as tape:
        y = v * v
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [2.0, 4.0])


def test_non_trainable_variables_are_not_watched():
    v = Variable(np.array([1.0, 2.0]), trainable=False)
    with GradientTape() as tape:
        y = v * 3.0
    assert tape.gradient(y, v) is None


def test_watch_makes_a_non_trainable_variable_or_tensor_differentiable():
    v = Variable(np.array(2.0), trainable=False)
    t = _t(3.0)
    with GradientTape(persistent=True) as tape:
        tape.watch([v, t])
        y = v * t
    assert float(tape.gradient(y, v)) == 3.0
    np.testing.assert_array_equal(tape.gradient(y, t).numpy(), [2.0])


def test_unwatched_tensors_get_none():
    t = _t(1.0, 2.0)
    with GradientTape() as tape:
        y = ops.exp(t)
    assert tape.gradient(y, t) is None


def test_watch_accessed_variables_false():
    v, w = Variable(np.array(2.0)), Variable(np.array(5.0))
    with GradientTape(watch_accessed_variables=False, persistent=True) as tape:
        tape.watch(w)
        y = v * w
    assert tape.gradient(y, v) is None
    assert float(tape.gradient(y, w)) == 2.0
    assert tape.watched_variables() == (w,)


def test_watched_variables_lists_the_variables_used():
    a, b, unused = Variable(1.0, name="a"), Variable(2.0, name="b"), Variable(3.0)
    with GradientTape() as tape:
        a * b
    assert set(map(id, tape.watched_variables())) == {id(a), id(b)}
    assert id(unused) not in map(id, tape.watched_variables())


def test_watch_rejects_non_tensors():
    with GradientTape() as tape:
        with pytest.raises(TypeError, match="watch expects tensors.*ndarray.*convert_to_tensor"):
            tape.watch(np.zeros(3))


# --- structure of sources and targets ------------------------------------------------
def test_nested_sources_come_back_in_the_same_structure():
    a, b, c = Variable(1.0), Variable(2.0), Variable(3.0)
    with GradientTape() as tape:
        y = a * b * c
    grads = tape.gradient(y, {"first": [a, b], "second": (c,), "none": {"z": a}})
    assert list(grads) == ["first", "second", "none"]
    assert isinstance(grads["first"], list) and isinstance(grads["second"], tuple)
    assert [float(g) for g in grads["first"]] == [6.0, 3.0]
    assert float(grads["second"][0]) == 2.0 and float(grads["none"]["z"]) == 6.0


def test_single_source_gives_a_single_tensor_and_list_gives_list():
    a = Variable(2.0)
    with GradientTape(persistent=True) as tape:
        y = a * a
    assert isinstance(tape.gradient(y, a), Tensor)
    assert isinstance(tape.gradient(y, [a]), list)


def test_unconnected_source_is_none_or_zeros():
    a, b = Variable(np.ones(3, dtype=np.float32)), Variable(np.ones((2, 2), dtype=np.float32))
    with GradientTape(persistent=True) as tape:
        y = a * 2.0
    ga, gb = tape.gradient(y, [a, b])
    assert gb is None and ga is not None
    _, gb = tape.gradient(y, [a, b], unconnected_gradients="zero")
    assert gb.shape == (2, 2) and gb.dtype == np.float32 and not gb.numpy().any()
    with pytest.raises(ValueError, match="unconnected_gradients.*'nan'"):
        tape.gradient(y, a, unconnected_gradients="nan")


def test_non_scalar_target_is_summed():
    x = Variable(np.array([1.0, 2.0, 3.0]))
    with GradientTape() as tape:
        y = x * x  # shape (3,)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [2.0, 4.0, 6.0])


def test_output_gradients_weight_the_target():
    x = Variable(np.array([1.0, 2.0, 3.0]))
    with GradientTape(persistent=True) as tape:
        y = x * x
    weights = np.array([1.0, 0.0, -2.0])
    np.testing.assert_array_equal(tape.gradient(y, x, output_gradients=weights).numpy(), [2.0, 0.0, -12.0])
    np.testing.assert_array_equal(tape.gradient(y, x, output_gradients=Tensor(weights)).numpy(), [2.0, 0.0, -12.0])
    with pytest.raises(ValueError, match=r"output_gradients has shape \(2,\).*target has shape \(3,\)"):
        tape.gradient(y, x, output_gradients=np.ones(2))


def test_list_of_targets_adds_their_gradients():
    x = Variable(2.0)
    with GradientTape() as tape:
        y1, y2 = x * x, x * 3.0
    assert float(tape.gradient([y1, y2], x)) == 4.0 + 3.0


def test_target_that_is_the_source_has_gradient_one():
    x = Variable(np.array([1.0, 5.0]))
    with GradientTape() as tape:
        pass
    np.testing.assert_array_equal(tape.gradient(x, x).numpy(), [1.0, 1.0])


def test_gradients_accumulate_over_every_use():
    x = Variable(np.array([1.0, -2.0]))
    with GradientTape() as tape:
        y = ops.sum(x * x + x) + x[0]  # d/dx = 2x + 1 + [1, 0]
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [4.0, -3.0])


def test_intermediate_tensor_as_source():
    x = Variable(np.array([1.0, 2.0]))
    with GradientTape() as tape:
        h = x * 3.0
        y = h * h
    gh, gx = tape.gradient(y, [h, x])
    np.testing.assert_array_equal(gh.numpy(), [6.0, 12.0])
    np.testing.assert_array_equal(gx.numpy(), [18.0, 36.0])


# --- persistence and reuse -----------------------------------------------------------
def test_persistent_tape_allows_several_gradient_calls():
    x = Variable(3.0)
    with GradientTape(persistent=True) as tape:
        y = x * x
        z = y * x
    assert float(tape.gradient(y, x)) == 6.0
    assert float(tape.gradient(z, x)) == 27.0
    assert float(tape.gradient(z, x)) == 27.0


def test_second_gradient_call_on_a_non_persistent_tape_raises():
    x = Variable(3.0)
    with GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="only once.*persistent=True"):
        tape.gradient(y, x)


def test_a_used_tape_cannot_be_entered_again():
    tape = GradientTape()
    x = Variable(1.0)
    with tape:
        y = x * 2.0
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="already been used"):
        with tape:
            pass


def test_gradient_inside_the_block_stops_recording():
    x = Variable(2.0)
    with GradientTape() as tape:
        y = x * x
        assert float(tape.gradient(y, x)) == 4.0
        assert tape not in tape_module.ACTIVE_TAPES
        x * x
    assert tape._records == []


def test_nested_tapes_both_record():
    x = Variable(2.0)
    with GradientTape() as outer:
        with GradientTape() as inner:
            y = x * x * x
        z = y * 2.0
    assert float(inner.gradient(y, x)) == 12.0
    assert float(outer.gradient(z, x)) == 24.0


def test_stop_recording_and_reset():
    x = Variable(2.0)
    with GradientTape(persistent=True) as tape:
        with tape.stop_recording():
            y = x * x
        z = x * 5.0
    assert tape.gradient(y, x) is None
    assert float(tape.gradient(z, x)) == 5.0
    tape.reset()
    assert tape.gradient(z, x) is None
    with pytest.raises(RuntimeError, match="not recording"):
        with tape.stop_recording():
            pass


# --- stop_gradient -------------------------------------------------------------------
def test_stop_gradient_blocks_flow():
    x = Variable(np.array([1.0, 3.0]))
    with GradientTape() as tape:
        frozen = stop_gradient(x)
        y = x * frozen  # d/dx treats `frozen` as a constant
    np.testing.assert_array_equal(frozen.numpy(), x.numpy())
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [1.0, 3.0])
    assert ops.stop_gradient is stop_gradient
    assert isinstance(stop_gradient(np.ones(2)), Tensor)


# --- nothing recorded outside a tape, memory freed after gradient --------------------
def test_nothing_is_recorded_outside_a_tape():
    x = Variable(np.array([1.0, 2.0]))
    assert tape_module.ACTIVE_TAPES == []
    with GradientTape() as tape:
        pass
    x * x
    ops.exp(x)
    assert tape._records == [] and tape._tracked == {}
    assert tape_module.ACTIVE_TAPES == []


def test_constants_are_not_recorded():
    with GradientTape() as tape:
        ops.exp(Tensor(np.ones(3))) + 1.0
    assert tape._records == []


def test_tape_frees_intermediates_after_gradient():
    x = Variable(np.linspace(0, 1, 1000))
    with GradientTape() as tape:
        hidden = ops.exp(x)
        y = ops.sum(hidden * hidden)
    kept = weakref.ref(hidden.data)
    del hidden
    gc.collect()
    assert kept() is not None  # the tape still needs it for the backward pass
    tape.gradient(y, x)
    gc.collect()
    assert kept() is None
    assert tape._records == [] and tape._tracked == {}


def test_persistent_tape_keeps_its_records():
    x = Variable(2.0)
    with GradientTape(persistent=True) as tape:
        y = x * x
    tape.gradient(y, x)
    assert len(tape._records) == 1


def test_tape_leaves_the_active_list_on_error():
    with pytest.raises(ZeroDivisionError):
        with GradientTape():
            raise ZeroDivisionError
    assert tape_module.ACTIVE_TAPES == []


# --- returned gradients --------------------------------------------------------------
def test_gradient_dtype_matches_the_source():
    x = Variable(np.array([1.0, 2.0], dtype=np.float32))
    with GradientTape() as tape:
        y = ops.cast(x, "float64") * np.array([3.0, 4.0])
    g = tape.gradient(y, x)
    assert g.dtype == np.float32


def test_returned_gradients_are_independent_writable_arrays():
    # add's VJP passes one upstream array to both inputs, and sum's VJP is a broadcast view;
    # callers (optimizers, clipping) may still update what they receive in place.
    a, b = Variable(np.ones(3)), Variable(np.ones(3))
    with GradientTape() as tape:
        y = ops.sum(a + b)
    ga, gb = tape.gradient(y, [a, b])
    assert ga.numpy().flags.writeable and gb.numpy().flags.writeable
    ga.numpy()[0] = 100.0
    np.testing.assert_array_equal(gb.numpy(), [1.0, 1.0, 1.0])
    assert isinstance(ga.numpy(), np.ndarray) and isinstance(gb.numpy(), np.ndarray)


def test_scalar_gradient_is_an_ndarray():
    x = Variable(np.array(2.0))
    with GradientTape() as tape:
        y = ops.maximum(x, 1.0)
    g = tape.gradient(y, x)
    assert type(g.numpy()) is np.ndarray and g.shape == ()


# --- bad requests --------------------------------------------------------------------
def test_integer_source_raises_a_clear_type_error():
    i = Tensor(np.array([1, 2]))
    with GradientTape() as tape:
        tape.watch(i)
        y = ops.cast(i, "float32") * 2.0
    with pytest.raises(TypeError, match=r"dtype int64.*floating-point.*cast"):
        tape.gradient(y, i)


def test_integer_variable_is_never_watched_and_cannot_be_a_source():
    counter = Variable(np.array(3))
    with GradientTape() as tape:
        y = ops.cast(counter, "float32") * 2.0
    assert tape.watched_variables() == ()
    with pytest.raises(TypeError, match="floating-point"):
        tape.gradient(y, counter)


def test_integer_or_bool_target_raises():
    x = Variable(np.array([1.0, 2.0]))
    with GradientTape() as tape:
        y = x > 1.0
    with pytest.raises(TypeError, match="target of dtype bool"):
        tape.gradient(y, x)


def test_non_tensor_source_or_target_raises():
    x = Variable(1.0)
    with GradientTape(persistent=True) as tape:
        y = x * 2.0
    with pytest.raises(TypeError, match="sources must be tensors.*float"):
        tape.gradient(y, 1.0)
    with pytest.raises(TypeError, match="target must be a tensor.*ndarray"):
        tape.gradient(np.ones(2), x)
    with pytest.raises(ValueError, match="output_gradients has 2 entries.*1 targets"):
        tape.gradient(y, x, output_gradients=[np.ones(()), np.ones(())])


def test_mismatched_shapes_raise_value_error_with_op_and_shapes():
    x = Variable(np.ones((2, 3)))
    with GradientTape():
        with pytest.raises(ValueError, match=r"subtract.*\(2, 3\).*\(2,\)"):
            x - Variable(np.ones(2))
        with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(2, 3\)"):
            x @ x


# --- NaN and inf propagate as in NumPy -----------------------------------------------
def test_nan_and_inf_propagate_like_numpy():
    raw = np.array([1.0, np.nan, np.inf, -np.inf])
    x = Variable(raw.copy())
    with np.errstate(invalid="ignore"), GradientTape() as tape:
        y = x * x + ops.exp(x)
        g = tape.gradient(y, x)
        want_value = raw * raw + np.exp(raw)
        want_grad = 2 * raw + np.exp(raw)
    np.testing.assert_array_equal(y.numpy(), want_value)
    np.testing.assert_array_equal(g.numpy(), want_grad)
    assert np.isnan(x.numpy()[1])  # inputs are not "repaired" either
