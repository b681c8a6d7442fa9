"""Malformed and hostile Keras files (HDF5 and Keras archives): one clear error type,
nothing run, nothing allocated beyond what the file backs, nothing half-changed."""
import io
import json
import sys
import warnings
import zipfile

import numpy as np
import pytest

import gradiente as keras
from gradiente.saving import ModelFormatError

h5py = pytest.importorskip("h5py")  # in the dev extra: CI runs these
from keras_file_helpers import FIXTURES, L  # noqa: E402  (after the skip: they need h5py too)


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
