"""Malformed, hostile and foreign files: each gives ModelFormatError with the path and a
reason, before anything is constructed or expanded."""
import io
import json
import struct
import time
import zipfile

import numpy as np
import pytest

import gradiente as keras
from gradiente.saving import ModelFormatError
from saving_helpers import small_mlp


@pytest.fixture
def saved(tmp_path):
    model = small_mlp()
    path = tmp_path / "good.keras"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    return path, members


def _write_zip(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _craft(tmp_path, members, **changes):
    out = dict(members)
    for name, data in changes.items():
        name = name.replace("__", "/").replace("_dot_", ".")
        if data is None:
            out.pop(name, None)
        else:
            out[name] = data
    return _write_zip(tmp_path / "bad.keras", out)


def _config(members):
    return json.loads(members["config.json"])


def _npy(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=True)
    return buf.getvalue()


def _load_fails(path, *patterns):
    with pytest.raises(ModelFormatError) as info:
        keras.models.load_model(path)
    message = str(info.value)
    assert str(path) in message
    for pattern in patterns:
        assert pattern in message, message
    return message


def test_error_type_is_a_value_error():
    assert issubclass(ModelFormatError, ValueError)


def test_empty_file(tmp_path):
    (tmp_path / "e.keras").write_bytes(b"")
    _load_fails(tmp_path / "e.keras", "empty")


def test_text_file(tmp_path):
    (tmp_path / "t.keras").write_text("hello, I am not a model\n")
    _load_fails(tmp_path / "t.keras", "text file")


def test_hdf5_file(tmp_path):
    (tmp_path / "m.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    _load_fails(tmp_path / "m.h5", "HDF5")


def test_plain_npz(tmp_path):
    np.savez(tmp_path / "a.npz", np.zeros(3), np.ones(2))
    _load_fails(tmp_path / "a.npz", "plain NumPy .npz")


def test_keras3_archive_with_broken_h5_weights(tmp_path):
    _write_zip(tmp_path / "k.keras", {"config.json": b"{}", "metadata.json": b"{}",
                                      "model.weights.h5": b"\x89HDF"})
    _load_fails(tmp_path / "k.keras", "keras_version")


def test_truncated_file(tmp_path, saved):
    path, _ = saved
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 30):
        (tmp_path / "cut.keras").write_bytes(data[:cut])
        _load_fails(tmp_path / "cut.keras", "truncated or corrupted")


def test_corrupted_weight_bytes(tmp_path, saved):
    path, members = saved
    data = bytearray(path.read_bytes())
    raw = members["weights/00000.npy"]
    start = bytes(data).find(raw[200:260])  # inside the first weight's data
    data[start + 5] ^= 0xFF
    (tmp_path / "flip.keras").write_bytes(bytes(data))
    _load_fails(tmp_path / "flip.keras", "corrupted", "CRC")


def test_future_format_version(tmp_path, saved):
    _, members = saved
    meta = json.loads(members["metadata.json"])
    meta["format_version"] = 99
    path = _craft(tmp_path, members, metadata_dot_json=json.dumps(meta))
    _load_fails(path, "format version 99", "Upgrade gradiente")


def test_missing_metadata(tmp_path, saved):
    _, members = saved
    _load_fails(_craft(tmp_path, members, metadata_dot_json=None), "metadata.json is missing")


def test_invalid_config_json(tmp_path, saved):
    _, members = saved
    _load_fails(_craft(tmp_path, members, config_dot_json=b"{'python': 'dict'}"), "not valid JSON")
    deep = b"[" * 100000 + b"]" * 100000
    _load_fails(_craft(tmp_path, members, config_dot_json=deep), "config.json")


def test_unknown_layer_class_lists_registered(tmp_path, saved):
    _, members = saved
    config = _config(members)
    config["config"]["layers"][1]["class_name"] = "os.system"
    config["config"]["layers"][1]["module"] = "os"
    message = _load_fails(_craft(tmp_path, members, config_dot_json=json.dumps(config)),
                          "'os.system'", "Registered/custom objects now", "never imports")
    assert "register_keras_serializable" in message


def test_unknown_model_class(tmp_path, saved):
    _, members = saved
    config = _config(members)
    config["class_name"] = "EvilModel"
    _load_fails(_craft(tmp_path, members, config_dot_json=json.dumps(config)), "'EvilModel'")


def test_unknown_activation_and_initializer(tmp_path, saved):
    _, members = saved
    config = _config(members)
    config["config"]["layers"][1]["config"]["activation"] = "__import__('os').system('x')"
    _load_fails(_craft(tmp_path, members, config_dot_json=json.dumps(config)), "unknown activation")
    config = _config(members)
    config["config"]["layers"][1]["config"]["kernel_initializer"] = {"class_name": "Pwn", "config": {}}
    _load_fails(_craft(tmp_path, members, config_dot_json=json.dumps(config)), "'Pwn'")


def test_unknown_optimizer_and_loss(tmp_path, saved):
    _, members = saved
    config = _config(members)
    config["compile_config"]["optimizer"]["class_name"] = "Hack"
    _load_fails(_craft(tmp_path, members, config_dot_json=json.dumps(config)), "'Hack'")
    config = _config(members)
    config["compile_config"]["loss"] = {"class_name": "function", "config": "eval",
                                        "module": "builtins"}
    _load_fails(_craft(tmp_path, members, config_dot_json=json.dumps(config)), "'eval'")


def test_wrong_weight_shape(tmp_path, saved):
    _, members = saved
    config = _config(members)
    config["weights"][0]["shape"] = [16, 6]
    path = _craft(tmp_path, members, config_dot_json=json.dumps(config),
                  weights__00000_dot_npy=_npy(np.zeros((16, 6), "float32")))
    _load_fails(path, "weight 0", "kernel", "(6, 16)")
    # the manifest agrees with the architecture, but the array inside does not
    path = _craft(tmp_path, members, weights__00000_dot_npy=_npy(np.zeros((16, 6), "float32")))
    _load_fails(path, "weights/00000.npy holds an array of shape (16, 6)")


def test_wrong_weight_dtype(tmp_path, saved):
    _, members = saved
    path = _craft(tmp_path, members, weights__00000_dot_npy=_npy(np.zeros((6, 16), "float64")))
    _load_fails(path, "dtype float64")


def test_object_array_member_is_refused(tmp_path, saved):
    _, members = saved
    evil = np.full((6, 16), "x" * 20, dtype=object)  # a pickle, as large as the real weight
    path = _craft(tmp_path, members, weights__00000_dot_npy=_npy(evil))
    _load_fails(path, "only numeric arrays")


def test_missing_weight_member(tmp_path, saved):
    _, members = saved
    _load_fails(_craft(tmp_path, members, weights__00001_dot_npy=None), "config.json lists 4 weights")


def test_path_traversal_and_unexpected_members(tmp_path, saved):
    _, members = saved
    _load_fails(_craft(tmp_path, members, **{"../evil.py": b"print(1)"}), "parent-relative")
    path = _write_zip(tmp_path / "abs.keras", {**members, "/etc/passwd": b"x"})
    _load_fails(path, "absolute")
    _load_fails(_craft(tmp_path, members, evil_dot_py=b"import os"), "unexpected archive member 'evil.py'")


def test_duplicate_members(tmp_path, saved):
    _, members = saved
    path = tmp_path / "dup.keras"
    _write_zip(path, members)
    with pytest.warns(UserWarning), zipfile.ZipFile(path, "a") as zf:
        zf.writestr("config.json", b"{}")
    _load_fails(path, "twice")


def _patch_declared_size(path, member, size):
    """Set the central directory's uncompressed size of ``member`` (a zip bomb's lie)."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    pos = 0
    while True:
        pos = data.find(b"PK\x01\x02", pos)
        assert pos >= 0
        name_len = struct.unpack("<H", data[pos + 28:pos + 30])[0]
        if bytes(data[pos + 46:pos + 46 + name_len]) == name:
            data[pos + 24:pos + 28] = struct.pack("<I", size)
            break
        pos += 4
    path.write_bytes(bytes(data))


def test_zip_bomb_refused_before_expanding(tmp_path, saved):
    _, members = saved
    path = _write_zip(tmp_path / "bomb.keras", members, compression=zipfile.ZIP_DEFLATED)
    _patch_declared_size(path, "weights/00000.npy", 0xFFFFFFF0)
    start = time.perf_counter()
    _load_fails(path, "zip bomb")
    assert time.perf_counter() - start < 0.5


def test_huge_declared_config_refused(tmp_path, saved):
    _, members = saved
    # 80 MB of spaces deflates to ~80 kB: a real bomb, refused from its declared size
    big = b" " * (80 << 20)
    path = _write_zip(tmp_path / "big.keras", {**members, "config.json": big},
                      compression=zipfile.ZIP_DEFLATED)
    _load_fails(path, "config.json declares")


def test_huge_declared_shape_refused(tmp_path, saved):
    _, members = saved
    config = _config(members)
    config["weights"][0]["shape"] = [10 ** 6, 10 ** 6]
    _load_fails(_craft(tmp_path, members, config_dot_json=json.dumps(config)),
                "declares shape (1000000, 1000000)")


def test_nan_weights_load_with_warning(tmp_path, saved):
    _, members = saved
    weights = np.full((6, 16), np.nan, "float32")
    path = _craft(tmp_path, members, weights__00000_dot_npy=_npy(weights))
    with pytest.warns(UserWarning, match="NaN"):
        model = keras.models.load_model(path)
    assert np.isnan(model.weights[0].data).all()


def test_folder_and_missing_file(tmp_path):
    with pytest.raises(ModelFormatError, match="folder"):
        keras.models.load_model(tmp_path)
    with pytest.raises(FileNotFoundError, match="No such file"):
        keras.models.load_model(tmp_path / "nope.keras")


def test_load_weights_rejects_malformed(tmp_path, saved):
    model = small_mlp()
    (tmp_path / "t.weights.npz").write_text("text")
    with pytest.raises(ModelFormatError, match="text file"):
        model.load_weights(tmp_path / "t.weights.npz")
    np.savez(tmp_path / "gap.weights.npz", arr_0=np.zeros(1), arr_2=np.zeros(1))
    with pytest.raises(ModelFormatError, match="without gaps"):
        model.load_weights(tmp_path / "gap.weights.npz")
