"""Keras's own files, both ways: archives and weights written by real Keras 3 and legacy
.h5 files written by tf.keras 2 (fixtures/keras/, made by scripts/make_keras_fixtures.py)
load and predict as Keras did; files gradiente writes for Keras have Keras's layout.
Malformed and hostile Keras files: test_keras_files_hostile.py."""
import io
import json
import zipfile

import numpy as np
import pytest

import gradiente as keras
from gradiente.saving import ModelFormatError

h5py = pytest.importorskip("h5py")  # in the dev extra: CI runs these
# Importing the helpers also registers TwoTower, the subclassed fixture's class.
from keras_file_helpers import (  # noqa: E402  (after the skip: the helpers need h5py too)
    BUILDERS, FIXTURES, KERAS3, LEGACY, L, archive_weights, cnn_bn, embed_bilstm, h5_datasets,
    inputs_and_predictions,
)


# --- reading what Keras wrote -------------------------------------------------------------
@pytest.mark.parametrize("name", KERAS3)
def test_keras3_archive_loads_and_predicts_as_keras(name):
    model = keras.models.load_model(FIXTURES / f"k3_{name}.keras")
    x, expected = inputs_and_predictions(f"k3_{name}")
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=0, atol=1e-5)
    with zipfile.ZipFile(FIXTURES / f"k3_{name}.keras") as z:
        compiled = json.loads(z.read("config.json")).get("compile_config")
    if compiled:  # compile_config restored
        assert type(model.optimizer).__name__ == compiled["optimizer"]["class_name"]


def test_training_continues_from_keras_optimizer_state():
    model = keras.models.load_model(FIXTURES / "k3_trained.keras")
    assert type(model.loss).__name__ == "SparseCategoricalCrossentropy"
    assert int(model.optimizer.iterations) == 4
    with zipfile.ZipFile(FIXTURES / "k3_trained.keras") as z, \
            h5py.File(io.BytesIO(z.read("model.weights.h5"))) as f:
        for i, v in enumerate(model.optimizer.variables):  # Keras's order, values as saved
            np.testing.assert_array_equal(v.data, f[f"optimizer/vars/{i}"][()])
    x = np.load(FIXTURES / "k3_trained.x.npy")
    labels = np.load(FIXTURES / "k3_trained.labels.npy")
    # Keras took one more step on this batch after saving; the momentum makes it differ
    # by ~0.07 from a step without the saved state.
    model.train_on_batch(x[:8], labels[:8])
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               np.load(FIXTURES / "k3_trained.after_step.npy"), rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", LEGACY)
def test_legacy_tf_keras_h5_model_loads_and_predicts_as_keras(name):
    model = keras.models.load_model(FIXTURES / f"legacy_{name}.h5")
    x, expected = inputs_and_predictions(f"legacy_{name}")
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=0, atol=1e-5)
    assert type(model.optimizer).__name__ == "Adam"


def _rewrite_legacy(source, target, edit_config, edit_training):
    with h5py.File(source) as src, h5py.File(target, "w") as f:
        for key, value in src.attrs.items():
            f.attrs[key] = value
        src.copy("model_weights", f)
        f.attrs["model_config"] = json.dumps(edit_config(json.loads(src.attrs["model_config"])))
        f.attrs["training_config"] = json.dumps(edit_training(json.loads(src.attrs["training_config"])))


def test_older_keras_2_layout_loads(tmp_path):
    # Keras 2.2-era files: no InputLayer (the shape rides on the first layer), initializers
    # without a module, the pre-2.11 optimizer with lr and decay.
    def old_config(config):
        layers = config["config"]["layers"][1:]
        for entry in layers:
            for key in ("kernel_initializer", "bias_initializer"):
                entry["config"].get(key, {}).pop("module", None)
                entry["config"].get(key, {}).pop("registered_name", None)
        config["config"]["layers"] = layers
        return config

    def old_training(training):
        training["optimizer_config"] = {"class_name": "Adam", "config": {
            "name": "Adam", "lr": 0.005, "beta_1": 0.9, "beta_2": 0.999, "decay": 0.0,
            "epsilon": 1e-07, "amsgrad": False}}
        return training

    _rewrite_legacy(FIXTURES / "legacy_mlp.h5", tmp_path / "old.h5", old_config, old_training)
    model = keras.models.load_model(tmp_path / "old.h5")
    x, expected = inputs_and_predictions("legacy_mlp")
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=0, atol=1e-5)
    assert model.input_shape == (None, 6, 6)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.005)

    def decayed(training):
        training = old_training(training)
        training["optimizer_config"]["config"]["decay"] = 0.01
        return training

    _rewrite_legacy(FIXTURES / "legacy_mlp.h5", tmp_path / "decay.h5", old_config, decayed)
    with pytest.raises(ModelFormatError, match="decay=0.01.*compile=False"):
        keras.models.load_model(tmp_path / "decay.h5")
    model = keras.models.load_model(tmp_path / "decay.h5", compile=False)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=0, atol=1e-5)


