"""ONNX export of the core layers (Dense, activations, dropout and noise, Embedding, the
preprocessing layers) and of the export call itself: formats, errors, options."""
import builtins

import numpy as np
import onnx
import pytest

import gradiente as keras
from gradiente import activations, layers

# threshold needs arguments and sparsemax has no translation.
ACTIVATIONS = sorted(set(activations.ALL) - {"threshold", "sparsemax"})


def _mlp(*hidden, features=6):
    return keras.Sequential([keras.Input((features,)), *hidden])


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_dense_with_every_activation(name, check_export, randomized, rng):
    # glu halves the last axis (which the symbolic shapes, as Keras's, do not show), so it ends the model.
    hidden = [layers.Dense(8, activation="tanh")] if name == "glu" else [layers.Dense(3, activation=name)]
    model = randomized(_mlp(*hidden, layers.Activation(name)), scale=1.0)
    x = rng.normal(0, 2, (5, 6)).astype("float32")
    check_export(model, x)


def test_dense_without_bias_on_rank_3_and_ops_activations(check_export, randomized, rng):
    inputs = keras.Input((4, 5))
    h = layers.Dense(7, use_bias=False, activation=keras.ops.gelu)(inputs)  # ops.gelu: tanh form
    h = layers.Dense(3, activation=keras.ops.relu)(h)
    model = randomized(keras.Model(inputs, h))
    check_export(model, rng.normal(size=(3, 4, 5)).astype("float32"))


def test_activation_layers(check_export, randomized, rng):
    model = _mlp(layers.ReLU(), layers.Dense(6), layers.ReLU(max_value=0.8, negative_slope=0.1),
                 layers.Dense(6), layers.ReLU(threshold=0.2, negative_slope=0.3),
                 layers.LeakyReLU(0.25), layers.ELU(0.7), layers.PReLU(), layers.Softmax())
    check_export(randomized(model), rng.normal(size=(4, 6)).astype("float32"))


def test_softmax_axes_and_shared_prelu(check_export, randomized, rng):
    inputs = keras.Input((3, 4, 2))
    a = layers.PReLU(shared_axes=[1, 2])(inputs)
    b = layers.Softmax(axis=1)(a)
    c = layers.Softmax(axis=(1, 2))(a)
    model = randomized(keras.Model(inputs, [b, c]))
    check_export(model, rng.normal(size=(3, 3, 4, 2)).astype("float32"))


def test_dropout_and_noise_are_identity(check_export, randomized, rng):
    model = _mlp(layers.Dropout(0.5), layers.GaussianNoise(1.0), layers.Dense(6),
                 layers.GaussianDropout(0.3), layers.AlphaDropout(0.2), layers.Identity(),
                 layers.Dense(2))
    check_export(randomized(model), rng.normal(size=(4, 6)).astype("float32"))


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32"])
def test_embedding(dtype, check_export, randomized, rng):
    inputs = keras.Input((5,), dtype=dtype)
    h = layers.Embedding(11, 4)(inputs)
    h = layers.Dense(3, activation="tanh")(h)
    model = randomized(keras.Model(inputs, h))
    session = check_export(model, rng.integers(0, 11, (4, 5)).astype(dtype))
    # A negative id is refused, as gradiente refuses it, not read from the end of the table.
    with pytest.raises(Exception, match="out of"):
        session.run(None, {session.get_inputs()[0].name: np.full((1, 5), -1).astype(dtype)})
    if dtype == "float32":
        with pytest.raises(Exception, match="out of"):
            session.run(None, {session.get_inputs()[0].name: np.full((1, 5), 2.5, "float32")})


def test_masked_embedding_into_dense_passes(check_export, randomized, rng):
    """A mask that only travels through Dense does not change any value."""
    model = keras.Sequential([keras.Input((5,), dtype="int32"), layers.Embedding(9, 3, mask_zero=True),
                              layers.Dense(2)])
    check_export(randomized(model), rng.integers(0, 9, (4, 5)).astype("int32"))


def test_preprocessing_layers(check_export, rng):
    norm = layers.Normalization()
    data = rng.normal(3, 2, (50, 6)).astype("float32")
    norm.adapt(data)
    inputs = keras.Input((6,))
    a = norm(inputs)
    b = layers.Normalization(mean=[1.0] * 6, variance=[4.0] * 6, invert=True)(inputs)
    c = layers.Rescaling(1 / 255.0, offset=-0.5)(inputs)
    d = layers.UnitNormalization()(inputs)
    model = keras.Model(inputs, [a, b, c, d])
    x = data[:4].copy()
    x[0] = 0.0  # a zero vector: UnitNormalization's clamp
    check_export(model, x)


def test_masking_zeroes_masked_steps(check_export, rng):
    model = keras.Sequential([keras.Input((4, 3)), layers.Masking(mask_value=0.5)])
    x = rng.normal(size=(3, 4, 3)).astype("float32")
    x[0, 1] = 0.5
    x[2, 3] = 0.5
    check_export(model, x)


def test_nested_models_several_inputs_and_outputs(check_export, randomized, rng):
    inner = keras.Sequential([keras.Input((4,)), layers.Dense(5, activation="relu"), layers.Dense(3)],
                             name="inner")
    a, b = keras.Input((4,), name="left"), keras.Input((4,), name="right")
    merged = layers.Add()([inner(a), inner(b)])
    model = randomized(keras.Model([a, b], [merged, layers.Dense(2, name="head")(merged), inner(a)]))
    check_export(model, rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=(3, 4)).astype("float32"))
    # The inner model's weights are stored once although it runs three times.
    from gradiente.export.onnx import build_onnx_model
    sizes = sorted(int(np.prod(t.dims)) for t in build_onnx_model(model).graph.initializer if len(t.dims) == 2)
    assert sizes == sorted([4 * 5, 5 * 3, 3 * 2])


