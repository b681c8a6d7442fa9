"""Keras's own files, both ways: archives and weights written by real Keras 3 and legacy
.h5 files written by tf.keras 2 (fixtures/keras/, made by scripts/make_keras_fixtures.py)
load and predict as Keras did; files gradiente writes for Keras have Keras's layout."""
import io
import json
import pathlib
import sys
import warnings
import zipfile

import numpy as np
import pytest

import gradiente as keras
from gradiente.saving import ModelFormatError

h5py = pytest.importorskip("h5py")  # in the dev extra: CI runs these

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "keras"
L = keras.layers
KERAS3 = ["mlp", "wide_deep", "cnn_bn", "lstm", "gru", "embed_bilstm", "mha_ln", "subclassed",
          "zoo_conv", "zoo_seq", "zoo_attn", "zoo_nested", "zoo_masked", "trained"]
LEGACY = ["mlp", "wide_deep", "cnn_bn", "lstm", "gru", "embed_bilstm"]


def inputs_and_predictions(stem):
    xs = sorted(FIXTURES.glob(f"{stem}.x*.npy"))
    x = [np.load(p) for p in xs]
    return (x if len(x) > 1 else x[0]), np.load(FIXTURES / f"{stem}.y.npy")


def h5_datasets(source):
    out = {}
    with h5py.File(source, "r") as f:
        f.visititems(lambda n, o: out.__setitem__(n, o.shape) if isinstance(o, h5py.Dataset) else None)
    return out


def archive_weights(path):
    with zipfile.ZipFile(path) as z:
        return h5_datasets(io.BytesIO(z.read("model.weights.h5")))


# --- architectures built in gradiente, as the fixture script builds them in Keras -----------
def cnn_bn():
    return keras.Sequential([
        keras.Input((8, 8, 2)), L.Conv2D(4, 3, padding="same"), L.BatchNormalization(),
        L.Activation("relu"), L.MaxPooling2D(2), L.Conv2D(3, 3, activation="relu"),
        L.Flatten(), L.Dense(3, activation="softmax")])


def wide_deep():
    wide, deep = keras.Input((5,), name="wide_input"), keras.Input((6,), name="deep_input")
    h = L.Dense(8, activation="relu")(deep)
    h = L.Dense(8, activation="relu")(h)
    return keras.Model([wide, deep], L.Dense(1)(L.concatenate([wide, h])))


def embed_bilstm():
    return keras.Sequential([keras.Input((6,), dtype="int32"), L.Embedding(20, 4),
                             L.Bidirectional(L.LSTM(3)), L.Dense(1, activation="sigmoid")])


@keras.saving.register_keras_serializable(package="fixtures", name="TwoTower")
class TwoTower(keras.Model):
    """The fixture script's subclassed model, registered under the same name as in Keras.
    Keras stores `head` and `hidden` by attribute, `norm` as layers/layer_normalization:
    its walk of dir(model) meets the `layers` property before `norm`."""

    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = L.Dense(units, activation="tanh")
        self.norm = L.LayerNormalization()
        self.head = L.Dense(2)

    def call(self, x):
        return self.head(self.norm(self.hidden(x)))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


BUILDERS = {"cnn_bn": cnn_bn, "wide_deep": wide_deep, "embed_bilstm": embed_bilstm}


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


# --- safety --------------------------------------------------------------------------------
def _keras_zip(path, config, weights_h5=None, metadata=None):
    if weights_h5 is None:
        buffer = io.BytesIO()
        h5py.File(buffer, "w").close()
        weights_h5 = buffer.getvalue()
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", json.dumps(metadata or {"keras_version": "3.15.1"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", weights_h5)


def test_lambda_layer_in_a_keras_archive_is_refused_in_safe_mode(tmp_path):
    with zipfile.ZipFile(FIXTURES / "k3_mlp.keras") as z:
        config = json.loads(z.read("config.json"))
    config["config"]["layers"].insert(1, {
        "module": "keras.layers", "class_name": "Lambda", "registered_name": None,
        "config": {"name": "evil", "function": {"class_name": "__lambda__", "config": {
            "code": "4wEAAAAAAAAA", "defaults": None, "closure": None}}}})
    _keras_zip(tmp_path / "l.keras", config)
    with pytest.raises(ModelFormatError, match="Lambda layer .*'evil'.*safe_mode=False"):
        keras.models.load_model(tmp_path / "l.keras")