def test_keras_archive_with_npz_weights_is_refused_clearly(tmp_path):
    with zipfile.ZipFile(tmp_path / "n.keras", "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        z.writestr("config.json", "{}")
        z.writestr("model.weights.npz", b"")
    with pytest.raises(ModelFormatError, match="weights_format='npz'"):
        keras.models.load_model(tmp_path / "n.keras")


@pytest.mark.parametrize("name,file", [
    ("cnn_bn", "k3_cnn_bn.weights.h5"), ("embed_bilstm", "k3_embed_bilstm.weights.h5"),
    ("wide_deep", "k3_wide_deep.weights.h5"), ("cnn_bn", "k3_cnn_bn.keras"),
    ("cnn_bn", "legacy_cnn_bn_weights.h5"), ("embed_bilstm", "legacy_embed_bilstm_weights.h5"),
    ("wide_deep", "legacy_wide_deep_weights.h5"), ("cnn_bn", "legacy_cnn_bn.h5"),
    # tf.keras 2.13+ writes '.weights.h5' in Keras 3's layout, with metric totals beside.
    ("wide_deep", "legacy_wide_deep.weights.h5"),
])
def test_load_weights_into_a_model_built_here(name, file):
    # Layer names here (dense_12, ...) differ from the file's: weights go by structure.
    model = BUILDERS[name]()
    model.load_weights(FIXTURES / file)
    x, expected = inputs_and_predictions(file.split(".")[0].replace("_weights", ""))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=0, atol=1e-5)


def test_tf_keras_2_13_layer_checkpoint_names_load(tmp_path):
    path = tmp_path / "old.weights.h5"
    with h5py.File(FIXTURES / "k3_cnn_bn.weights.h5") as src, h5py.File(path, "w") as f:
        src.copy("layers", f, name="_layer_checkpoint_dependencies")
    model = cnn_bn()
    model.load_weights(path)
    x, expected = inputs_and_predictions("k3_cnn_bn")
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=0, atol=1e-5)


def test_weights_of_a_different_architecture_are_refused_and_nothing_changes():
    model = keras.Sequential([keras.Input((8, 8, 2)), L.Conv2D(4, 3, padding="same"),
                              L.Flatten(), L.Dense(3)])
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=r"layers/dense/vars/0.*shape \(12, 3\) in the file"):
        model.load_weights(FIXTURES / "k3_cnn_bn.weights.h5")
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


# --- writing what Keras reads -------------------------------------------------------------
def test_keras_compatible_archive_has_keras_layout(tmp_path):
    model = keras.Sequential([keras.Input((4,)), L.Dense(3, activation="relu"), L.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 4), "float32"), np.zeros((4, 2), "float32"), verbose=0)
    path = tmp_path / "m.keras"
    model.save(path, keras_compatible=True)
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        config = json.loads(z.read("config.json"))
        metadata = json.loads(z.read("metadata.json"))
    assert set(metadata) == {"keras_version", "date_saved"} and metadata["keras_version"].startswith("3.")
    assert {"module", "class_name", "config", "registered_name", "build_config",
            "compile_config"} <= set(config)
    assert (config["module"], config["class_name"]) == ("keras", "Sequential")
    assert config["build_config"] == {"input_shape": [None, 4]}
    dense = config["config"]["layers"][1]
    assert (dense["module"], dense["class_name"], dense["config"]["units"]) == ("keras.layers", "Dense", 3)
    assert config["compile_config"]["optimizer"]["module"] == "keras.optimizers"
    assert config["compile_config"]["loss"] == "mse"
    weights = archive_weights(path)
    assert weights["layers/dense/vars/0"] == (4, 3) and weights["layers/dense/vars/1"] == (3,)
    assert weights["layers/dense_1/vars/0"] == (3, 2)
    assert weights["optimizer/vars/0"] == () and weights["optimizer/vars/2"] == (4, 3)
    with zipfile.ZipFile(path) as z, h5py.File(io.BytesIO(z.read("model.weights.h5"))) as f:
        assert f["layers/dense_1/vars"].attrs["name"] == model.layers[1].name
        assert f["optimizer/vars/0"].dtype == np.int32
    loaded = keras.models.load_model(path)
    x = np.linspace(-1, 1, 12, dtype="float32").reshape(3, 4)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert int(loaded.optimizer.iterations) == 1


