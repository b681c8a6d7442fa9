"""Operators and keras.ops functions on KerasTensors (layers/op_layer.py): each records an
op's node in the graph, so Model(inputs, outputs) over them predicts, fits (the replayed
step included), summarizes and round-trips through get_config and save/load."""
import json
import zipfile

import numpy as np
import pytest

import gradiente as keras
from gradiente import layers, ops
from gradiente.layers.node import KerasTensor
from gradiente.saving import ModelFormatError

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.random(shape).astype("float32")


def test_operators_return_kerastensors_with_keras_shapes_and_dtypes():
    a, b = keras.Input((3,)), keras.Input((3,))
    m = keras.Input((3, 4))
    cases = {
        "add": (a + b, (None, 3)), "radd": (1.0 + a, (None, 3)), "sub": (a - b, (None, 3)),
        "rsub": (2 - a, (None, 3)), "mul": (a * 2, (None, 3)), "div": (a / b, (None, 3)),
        "rdiv": (1 / a, (None, 3)), "floordiv": (a // 2, (None, 3)), "mod": (a % 2, (None, 3)),
        "pow": (a ** 2, (None, 3)), "rpow": (2 ** a, (None, 3)), "neg": (-a, (None, 3)),
        "abs": (abs(a), (None, 3)), "matmul": (a @ m, (None, None, 4)), "slice": (a[:, 0], (None,)),
        "ellipsis": (m[..., 1:3], (None, 3, 2)), "newaxis": (a[:, None], (None, 1, 3)),
    }
    for name, (t, shape) in cases.items():
        assert isinstance(t, KerasTensor), name
        assert t.shape == shape, (name, t.shape)
        assert t.dtype == np.float32, name
    for t in (a < b, a <= 0.5, a > b, a >= b, a != b, (a > 0) & (b > 0), ~(a > 0)):
        assert t.dtype == np.bool_ and t.shape == (None, 3)
    assert ops.cast(a, "int32").dtype == np.int32
    assert a == a and a is not b  # `==` stays identity (graph code keys tensors)


def test_the_op_names_its_node_as_keras_does_and_summary_shows_it():
    a = keras.Input((3,), name="a")
    b = keras.Input((3,), name="b")
    out = ops.sum(a + b, axis=1)
    model = keras.Model([a, b], [out, a[:, 0]])
    assert [layer.name for layer in model.layers] == ["a", "b", "add", "sum", "get_item"]
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "add (Add)" in text and "sum (Sum)" in text and "get_item (GetItem)" in text
    assert "Total params: 0" in text


def _wide_and_deep():
    wide_in = keras.Input((4,), name="wide")
    deep_in = keras.Input((6,), name="deep")
    deep = layers.Dense(8, activation="relu")(deep_in)
    deep = layers.Dense(4, activation="relu")(deep)
    joined = ops.concatenate([wide_in, deep], axis=1)
    hidden = layers.Dense(4)(joined)
    # A residual + scaled combination written with operators and mixed Python numbers.
    logits = layers.Dense(1)(hidden + 0.5 * wide_in - deep / 2.0)
    return keras.Model([wide_in, deep_in], logits)


def test_wide_and_deep_predict_matches_numpy():
    model = _wide_and_deep()
    xw, xd = _x(5, 4), _x(5, 6)
    k1, b1, k2, b2, k3, b3, k4, b4 = model.get_weights()
    deep = np.maximum(np.maximum(xd @ k1 + b1, 0) @ k2 + b2, 0)
    hidden = np.concatenate([xw, deep], axis=1) @ k3 + b3
    expected = (hidden + 0.5 * xw - deep / 2.0) @ k4 + b4
    np.testing.assert_allclose(model.predict([xw, xd], verbose=0), expected, rtol=1e-5, atol=1e-6)


def _residual(seed=1):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((8,))
    x = layers.Dense(8, activation="relu")(inputs)
    y = layers.Dense(8)(x)
    x = x + y  # the residual connection
    x = ops.power(x, 2) * 0.1 + x
    pooled = ops.sum(x, axis=1, keepdims=True)
    outputs = layers.Dense(1, activation="sigmoid")(ops.concatenate([x, pooled, x[:, :2]], axis=-1))
    return keras.Model(inputs, outputs)


def _fit(model, x, y, run_eagerly):
    model.compile(keras.optimizers.Adam(0.01), "binary_crossentropy", run_eagerly=run_eagerly)
    keras.utils.set_random_seed(7)  # the same shuffles for both runs
    return model.fit(x, y, epochs=3, batch_size=16, shuffle=True, verbose=0)


def test_fit_replays_bit_identically_to_eager():
    x = _x(96, 8)
    y = (x.sum(1) > 4).astype("float32")[:, None]
    replayed, eager = _residual(), _residual()
    history = _fit(replayed, x, y, run_eagerly=False)
    _fit(eager, x, y, run_eagerly=True)
    assert any(r is not None for r in replayed._compiled_step.replays.values())
    for a, b in zip(replayed.get_weights(), eager.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_ops_with_non_tensor_arguments_and_numpy_operands():
    inputs = keras.Input((3, 2))
    const = np.arange(2, dtype="float32")
    out = [ops.sum(inputs, axis=1), ops.power(inputs, 2), inputs + const, const * inputs,
           ops.mean(inputs, axis=(1, 2), keepdims=True), ops.transpose(inputs, (0, 2, 1)),
           ops.where(inputs > 0.5, inputs, 0.0)]
    model = keras.Model(inputs, out)
    x = _x(4, 3, 2)
    got = model.predict(x, verbose=0)
    want = [x.sum(1), x ** 2, x + const, const * x, x.mean((1, 2), keepdims=True),
            x.transpose(0, 2, 1), np.where(x > 0.5, x, 0.0)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6)


def test_a_wrong_shaped_numpy_operand_fails_clearly():
    inputs = keras.Input((3,))
    with pytest.raises(ValueError, match=r"keras.ops.add cannot be applied to KerasTensor of shape "
                                         r"\(None, 3\), ndarray of shape \(4,\).*broadcast"):
        inputs + np.ones(4, dtype="float32")
    with pytest.raises(ValueError, match="keras.ops.matmul"):
        inputs @ keras.Input((4, 2))


def _roundtrip_models():
    a = keras.Input((3,), name="a")
    b = keras.Input((3,), name="b")
    d = layers.Dense(3, name="d")(a)
    mixed = ops.concatenate([d + b, a * np.array([1, 2, 3], "float32")], axis=1)
    picked = mixed[:, 1:5]
    outs = [ops.sum(picked, axis=1), picked ** 2, -abs(mixed)[..., ::2], ops.cast(a > 0.5, "float32")]
    return keras.Model([a, b], outs), (_x(4, 3), _x(4, 3))


def test_get_config_from_config_roundtrip():
    model, data = _roundtrip_models()
    config = json.loads(json.dumps(model.get_config()))  # as it is stored: no tuples
    op_entries = [e for e in config["layers"] if e["class_name"] == "OpLayer"]
    assert {e["config"]["op"] for e in op_entries} >= {"add", "concatenate", "get_item", "sum", "power"}
    rebuilt = keras.Model.from_config(config)
    rebuilt.set_weights(model.get_weights())
    for g, w in zip(rebuilt.predict(data, verbose=0), model.predict(data, verbose=0)):
        np.testing.assert_array_equal(g, w)
    assert rebuilt.get_config() == model.get_config()


def test_save_load_roundtrip(tmp_path):
    model, data = _roundtrip_models()
    path = tmp_path / "ops.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    for g, w in zip(loaded.predict(data, verbose=0), model.predict(data, verbose=0)):
        np.testing.assert_array_equal(g, w)


def _tampered(tmp_path, change):
    a = keras.Input((3,))
    model = keras.Model(a, ops.sum(a * 2.0, axis=1))
    path = tmp_path / "good.keras"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    config = json.loads(members["config.json"])
    entry = next(e for e in config["config"]["layers"] if e["class_name"] == "OpLayer")
    change(entry["config"])
    members["config.json"] = json.dumps(config).encode()
    bad = tmp_path / "bad.keras"
    with zipfile.ZipFile(bad, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return bad


@pytest.mark.parametrize("change, message", [
    (lambda c: c.update(op="os.system"), "not the name of a keras.ops function"),
    (lambda c: c.update(op="__import__"), "not the name of a keras.ops function"),
    (lambda c: c.update(op="convert_to_numpy"), "not the name of a keras.ops function"),
    (lambda c: c["arguments"]["args"].append({"class_name": "Dense", "config": {"units": 1}}),
     "unexpected argument record"),
    (lambda c: c["arguments"]["args"].append({"class_name": "__lambda__", "config": {"code": "x"}}),
     "unexpected argument record"),
])
def test_loading_resolves_only_gradiente_ops_and_data(tmp_path, change, message):
    with pytest.raises(ModelFormatError, match=message):
        keras.models.load_model(_tampered(tmp_path, change))


def test_a_non_serializable_argument_fails_at_get_config_not_at_build():
    a = keras.Input((3,))
    model = keras.Model(a, ops.map(lambda row: row * 2.0, a))
    np.testing.assert_allclose(model.predict(np.ones((2, 3), "float32"), verbose=0), 2.0)
    with pytest.raises(ValueError, match="cannot be saved in a config"):
        model.get_config()


def test_eager_calls_are_unchanged():
    x = keras.ops.convert_to_tensor(np.ones((2, 3), "float32"))
    assert isinstance(ops.add(x, 1.0), type(x))
    assert ops.true_divide is ops.divide and ops.linalg.norm is ops.norm
    assert ops.shape(keras.Input((3,))) == (None, 3)
