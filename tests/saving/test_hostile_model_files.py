"""Issue 13, "Model files" 1-6: every damaged or hostile file gives ModelFormatError, in
well under a second and ~100 MB, never a raw zlib/Overflow/Value error or a gigabyte."""
import json
import zipfile

import numpy as np
import pytest

import gradiente as keras
from gradiente.saving import ModelFormatError
from hostile_helpers import (
    npy_header_only, refused, saved_members, with_config, write_archive,
)
from saving_helpers import small_mlp


@pytest.fixture
def saved(tmp_path):
    return saved_members(tmp_path)


def _deflate_stream(path, member):
    """Where ``member``'s compressed bytes start in the file, and how many there are."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    return info.header_offset + 30 + len(info.filename) + len(info.extra), info.compress_size


# --- 1. a corrupted compressed JSON member --------------------------------------------------
@pytest.mark.parametrize("member", ["metadata.json", "config.json"])
def test_flipped_byte_in_a_deflated_json_member_is_a_format_error(tmp_path, saved, member):
    path, _ = saved
    data = path.read_bytes()
    start, size = _deflate_stream(path, member)
    bad = tmp_path / "flipped.keras"
    for offset in range(0, size, 1 if member == "metadata.json" else 5):
        flipped = bytearray(data)
        flipped[start + offset] ^= 0xFF
        bad.write_bytes(bytes(flipped))
        for load in (keras.models.load_model, small_mlp().load_weights):
            try:
                load(bad)
            except ModelFormatError as err:
                assert str(bad) in str(err)  # zlib.error and friends never escape


def test_corrupted_weights_manifest_is_a_format_error(tmp_path):
    path = tmp_path / "m.weights.npz"
    small_mlp().save_weights(path)
    data = path.read_bytes()
    start, size = _deflate_stream(path, "manifest.json")
    for offset in range(size):
        flipped = bytearray(data)
        flipped[start + offset] ^= 0xFF
        path.write_bytes(bytes(flipped))
        try:
            small_mlp().load_weights(path)
        except ModelFormatError:
            pass


# --- 2. a .npy header whose size overflows int64 -------------------------------------------
def test_npy_shape_whose_byte_count_overflows_int64_is_a_format_error(tmp_path):
    model = small_mlp()
    arrays = {f"arr_{i}.npy": npy_header_only((2 ** 32, 2 ** 32)) for i in range(len(model.weights))}
    path = write_archive(tmp_path / "wrap.weights.npz", arrays)
    # In int64 the product is 0, which matches the empty member: sizes are Python integers.
    refused(lambda: model.load_weights(path), "arr_0.npy declares 128 bytes", str(2 ** 64 * 4 + 128))


# --- 3. an architecture larger than the arrays the file holds -----------------------------
@pytest.mark.parametrize("units", [10 ** 400, 4_000_000])
def test_layer_weights_are_checked_against_the_archive_before_allocating(tmp_path, saved, units):
    _, members = saved

    def widen(config):
        config["config"]["layers"][1]["config"]["units"] = units
    path = write_archive(tmp_path / "wide.keras", with_config(members, widen))
    # 4,000,000 units used to allocate ~300 MB before the weights were found not to match
    refused(lambda: keras.models.load_model(path), "weight 0 (",
            "/kernel') of the architecture has shape (6, ", "refused before allocating")


def test_functional_layer_weights_are_checked_before_allocating(tmp_path):
    keras.backend.set_random_seed(0)
    inputs = keras.Input((6,))
    outputs = keras.layers.Dense(2)(keras.layers.Dense(8, name="hidden")(inputs))
    _, members = saved_members(tmp_path, keras.Model(inputs, outputs))

    def widen(config):
        layer = next(entry for entry in config["config"]["layers"] if entry["config"]["name"] == "hidden")
        layer["config"]["units"] = 4_000_000
    path = write_archive(tmp_path / "wide.keras", with_config(members, widen))
    refused(lambda: keras.models.load_model(path), "hidden/kernel", "(6, 4000000)")


def test_unallocatable_layer_in_json_is_a_format_error_not_overflow(saved):
    _, members = saved
    config = json.loads(members["config.json"])
    config["config"]["layers"][1]["config"]["units"] = 10 ** 400
    refused(lambda: keras.models.model_from_json(json.dumps(config)), "/kernel'", "too large")


# --- 4. JSON members bounded by what they can hold, not only by bytes ----------------------
_TINY_OBJECTS = b"[" + b"{}," * 4_000_000 + b"{}]"  # 12 MB, ~12 KB deflated, ~300 MB parsed


def test_huge_training_state_is_never_parsed_by_load_model(tmp_path, saved):
    _, members = saved
    path = write_archive(tmp_path / "t.keras", {**members, "training_state.json": _TINY_OBJECTS})
    assert path.stat().st_size < 64 << 10
    import time
    import tracemalloc
    tracemalloc.start()
    start = time.perf_counter()
    try:
        keras.models.load_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 1.0 and peak < 100 << 20


@pytest.mark.parametrize("member", ["metadata.json", "config.json"])
def test_json_member_of_countless_tiny_values_is_refused_before_parsing(tmp_path, saved, member):
    _, members = saved
    path = write_archive(tmp_path / "t.keras", {**members, member: _TINY_OBJECTS})
    refused(lambda: keras.models.load_model(path), member)


def test_deeply_nested_json_is_refused_before_parsing(tmp_path, saved):
    _, members = saved
    path = write_archive(tmp_path / "t.keras", {**members, "config.json": b"[" * 5000 + b"]" * 5000})
    refused(lambda: keras.models.load_model(path), "config.json is nested 5000 levels deep")
    refused(lambda: keras.models.model_from_json("[" * 5000 + "]" * 5000), "nested")


def test_json_strings_with_commas_and_escapes_are_not_counted_as_values(tmp_path, saved):
    _, members = saved

    def rename(config):
        config["config"]["name"] = 'a, "quoted": [name] {x}\\' * 20_000  # 600k "values" if counted
    path = write_archive(tmp_path / "named.keras", with_config(members, rename))
    assert keras.models.load_model(path).name.startswith('a, "quoted"')


# --- 5. only plain numeric dtypes -------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["(99999999999999999999,)f4", "(12000,12000)f8", "(2,)f4",
                                   "V8", "O", "M8", "U4", "float32, int8", 7, None])
def test_weight_dtype_must_be_a_plain_numeric_dtype(tmp_path, saved, dtype):
    _, members = saved

    def retype(config):
        config["weights"][0]["dtype"] = dtype
    path = write_archive(tmp_path / "d.keras", with_config(members, retype))
    refused(lambda: keras.models.load_model(path), "weights entry 0", "dtype")


@pytest.mark.parametrize("descr", ["('<f8', (3000, 3000))", "'|V8'", "[('a', '<f4')]"])
def test_npy_member_with_a_compound_dtype_is_refused(tmp_path, descr):
    model = small_mlp()
    header = npy_header_only((1,)).replace(b"'<f4'", descr.encode())
    arrays = {f"arr_{i}.npy": header for i in range(len(model.weights))}
    path = write_archive(tmp_path / "c.weights.npz", arrays)
    refused(lambda: model.load_weights(path), "arr_0.npy")


# --- 6. the saved compile arguments -----------------------------------------------------------
@pytest.mark.parametrize("key, value", [
    ("metrics", 5), ("metrics", "mae"), ("metrics", [3]), ("metrics", {"__per_output__": {"y": 2}}),
    ("weighted_metrics", True), ("loss_weights", "x"), ("loss_weights", [1.0, "x"]),
    ("loss_weights", float("nan")), ("loss_weights", [1.0, 10 ** 400]), ("loss", 7),
    ("loss", [None, 3]), ("optimizer", 1.5),
    ("run_eagerly", "no"),
])
def test_saved_compile_arguments_are_checked_on_load(tmp_path, saved, key, value):
    _, members = saved

    def damage(config):
        config["compile_config"][key] = value
    path = write_archive(tmp_path / "c.keras", with_config(members, damage))
    refused(lambda: keras.models.load_model(path), f"saved compile argument `{key}`")
    keras.models.load_model(path, compile=False)  # the architecture and weights still load


def test_compile_config_that_is_not_an_object_is_a_format_error(tmp_path, saved):
    _, members = saved

    def damage(config):
        config["compile_config"] = ["adam"]
    path = write_archive(tmp_path / "c.keras", with_config(members, damage))
    refused(lambda: keras.models.load_model(path), "compile_config")


def test_per_output_compile_arguments_still_load(tmp_path):
    keras.backend.set_random_seed(0)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, {"a": keras.layers.Dense(1, name="a")(inputs),
                                 "b": keras.layers.Dense(2, name="b")(inputs)})
    model.compile("sgd", loss={"a": "mse", "b": "mae"}, loss_weights={"a": 0.5, "b": 2},
                  metrics={"a": ["mae", "mse"], "b": "mse"}, weighted_metrics=[["mae"], None])
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    x = np.ones((3, 4), "float32")
    loaded.fit(x, {"a": np.ones((3, 1)), "b": np.ones((3, 2))}, verbose=0)