def test_functional_calls_are_written_as_keras_3_call_records(tmp_path):
    inp = keras.Input((5, 8), name="tokens")
    att = L.MultiHeadAttention(num_heads=2, key_dim=4, name="mha")(inp, inp)
    model = keras.Model(inp, L.Add(name="add")([inp, att]))
    keras.saving.save_model(model, tmp_path / "f.keras", keras_compatible=True)
    with zipfile.ZipFile(tmp_path / "f.keras") as z:
        config = json.loads(z.read("config.json"))
    assert (config["module"], config["class_name"]) == ("keras.src.models.functional", "Functional")
    layers = {entry["name"]: entry for entry in config["config"]["layers"]}
    tensor = {"class_name": "__keras_tensor__", "config": {
        "shape": [None, 5, 8], "dtype": "float32", "keras_history": ["tokens", 0, 0]}}
    # (query, value): both positional, as Keras 3 records MultiHeadAttention's call.
    assert layers["mha"]["inbound_nodes"] == [{"args": [tensor, tensor], "kwargs": {}}]
    add_args = layers["add"]["inbound_nodes"][0]["args"]
    assert add_args[0][1]["config"]["keras_history"] == ["mha", 0, 0]
    assert config["config"]["input_layers"] == [["tokens", 0, 0]]


def test_ops_on_symbolic_tensors_are_refused_for_keras_and_nothing_is_written(tmp_path):
    inp = keras.Input((3,))
    model = keras.Model(inp, L.Dense(2)(inp) * 2.0)
    with pytest.raises(ValueError, match="cannot be written for Keras.*keras.ops"):
        model.save(tmp_path / "op.keras", keras_compatible=True)
    assert not (tmp_path / "op.keras").exists()


@pytest.mark.parametrize("name", KERAS3)
def test_archive_written_here_has_the_same_weight_paths_as_keras(tmp_path, name):
    original = FIXTURES / f"k3_{name}.keras"
    model = keras.models.load_model(original)
    keras.saving.save_model(model, tmp_path / "again.keras", keras_compatible=True)
    ours = archive_weights(tmp_path / "again.keras")
    theirs = archive_weights(original)
    assert ours == theirs  # every dataset path (layers/lstm/cell/vars/0, ...) and shape
    configs = []
    for path in (tmp_path / "again.keras", original):
        with zipfile.ZipFile(path) as z:
            configs.append(json.loads(z.read("config.json")))
    if name != "subclassed":  # the same classes under the same labels, layer by layer
        ours, theirs = ([(e["module"], e["class_name"]) for e in c["config"]["layers"]] for c in configs)
        assert sorted(ours) == sorted(theirs)
        assert (configs[0]["module"], configs[0]["class_name"]) == (configs[1]["module"], configs[1]["class_name"])
    again = keras.models.load_model(tmp_path / "again.keras")
    x, expected = inputs_and_predictions(f"k3_{name}")
    np.testing.assert_allclose(again.predict(x, verbose=0), expected, rtol=0, atol=1e-5)


def test_model_save_h5_writes_the_legacy_format_as_keras_3_does(tmp_path):
    model = embed_bilstm()
    model.compile(optimizer="adam", loss="mse")
    path = tmp_path / "m.h5"
    with pytest.warns(UserWarning, match="legacy HDF5.*prefer the '.keras' format") as caught:
        model.save(path)
    assert caught[0].filename == __file__  # points at the caller's line
    assert path.read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"
    with h5py.File(path) as f:
        assert {"keras_version", "backend", "model_config", "training_config"} <= set(f.attrs)
        config = json.loads(f.attrs["model_config"])
        assert config["class_name"] == "Sequential"
        assert json.loads(f.attrs["training_config"])["optimizer_config"]["class_name"] == "Adam"
        weights = f["model_weights"]
        assert [n.decode() if isinstance(n, bytes) else n for n in weights.attrs["layer_names"]] == \
            [layer.name for layer in model.layers]
        names = list(weights[model.layers[1].name].attrs["weight_names"])
        assert len(names) == 6 and len(set(names)) == 6  # both cells' kernels, told apart
    loaded = keras.models.load_model(path)
    x = np.load(FIXTURES / "k3_embed_bilstm.x.npy")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    other = embed_bilstm()
    other.load_weights(path)  # also as a legacy weights source
    np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))


def test_save_weights_h5_has_keras_paths_and_never_a_zip(tmp_path):
    model = embed_bilstm()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    assert not zipfile.is_zipfile(path)
    theirs = h5_datasets(FIXTURES / "k3_embed_bilstm.weights.h5")
    # Keras's model was compiled: its file also holds the optimizer's first two variables.
    assert h5_datasets(path) == {k: v for k, v in theirs.items() if not k.startswith("optimizer/")}
