"""Functional models: graphs of layer calls run on data in topological order."""
import json

import numpy as np
import pytest

from gradiente import backend, layers, models, ops
from gradiente.autodiff import GradientTape, Tensor
from gradiente.models import Functional
from gradiente.testing import check_gradients


def rng():
    return np.random.default_rng(0)


def wide_and_deep():
    input_ = layers.Input(shape=(8,))
    hidden1 = layers.Dense(30, activation="relu")(input_)
    hidden2 = layers.Dense(30, activation="relu")(hidden1)
    concat = layers.concatenate([input_, hidden2])
    output = layers.Dense(1)(concat)
    return models.Model(inputs=[input_], outputs=[output])


def wide_and_deep_numpy(weights, x):
    k1, b1, k2, b2, k3, b3 = weights
    h1 = np.maximum(x @ k1 + b1, 0)
    h2 = np.maximum(h1 @ k2 + b2, 0)
    return np.concatenate([x, h2], axis=1) @ k3 + b3


def test_model_with_inputs_and_outputs_is_functional():
    model = wide_and_deep()
    assert type(model) is Functional and isinstance(model, models.Model)
    assert [layer.name for layer in model.layers] == ["input_1", "dense", "dense_1", "concatenate", "dense_2"]
    assert model.count_params() == 1239


def test_single_element_lists_mean_a_single_input_and_output():
    model = wide_and_deep()
    assert model.input_shape == (None, 8) and model.output_shape == (None, 1)
    assert model.input_names == ["input_1"] and model.output_names == ["dense_2"]
    out = model(rng().standard_normal((4, 8)))
    assert isinstance(out, Tensor) and out.shape == (4, 1)


def test_forward_matches_numpy():
    model = wide_and_deep()
    x = rng().standard_normal((5, 8)).astype("float32")
    np.testing.assert_allclose(model(x).numpy(), wide_and_deep_numpy(model.get_weights(), x), rtol=1e-5, atol=1e-5)
    # One sample, and data given inside a one-element list.
    np.testing.assert_allclose(model([x[:1]]).numpy(), model(x).numpy()[:1], rtol=1e-6)


def test_positional_constructor_and_keyword_name():
    inputs = layers.Input(shape=(2,))
    model = models.Model(inputs, layers.Dense(1)(inputs), name="tiny")
    assert model.name == "tiny" and model.built


def two_in_two_out(as_dict=False):
    wide = layers.Input(shape=(5,), name="wide_input")
    deep = layers.Input(shape=(6,), name="deep_input")
    hidden = layers.Dense(4, activation="relu")(deep)
    concat = layers.concatenate([wide, hidden])
    main = layers.Dense(1, name="main_output")(concat)
    aux = layers.Dense(1, name="aux_output")(hidden)
    if as_dict:
        return models.Model(inputs={"wide": wide, "deep": deep}, outputs={"main": main, "aux": aux})
    return models.Model(inputs=[wide, deep], outputs=[main, aux])