def test_keras2_lambda_bytecode_in_a_legacy_h5_is_never_run(tmp_path):
    path = tmp_path / "l.h5"
    with h5py.File(FIXTURES / "legacy_mlp.h5") as source, h5py.File(path, "w") as f:
        for key, value in source.attrs.items():
            f.attrs[key] = value
        source.copy("model_weights", f)
        config = json.loads(source.attrs["model_config"])
        config["config"]["layers"].insert(2, {"class_name": "Lambda", "config": {
            "name": "evil", "function": ["4wEAAAAAAAAAAAAAAAEAAAAB", None, None],
            "function_type": "lambda", "module": "__main__", "output_shape": None,
            "output_shape_type": "raw", "arguments": {}}})
        f.attrs["model_config"] = json.dumps(config)
    for safe_mode in (True, False):
        with pytest.raises(ModelFormatError, match="Lambda layer .*'evil'.*bytecode"):
            keras.models.load_model(path, safe_mode=safe_mode)


def _weights_file(tmp_path, build):
    path = tmp_path / "w.weights.h5"
    with h5py.File(path, "w") as f:
        build(f)
    return path


def _dense_model():
    return keras.Sequential([keras.Input((4,)), L.Dense(3)])


@pytest.mark.parametrize("case,match", [
    ("external_link", "ExternalLink"),
    ("soft_link", "SoftLink"),
    ("object_dtype", "only numeric arrays"),
    ("compound_dtype", "only numeric arrays"),
    ("external_storage", "outside"),
])
def test_hostile_weights_files_give_one_clear_error(tmp_path, case, match):
    (tmp_path / "other.h5").write_bytes(b"")

    def build(f):
        g = f.create_group("layers/dense/vars")
        g.create_dataset("1", data=np.zeros(3, "float32"))
        if case == "external_link":
            g["0"] = h5py.ExternalLink("other.h5", "/x")
        elif case == "soft_link":
            f.create_dataset("elsewhere", data=np.zeros((4, 3), "float32"))
            g["0"] = h5py.SoftLink("/elsewhere")
        elif case == "object_dtype":
            g.create_dataset("0", data=np.array(["a"] * 12, dtype=object).reshape(4, 3),
                             dtype=h5py.string_dtype())
        elif case == "compound_dtype":
            g.create_dataset("0", shape=(4, 3), dtype=np.dtype([("a", "f4"), ("b", "f4")]))
        elif case == "external_storage":
            g.create_dataset("0", shape=(4, 3), dtype="float32",
                             external=[(str(tmp_path / "raw.bin"), 0, 48)])
    path = _weights_file(tmp_path, build)
    model = _dense_model()
    before = model.get_weights()
    with pytest.raises(ModelFormatError, match=match):
        model.load_weights(path)
    np.testing.assert_array_equal(before[0], model.get_weights()[0])


def test_shape_bomb_is_refused_before_anything_is_read_or_built(tmp_path):
    with zipfile.ZipFile(FIXTURES / "k3_mlp.keras") as z:
        config = json.loads(z.read("config.json"))
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:  # 16 GiB declared, a few KiB stored
        f.create_dataset("layers/dense/vars/0", shape=(1 << 20, 1 << 12), dtype="float32",
                         chunks=(1024, 1024), compression="gzip")
    _keras_zip(tmp_path / "b.keras", config, buffer.getvalue())
    with pytest.raises(ModelFormatError, match="crafted size"):
        keras.models.load_model(tmp_path / "b.keras")


