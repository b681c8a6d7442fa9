"""Layers called with several tensors in a Functional graph: every positional tensor and
every keyword tensor reaches ``call``, when the graph is built and when it runs."""
import numpy as np
import pytest

import gradiente as keras
from gradiente import layers, ops

A = np.arange(6, dtype="float32").reshape(2, 3)
B = np.full((2, 3), 10.0, dtype="float32")


class Difference(layers.Layer):
    def call(self, x, y):
        return x - y


class Blend(layers.Layer):
    """A weighted layer with two tensor arguments, built from both shapes by name."""

    def build(self, x_shape, y_shape):
        self.w = self.add_weight(shape=(x_shape[-1], y_shape[-1]), initializer="ones")

    def call(self, x, y, scale=1.0):
        return ops.matmul(x, self.w) * scale + y


class Attend(layers.Layer):
    def call(self, query, value, key=None):
        key = value if key is None else key
        return query * 2.0 + value - key


def test_two_positional_tensors_both_reach_call_in_a_graph():
    a, b = keras.Input((3,)), keras.Input((3,))
    out = Difference()(a, b)
    assert out.shape == (None, 3)
    model = keras.Model([a, b], out)
    np.testing.assert_array_equal(model([A, B]).numpy(), A - B)


def test_build_receives_each_tensor_shape_by_name_and_keywords_pass_through():
    a, b = keras.Input((3,)), keras.Input((2,))
    layer = Blend()
    out = layer(a, b, scale=0.5)
    assert layer.w.shape == (3, 2) and out.shape == (None, 2)
    model = keras.Model([a, b], out)
    b_data = np.ones((2, 2), "float32")
    want = np.broadcast_to(A.sum(1, keepdims=True), (2, 2))
    np.testing.assert_allclose(model([A, b_data]).numpy(), want * 0.5 + 1.0)
    eager = Blend()(A, b_data)  # arrays as further arguments become tensors eagerly too
    np.testing.assert_allclose(eager.numpy(), want + 1.0)


def test_keyword_tensor_arguments_in_a_graph():
    q, v, k = keras.Input((3,)), keras.Input((3,)), keras.Input((3,))
    out = Attend()(query=q, value=v)
    model = keras.Model([q, v], out)
    np.testing.assert_array_equal(model([A, B]).numpy(), A * 2)
    out_k = Attend()(q, value=v, key=k)
    model_k = keras.Model([q, v, k], out_k)
    np.testing.assert_array_equal(model_k([A, B, np.zeros_like(A)]).numpy(), A * 2 + B)


def test_an_explicit_mask_tensor_argument_in_a_graph():
    seq = keras.Input((4, 2))
    mask = keras.Input((4,), dtype="bool")
    out = layers.LSTM(3)(seq, mask=mask)
    model = keras.Model([seq, mask], out)
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(2, 4, 2)).astype("float32")
    keep = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)
    got = model([x, keep]).numpy()
    direct = model.layers[-1](x[:1, :2]).numpy()  # the first sequence without its padding
    np.testing.assert_allclose(got[:1], direct, rtol=1e-5, atol=1e-6)


def test_calling_without_inputs_names_the_missing_argument():
    with pytest.raises(TypeError, match=r"query=\.\.\."):
        Attend()(value=keras.Input((3,)))


def test_wrong_arguments_are_reported_with_the_call_signature():
    with pytest.raises(TypeError, match=r"call\(x, y\)"):
        Difference()(keras.Input((3,)), keras.Input((3,)), keras.Input((3,)))


def test_every_tensor_of_a_call_is_an_inbound_connection():
    q, v, k = keras.Input((3,), name="q"), keras.Input((3,), name="v"), keras.Input((3,), name="k")
    out = Attend(name="att")(q, value=v, key=k)
    model = keras.Model([q, v, k], Difference(name="diff")(out, v))
    node = model.get_layer("att")._inbound_nodes[0]
    assert [t._keras_history[0].name for t in node.input_tensors] == ["q", "v", "k"]
    lines = []
    model.summary(print_fn=lines.append)
    att = next(i for i, line in enumerate(lines) if line.startswith("att "))
    assert "q[0][0]" in lines[att] and "v[0][0]" in lines[att + 1] and "k[0][0]" in lines[att + 2]
