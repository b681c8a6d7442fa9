"""Lambda on a list of inputs in a Functional graph, with ``output_shape`` a tuple, a list of
tuples or a function; and the mask/training arguments Keras passes to its function."""
import numpy as np
import pytest

import gradiente as keras
from gradiente import layers, ops

A = np.arange(6, dtype="float32").reshape(2, 3)
B = np.ones((2, 3), dtype="float32")


def two_inputs():
    return keras.Input((3,)), keras.Input((3,))


def test_difference_of_two_inputs_with_a_tuple_output_shape():
    a, b = two_inputs()
    out = layers.Lambda(lambda t: t[0] - t[1], output_shape=(3,))([a, b])
    assert out.shape == (None, 3)
    model = keras.Model([a, b], out)
    np.testing.assert_array_equal(model([A, B]).numpy(), A - B)


def test_callable_output_shape_receives_the_list_of_input_shapes():
    a, b = two_inputs()
    seen = []

    def shape_fn(shapes):
        seen.append(shapes)
        return (shapes[0][0], shapes[0][1] + shapes[1][1])

    out = layers.Lambda(lambda t: ops.concatenate(t, axis=-1), output_shape=shape_fn)([a, b])
    assert seen == [[(None, 3), (None, 3)]] and out.shape == (None, 6)
    np.testing.assert_array_equal(keras.Model([a, b], out)([A, B]).numpy(), np.concatenate([A, B], -1))


def test_output_shape_inferred_without_the_argument_and_for_several_outputs():
    a, b = two_inputs()
    inferred = layers.Lambda(lambda t: t[0] * t[1])([a, b])
    assert inferred.shape == (None, 3)
    pair = layers.Lambda(lambda t: [t[0] + t[1], ops.sum(t[0], axis=-1, keepdims=True)],
                         output_shape=[(3,), (1,)])([a, b])
    assert [p.shape for p in pair] == [(None, 3), (None, 1)]
    total, summed = keras.Model([a, b], pair)([A, B])
    np.testing.assert_array_equal(summed.numpy(), A.sum(-1, keepdims=True))


def test_bad_output_shape_is_refused_with_the_value():
    a, b = two_inputs()
    with pytest.raises(ValueError, match="output_shape"):
        layers.Lambda(lambda t: t[0], output_shape="three")([a, b])


def test_the_function_receives_mask_and_training_when_it_asks_for_them():
    seen = {}

    def fn(x, mask=None, training=None):
        seen.update(mask=mask, training=training)
        return x

    x = layers.Embedding(5, 2, mask_zero=True)(np.array([[1, 0]]))
    with pytest.warns(UserWarning, match="does not support masking"):  # no `mask=` given to Lambda
        layers.Lambda(fn)(x, training=True)
    np.testing.assert_array_equal(np.asarray(seen["mask"]), [[True, False]])
    assert seen["training"] is True