def test_truncated_hdf5_and_keras_archive_give_the_format_error(tmp_path):
    data = (FIXTURES / "legacy_mlp.h5").read_bytes()
    (tmp_path / "t.h5").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFormatError, match="t.h5"):
        keras.models.load_model(tmp_path / "t.h5")
    with zipfile.ZipFile(FIXTURES / "k3_lstm.keras") as z:
        config = json.loads(z.read("config.json"))
        weights = z.read("model.weights.h5")
    _keras_zip(tmp_path / "t.keras", config, weights[: len(weights) // 3])
    with pytest.raises(ModelFormatError):
        keras.models.load_model(tmp_path / "t.keras")


@pytest.mark.parametrize("fixture", ["legacy_lstm.h5", "k3_lstm.keras"])
def test_damaged_keras_files_load_or_give_the_format_error(tmp_path, fixture):
    # HDF5 keeps no checksum of its data, so a flip inside an array loads (as in Keras);
    # anything else must be the one error type.
    source = (FIXTURES / fixture).read_bytes()
    rng = np.random.default_rng(3)
    path = tmp_path / fixture
    for _ in range(40):
        damaged = bytearray(source)
        for position in rng.integers(0, len(source), size=rng.integers(1, 20)):
            damaged[position] = rng.integers(0, 256)
        path.write_bytes(bytes(damaged))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                keras.models.load_model(path)
        except ModelFormatError:
            pass


def test_global_heap_that_would_hang_hdf5_is_refused(tmp_path):
    # The legacy file's JSON lives in a global heap; HDF5 walks a heap's objects by their
    # sizes and never returns from a free-space object of size 0.
    data = bytearray((FIXTURES / "legacy_lstm.h5").read_bytes())
    start = data.find(b"GCOL\x01\x00\x00\x00")
    end = start + int.from_bytes(data[start + 8:start + 16], "little")
    p = start + 16
    while int.from_bytes(data[p:p + 2], "little") != 0:  # to the free-space object
        p += 16 + -(-int.from_bytes(data[p + 8:p + 16], "little") // 8) * 8
    assert p < end
    data[p + 8:p + 16] = bytes(8)
    (tmp_path / "hang.h5").write_bytes(bytes(data))
    with pytest.raises(ModelFormatError, match="global heap"):
        keras.models.load_model(tmp_path / "hang.h5")


def test_weights_missing_from_a_keras_archive_are_refused(tmp_path):
    with zipfile.ZipFile(FIXTURES / "k3_lstm.keras") as z:
        config = json.loads(z.read("config.json"))
    _keras_zip(tmp_path / "e.keras", config)  # an empty weights file
    with pytest.raises(ModelFormatError, match="holds no array|refused before allocating"):
        keras.models.load_model(tmp_path / "e.keras")


def test_unknown_keras_argument_is_refused_by_name(tmp_path):
    with zipfile.ZipFile(FIXTURES / "k3_mlp.keras") as z:
        config = json.loads(z.read("config.json"))
        weights = z.read("model.weights.h5")
    config["config"]["layers"][1]["config"]["quantization_config"] = {"mode": "int8"}
    _keras_zip(tmp_path / "q.keras", config, weights)
    with pytest.raises(ModelFormatError, match="quantization_config"):
        keras.models.load_model(tmp_path / "q.keras")


def test_layer_gradiente_lacks_is_refused_by_name(tmp_path):
    with zipfile.ZipFile(FIXTURES / "k3_mlp.keras") as z:
        config = json.loads(z.read("config.json"))
        weights = z.read("model.weights.h5")
    config["config"]["layers"][1]["class_name"] = "QuantumDense"
    _keras_zip(tmp_path / "u.keras", config, weights)
    with pytest.raises(ModelFormatError, match="QuantumDense"):
        keras.models.load_model(tmp_path / "u.keras")


def test_weights_not_fitting_the_archives_own_architecture_give_the_format_error(tmp_path):
    with zipfile.ZipFile(FIXTURES / "k3_wide_deep.keras") as z:
        config = json.loads(z.read("config.json"))
        weights = io.BytesIO(z.read("model.weights.h5"))
    with h5py.File(weights, "a") as f:  # swap two same-class layers' kernels: (6, 8) <-> (8, 8)
        a, b = f["layers/dense/vars/0"][()], f["layers/dense_1/vars/0"][()]
        del f["layers/dense/vars/0"], f["layers/dense_1/vars/0"]
        f["layers/dense/vars/0"], f["layers/dense_1/vars/0"] = b, a
    _keras_zip(tmp_path / "s.keras", config, weights.getvalue())
    with pytest.raises(ModelFormatError, match=r"layers/dense/vars/0.*shape \(8, 8\)"):
        keras.models.load_model(tmp_path / "s.keras")


def test_without_h5py_reading_or_writing_hdf5_says_what_to_install(tmp_path, monkeypatch):
    model = _dense_model()
    target = tmp_path / "w.weights.h5"
    target.write_bytes(b"kept")
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r"pip install 'gradiente\[h5\]'"):
        keras.models.load_model(FIXTURES / "k3_mlp.keras")
    with pytest.raises(ImportError, match="h5py"):
        model.save_weights(target)
    assert target.read_bytes() == b"kept"  # nothing already saved is lost
    with pytest.raises(ImportError, match="h5py"), pytest.warns(UserWarning, match="legacy"):
        model.save(tmp_path / "m.h5")
    model.save(tmp_path / "m.keras")  # the default format needs NumPy only
    assert keras.models.load_model(tmp_path / "m.keras").count_params() == 15