def test_several_inputs_and_outputs_as_lists():
    model = two_in_two_out()
    assert model.input_names == ["wide_input", "deep_input"]
    assert model.output_names == ["main_output", "aux_output"]
    assert model.input_shape == [(None, 5), (None, 6)]
    xa, xb = rng().standard_normal((3, 5)), rng().standard_normal((3, 6))
    main, aux = model([xa, xb])
    k, b, km, bm, ka, ba = model.get_weights()
    hidden = np.maximum(xb @ k + b, 0)
    np.testing.assert_allclose(main.numpy(), np.concatenate([xa, hidden], 1) @ km + bm, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(aux.numpy(), hidden @ ka + ba, rtol=1e-5, atol=1e-5)
    # A list-input model also takes a dict keyed by input name; a tuple works as a list.
    by_name = model({"deep_input": xb, "wide_input": xa})
    np.testing.assert_allclose(by_name[0].numpy(), main.numpy())
    np.testing.assert_allclose(model((xa, xb))[1].numpy(), aux.numpy())


def test_several_inputs_and_outputs_as_dicts():
    model = two_in_two_out(as_dict=True)
    xa, xb = rng().standard_normal((3, 5)), rng().standard_normal((3, 6))
    out = model({"wide": xa, "deep": xb})
    assert list(out) == ["main", "aux"]
    assert model.output_names == ["aux", "main"]
    hidden_layer = next(l for l in model.layers if getattr(l, "units", None) == 4)
    k, b = hidden_layer.get_weights()
    km, bm = model.get_layer("main_output").get_weights()
    ka, ba = model.get_layer("aux_output").get_weights()
    hidden = np.maximum(xb @ k + b, 0)
    np.testing.assert_allclose(out["main"].numpy(), np.concatenate([xa, hidden], 1) @ km + bm, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out["aux"].numpy(), hidden @ ka + ba, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match=r"without the key\(s\) \['wide'\]"):
        model({"deep": xb})


def test_wrong_number_of_inputs_says_how_many():
    model = two_in_two_out()
    with pytest.raises(ValueError, match=r"expects 2 input\(s\) \(wide_input, deep_input\), but it was called on 1"):
        model(np.ones((3, 5)))
    with pytest.raises(ValueError, match=r"expects 2 input\(s\).*called on 3"):
        model([np.ones((3, 5))] * 3)
    with pytest.raises(ValueError, match=r"expects 1 input\(s\).*called on 2"):
        wide_and_deep()([np.ones((3, 8)), np.ones((3, 8))])


def test_wrong_input_shape_names_the_input():
    with pytest.raises(ValueError, match=r"input 1 \('deep_input'\) expects data of shape \(None, 6\).*\(3, 7\)"):
        two_in_two_out()([np.ones((3, 5)), np.ones((3, 7))])


def test_shared_layer_makes_two_nodes_and_one_set_of_weights():
    a, b = layers.Input(shape=(3,)), layers.Input(shape=(3,))
    shared = layers.Dense(2)
    out = layers.add([shared(a), shared(b)])
    model = models.Model([a, b], out)
    assert len(shared._inbound_nodes) == 2
    assert [layer.name for layer in model.layers].count("dense") == 1
    assert len(model.weights) == 2
    xa, xb = rng().standard_normal((4, 3)), rng().standard_normal((4, 3))
    kernel, bias = shared.get_weights()
    np.testing.assert_allclose(model([xa, xb]).numpy(), xa @ kernel + xb @ kernel + 2 * bias, rtol=1e-5, atol=1e-6)


def test_nested_model_is_called_like_a_layer():
    inner = wide_and_deep()
    x_in = layers.Input(shape=(8,))
    outer = models.Model(x_in, layers.Dense(2)(inner(x_in)))
    assert inner in outer.layers
    assert len(outer.weights) == 8
    x = rng().standard_normal((3, 8)).astype("float32")
    head = outer.layers[-1]
    expected = inner(x).numpy() @ head.kernel.numpy() + head.bias.numpy()
    np.testing.assert_allclose(outer(x).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_nested_model_shared_twice_and_with_several_outputs():
    inner = two_in_two_out()
    a, b = layers.Input(shape=(5,)), layers.Input(shape=(6,))
    main, aux = inner([a, b])
    main2, _ = inner([a, b])
    model = models.Model([a, b], layers.concatenate([main, aux, main2]))
    xa, xb = rng().standard_normal((2, 5)), rng().standard_normal((2, 6))
    m, x = inner([xa, xb])
    np.testing.assert_allclose(model([xa, xb]).numpy(), np.concatenate([m.numpy(), x.numpy(), m.numpy()], 1))


def test_nested_model_with_dict_outputs_keeps_them_as_a_dict():
    inner = two_in_two_out(as_dict=True)
    a, b = layers.Input(shape=(5,)), layers.Input(shape=(6,))
    outs = inner({"wide": a, "deep": b})
    assert set(outs) == {"main", "aux"}
    model = models.Model([a, b], layers.subtract([outs["main"], outs["aux"]]))
    xa, xb = rng().standard_normal((2, 5)), rng().standard_normal((2, 6))
    expected = inner({"wide": xa, "deep": xb})
    np.testing.assert_allclose(model([xa, xb]).numpy(), expected["main"].numpy() - expected["aux"].numpy(), rtol=1e-6)


def test_intermediate_outputs():
    model = wide_and_deep()
    hidden_model = models.Model(model.input, model.layers[1].output)
    assert hidden_model.layers == model.layers[:2]
    x = rng().standard_normal((4, 8)).astype("float32")
    k1, b1 = model.layers[1].get_weights()
    np.testing.assert_allclose(hidden_model(x).numpy(), np.maximum(x @ k1 + b1, 0), rtol=1e-5, atol=1e-6)
    # A model from an intermediate tensor onwards.
    inputs = layers.Input(shape=(3,))
    chain = models.Model(inputs, layers.Dense(1)(layers.Dense(2, name="first")(inputs)))
    tail = models.Model(chain.layers[2].input, chain.output)
    assert [layer.name for layer in tail.layers] == [chain.layers[2].name]


def test_disconnected_output_names_the_missing_input():
    a, b = layers.Input(shape=(3,)), layers.Input(shape=(3,), name="forgotten")
    out = layers.concatenate([layers.Dense(2)(a), b])
    with pytest.raises(ValueError, match="Graph disconnected.*layer 'concatenate'.*'forgotten'.*inputs="):
        models.Model(a, out)


def test_outputs_must_be_symbolic_tensors():
    inputs = layers.Input(shape=(3,))
    with pytest.raises(TypeError, match="layer 'dense' itself: call it on a tensor"):
        models.Model(inputs, layers.Dense(1))
    with pytest.raises(TypeError, match="must be symbolic tensors"):
        models.Model(inputs, np.ones(3))


def test_duplicate_layer_names_are_refused():
    inputs = layers.Input(shape=(3,))
    x = layers.Dense(2, name="twin")(inputs)
    with pytest.raises(ValueError, match="'twin' is used by 2 layers"):
        models.Model(inputs, layers.Dense(1, name="twin")(x))


def test_unused_input_is_kept():
    a, b = layers.Input(shape=(3,)), layers.Input(shape=(2,))
    model = models.Model([a, b], layers.Dense(1)(a))
    assert model.layers[1] is b._keras_history[0]
    assert model([np.ones((2, 3)), np.ones((2, 2))]).shape == (2, 1)


def test_training_argument_reaches_the_layers():
    inputs = layers.Input(shape=(200,))
    model = models.Model(inputs, layers.Dropout(0.5)(inputs))
    x = np.ones((4, 200), dtype="float32")
    np.testing.assert_array_equal(model(x).numpy(), x)
    np.testing.assert_array_equal(model(x, training=False).numpy(), x)
    dropped = model(x, training=True).numpy()
    assert set(np.unique(dropped)) == {0.0, 2.0}
    # training=True given when the graph was built wins, as in Keras.
    always = models.Model(inputs, layers.Dropout(0.5)(inputs, training=True))
    assert (always(x).numpy() == 0).any()


def test_integer_data_stays_integer_for_a_float_input():
    seen = []

    class Probe(layers.Layer):
        keeps_integer_inputs = True

        def call(self, inputs):
            seen.append(inputs.dtype)
            return inputs

    inputs = layers.Input(shape=(3,))
    model = models.Model(inputs, Probe()(inputs))
    model(np.ones((2, 3), dtype="int64"))
    model(np.ones((2, 3), dtype="float64"))
    assert seen[-2:] == [np.dtype("int64"), np.dtype("float32")]


@pytest.fixture
def float64():
    backend.set_floatx("float64")
    yield
    backend.set_floatx("float32")


def test_gradients_match_finite_differences(float64):
    model = wide_and_deep_small()
    x = rng().standard_normal((3, 4))
    check_gradients(lambda t: model(t), x, variables=model.trainable_weights)


def wide_and_deep_small():
    input_ = layers.Input(shape=(4,))
    hidden = layers.Dense(3, activation="tanh")(input_)
    concat = layers.concatenate([input_, hidden])
    return models.Model(input_, layers.Dense(2, activation="sigmoid")(concat))


def test_gradient_tape_through_a_model_reaches_every_weight():
    model = wide_and_deep()
    x = rng().standard_normal((4, 8)).astype("float32")
    with GradientTape() as tape:
        loss = ops.mean(ops.square(model(x)))
    grads = tape.gradient(loss, model.trainable_weights)
    assert all(g is not None and g.shape == v.shape for g, v in zip(grads, model.trainable_weights))


def test_config_round_trip_rebuilds_an_equivalent_model():
    model = wide_and_deep()
    config = model.get_config()
    json.dumps(config)
    assert config["input_layers"] == [["input_1", 0, 0]]
    assert config["output_layers"] == [["dense_2", 0, 0]]
    concat = next(entry for entry in config["layers"] if entry["name"] == "concatenate")
    assert concat["inbound_nodes"] == [[["input_1", 0, 0, {}], ["dense_1", 0, 0, {}]]]
    clone = Functional.from_config(config)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    clone.set_weights(model.get_weights())
    x = rng().standard_normal((3, 8)).astype("float32")
    np.testing.assert_allclose(clone(x).numpy(), model(x).numpy(), rtol=1e-6)


def test_config_round_trip_with_shared_layers_nested_models_and_dicts():
    inner = two_in_two_out(as_dict=True)
    a, b = layers.Input(shape=(5,)), layers.Input(shape=(6,))
    shared = layers.Dense(3, name="shared")
    outs = inner({"wide": a, "deep": b})
    merged = layers.concatenate([shared(outs["main"]), shared(outs["aux"])])
    model = models.Model({"a": a, "b": b}, [merged, outs["aux"]])
    config = model.get_config()
    json.dumps(config)
    shared_config = next(entry for entry in config["layers"] if entry["name"] == "shared")
    assert len(shared_config["inbound_nodes"]) == 2
    clone = Functional.from_config(config)
    clone.set_weights(model.get_weights())
    data = {"a": rng().standard_normal((2, 5)), "b": rng().standard_normal((2, 6))}
    for got, want in zip(clone(data), model(data)):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_config_round_trip_keeps_call_arguments():
    inputs = layers.Input(shape=(10,))
    model = models.Model(inputs, layers.Dropout(0.5)(inputs, training=True))
    clone = Functional.from_config(model.get_config())
    assert (clone(np.ones((2, 10))).numpy() == 0).any()


def test_unknown_class_in_config_asks_for_custom_objects():
    class Custom(layers.Layer):
        pass

    inputs = layers.Input(shape=(2,))
    config = models.Model(inputs, Custom()(inputs)).get_config()
    with pytest.raises(ValueError, match="custom_objects"):
        Functional.from_config(config)
    assert Functional.from_config(config, custom_objects={"Custom": Custom}).layers[1].name == "custom"


def test_clone_model_keeps_sharing_and_nesting():
    inner = wide_and_deep()
    x_in = layers.Input(shape=(8,))
    shared = layers.Dense(2)
    model = models.Model(x_in, layers.add([shared(inner(x_in)), shared(inner(x_in))]))
    clone = models.clone_model(model)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert len(clone.weights) == len(model.weights)
    clone.set_weights(model.get_weights())
    x = rng().standard_normal((2, 8)).astype("float32")
    np.testing.assert_allclose(clone(x).numpy(), model(x).numpy(), rtol=1e-6)


def test_model_as_a_layer_infers_shapes_without_running():
    a, b = layers.Input(shape=(5,)), layers.Input(shape=(6,))
    inner = models.Model([a, b], [layers.Dense(1)(a), layers.Dense(2)(b)])
    assert inner.compute_output_shape([(None, 5), (None, 6)]) == [(None, 1), (None, 2)]
    assert inner.compute_output_shape([(4, 5), (4, 6)]) == [(4, 1), (4, 2)]
    x, y = layers.Input(shape=(5,), batch_size=4), layers.Input(shape=(6,), batch_size=4)
    assert [t.shape for t in inner([x, y])] == [(4, 1), (4, 2)]


def test_model_inputs_take_the_dtype_of_their_input():
    class Probe(layers.Layer):
        keeps_integer_inputs = True

    ids = layers.Input(shape=(3,), dtype="int32")
    model = models.Model(ids, Probe()(ids))
    assert model(np.array([[1.0, 2.0, 3.0]])).dtype == np.dtype("int32")


def test_images_fed_to_a_flat_input_suggest_a_flatten_layer():
    model = models.Sequential([layers.Dense(10, input_shape=[784])])
    with pytest.raises(ValueError, match=r"add a Flatten layer first.*input_shape=\[28, 28\]"):
        model.predict(np.zeros((4, 28, 28), np.float32), verbose=0)