def test_output_that_is_an_input(check_export, rng):
    inputs = keras.Input((3,), name="x")
    model = keras.Model(inputs, [inputs, layers.Dense(2, name="y")(inputs)])
    x = rng.normal(size=(3, 3)).astype("float32")
    session = check_export(model, x)
    assert [o.name for o in session.get_outputs()] == list(model.output_names)


# --- the export call -------------------------------------------------------------------------
def test_default_format_needs_tensorflow(tmp_path):
    model = _mlp(layers.Dense(2))
    with pytest.raises(ValueError, match=r"tf_saved_model.*TensorFlow.*format=\"onnx\""):
        model.export(tmp_path / "m")
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("fmt", ["litert", "openvino", "torch"])
def test_other_keras_formats_are_refused(fmt, tmp_path):
    with pytest.raises(ValueError, match=f"format='{fmt}'.*format=\"onnx\""):
        _mlp(layers.Dense(2)).export(tmp_path / "m", format=fmt)


def test_unknown_format_lists_keras_formats(tmp_path):
    with pytest.raises(ValueError, match=r"Unrecognized format=h5\. Supported formats are: "
                                         r"\['tf_saved_model', 'onnx', 'openvino', 'litert', 'torch'\]"):
        _mlp(layers.Dense(2)).export(tmp_path / "m", format="h5")


def test_missing_onnx_says_what_to_install(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_onnx(name, *args, **kwargs):
        if name == "onnx" or name.startswith("onnx."):
            raise ImportError("No module named 'onnx'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_onnx)
    with pytest.raises(ImportError, match=r"pip install gradiente\[onnx\]"):
        _mlp(layers.Dense(2)).export(tmp_path / "m.onnx", format="onnx")


def test_unsupported_layer_names_itself_and_the_reason(tmp_path):
    model = _mlp(layers.Dense(3, name="hidden"), layers.Lambda(lambda t: t * 2, name="doubler"))
    with pytest.raises(ValueError, match=r"layer 'doubler' \(Lambda\).*no ONNX converter"):
        model.export(tmp_path / "m.onnx", format="onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_custom_activation_is_refused(tmp_path):
    model = _mlp(layers.Dense(3, activation=lambda t: t * 2, name="odd"))
    with pytest.raises(ValueError, match=r"layer 'odd' \(Dense\).*activation '<lambda>'"):
        model.export(tmp_path / "m.onnx", format="onnx")


def test_subclassed_layer_with_its_own_call_is_refused(tmp_path):
    class Doubled(layers.Dense):
        def call(self, inputs):
            return super().call(inputs) * 2

    model = _mlp(Doubled(3, name="doubled"))
    with pytest.raises(ValueError, match=r"layer 'doubled' \(Doubled\)"):
        model.export(tmp_path / "m.onnx", format="onnx")


def test_subclassed_and_unbuilt_models_are_refused(tmp_path):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    net = Net()
    net(np.zeros((1, 3), "float32"))
    with pytest.raises(ValueError, match="subclassed model"):
        net.export(tmp_path / "a.onnx", format="onnx")
    with pytest.raises(ValueError, match="not yet been built"):
        keras.Sequential([layers.Dense(2)]).export(tmp_path / "b.onnx", format="onnx")


def test_float64_model_is_refused(tmp_path):
    model = keras.Sequential([keras.Input((3,), dtype="float64"), layers.Dense(2, dtype="float64")])
    with pytest.raises(ValueError, match="float32"):
        model.export(tmp_path / "m.onnx", format="onnx")


def test_training_true_call_is_refused(tmp_path):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layers.Dropout(0.5, name="always")(inputs, training=True))
    with pytest.raises(ValueError, match=r"'always'.*training=True"):
        model.export(tmp_path / "m.onnx", format="onnx")


def test_options_opset_signature_and_message(tmp_path, capsys, rng, check_export):
    model = _mlp(layers.Dense(2))
    path = tmp_path / "m.onnx"
    model.export(str(path), format="onnx", opset_version=20)
    assert capsys.readouterr().out.strip() == f"Saved artifact at '{path}'."
    assert onnx.load(str(path)).opset_import[0].version == 20
    with pytest.raises(ValueError, match="opset_version"):
        model.export(path, format="onnx", opset_version=9, verbose=False)
    with pytest.raises(ValueError, match="unknown argument"):
        model.export(path, format="onnx", verbose=False, dynamic=True)
    model.export(path, format="onnx", verbose=False, input_signature=[keras.Input((6,))])
    with pytest.raises(ValueError, match=r"input_signature gives shape \(None, 5\)"):
        model.export(path, format="onnx", verbose=False, input_signature=[keras.Input((5,))])
    with pytest.raises(ValueError, match="2 inputs"):
        model.export(path, format="onnx", verbose=False, input_signature=[keras.Input((6,))] * 2)


def test_dict_inputs_and_outputs(check_export, randomized, rng):
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    h = layers.Concatenate()([a, b])
    model = randomized(keras.Model({"b": b, "a": a}, {"score": layers.Dense(1)(h), "label": layers.Dense(2)(h)}))
    session = check_export(model, rng.normal(size=(3, 3)).astype("float32"), rng.normal(size=(3, 2)).astype("float32"))
    assert [o.name for o in session.get_outputs()] == ["label", "score"]


def test_lora_dense_exports_the_merged_kernel(check_export, randomized, rng):
    model = _mlp(layers.Dense(4, lora_rank=2, name="adapted"), layers.Dense(2))
    randomized(model)
    check_export(model, rng.normal(size=(3, 6)).astype("float32"))
