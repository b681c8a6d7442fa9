"""Keras archives whose preprocessing layers keep state outside the config: lookup
vocabularies in ``assets/<object path>/vocabulary.txt`` and 'tf_idf' weights at
``<object path>/vars/idf_weights``. Keras's own archives (fixtures/keras/k3_text_int,
k3_text_tfidf, k3_lookups, made by scripts/make_keras_fixtures.py keras3-assets) load and
compute exactly what Keras computed; what gradiente writes has Keras's layout; malformed
asset files are refused by name."""
import io
import json
import zipfile

import numpy as np
import pytest

import gradiente as keras
from gradiente.saving import ModelFormatError, limits

h5py = pytest.importorskip("h5py")  # in the dev extra: CI runs these
from keras_file_helpers import FIXTURES, L, archive_weights, inputs_and_predictions  # noqa: E402

# Each fixture's preprocessing layers, by name, with the index of the input they take.
PROBES = {"text_int": {"tv": 0}, "text_tfidf": {"tv_idf": 0},
          "lookups": {"s_lookup": 0, "s_given": 0, "hash": 0, "i_lookup": 1, "i_index": 1,
                      "disc": 2, "norm": 3}}
TEXT_VOCABULARY = "assets/layers/text_vectorization/vocabulary.txt"


def _members(path):
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def _rewrite(source, target, replace=None, drop=(), weights=None):
    """A copy of archive ``source`` with members replaced/added, dropped, or its weights
    file edited by ``weights(h5py.File)``."""
    members = _members(source)
    for name in drop:
        del members[name]
    members.update(replace or {})
    if weights is not None:
        buffer = io.BytesIO(members["model.weights.h5"])
        with h5py.File(buffer, "r+") as f:
            weights(f)
        members["model.weights.h5"] = buffer.getvalue()
    with zipfile.ZipFile(target, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return target


# --- reading what Keras wrote ----------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(PROBES))
def test_keras_archive_with_assets_predicts_on_raw_inputs_as_keras(name):
    model = keras.models.load_model(FIXTURES / f"k3_{name}.keras")
    x, expected = inputs_and_predictions(f"k3_{name}")
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=0, atol=1e-5)
    xs = x if isinstance(x, list) else [x]
    for layer, i in PROBES[name].items():  # indices, one-hots, tf-idf, bins: as Keras's
        want = np.load(FIXTURES / f"k3_{name}.{layer}.npy")
        got = np.asarray(model.get_layer(layer)(xs[i]))
        assert got.shape == want.shape, layer
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-5, err_msg=layer)


def test_adapted_vocabulary_and_idf_come_from_the_asset_file_and_weights():
    path = FIXTURES / "k3_text_tfidf.keras"
    model = keras.models.load_model(path)
    layer = model.get_layer("tv_idf")
    lines = _members(path)[TEXT_VOCABULARY].decode("utf-8").split("\n")
    assert layer.get_vocabulary() == lines and lines[0] == "[UNK]"
    with zipfile.ZipFile(path) as z, h5py.File(io.BytesIO(z.read("model.weights.h5"))) as f:
        idf = f["layers/text_vectorization/_lookup_layer/vars/idf_weights"][()]
    np.testing.assert_array_equal(layer._lookup_layer.idf_weights, idf)
    ints = keras.models.load_model(FIXTURES / "k3_lookups.keras").get_layer("i_index")
    assert ints.get_vocabulary() == [-1, -1, 3, 12, 7]  # two OOV slots, then by count


def test_load_weights_from_an_archive_sets_idf_weights_it_holds():
    path = FIXTURES / "k3_text_tfidf.keras"
    model = keras.models.load_model(path)
    lookup = model.get_layer("tv_idf")._lookup_layer
    kept = lookup.idf_weights.copy()
    lookup.idf_weights = np.ones_like(kept)
    model.load_weights(path)  # as Keras: the weights file's idf, the assets left alone
    np.testing.assert_array_equal(lookup.idf_weights, kept)


# --- writing for Keras -------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(PROBES))
def test_written_archive_has_keras_layout_assets_and_weights(name, tmp_path):
    source = FIXTURES / f"k3_{name}.keras"
    model = keras.models.load_model(source)
    keras.saving.save_model(model, tmp_path / "m.keras", keras_compatible=True)
    theirs, ours = _members(source), _members(tmp_path / "m.keras")
    assert set(ours) == set(theirs)
    for member in theirs:
        if member.startswith("assets/"):  # byte for byte what Keras wrote
            assert ours[member] == theirs[member], member
    assert archive_weights(tmp_path / "m.keras") == archive_weights(source)
    again = keras.models.load_model(tmp_path / "m.keras")
    x, expected = inputs_and_predictions(f"k3_{name}")
    np.testing.assert_allclose(again.predict(x, verbose=0), expected, rtol=0, atol=1e-5)


def _layer_configs(path):
    with zipfile.ZipFile(path) as z:
        layers = json.loads(z.read("config.json"))["config"]["layers"]
    return {layer["config"]["name"]: layer["config"] for layer in layers}


def test_written_config_keeps_a_given_vocabulary_and_moves_an_adapted_one(tmp_path):
    inp = keras.Input((1,), dtype="string")
    adapted = L.StringLookup(output_mode="tf_idf", name="adapted")
    adapted.adapt(np.array([["a"], ["b"], ["a"]]))
    given = L.StringLookup(vocabulary=["x", "y"], name="given")
    model = keras.Model(inp, L.concatenate([adapted(inp), L.CategoryEncoding(4)(given(inp))]))
    keras.saving.save_model(model, tmp_path / "m.keras", keras_compatible=True)
    configs = _layer_configs(tmp_path / "m.keras")
    assert configs["adapted"]["vocabulary"] is None and configs["adapted"]["idf_weights"] is None
    assert configs["given"]["vocabulary"][-2:] == ["x", "y"]
    assert not any("has_input_vocabulary" in c for c in configs.values())
    # Keras's path for the adapted lookup: its class, numbered in model.layers' order.
    lookups = [la for la in model.layers if isinstance(la, L.StringLookup)]
    n = lookups.index(adapted)
    at = "layers/string_lookup" + (f"_{n}" if n else "")
    members = _members(tmp_path / "m.keras")
    # Only the adapted vocabulary is an asset: the given one stays in the config.
    assert [m for m in members if m.startswith("assets/")] == [f"assets/{at}/vocabulary.txt"]
    assert members[f"assets/{at}/vocabulary.txt"] == b"[UNK]\na\nb"
    assert archive_weights(tmp_path / "m.keras")[f"{at}/vars/idf_weights"] == (3,)
    x = np.array([["a"], ["b"], ["zz"], ["x"]])
    again = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_string_inputs_are_written_with_keras_dtype_name(tmp_path):
    model = keras.models.load_model(FIXTURES / "k3_text_int.keras")
    keras.saving.save_model(model, tmp_path / "m.keras", keras_compatible=True)
    record = _layer_configs(tmp_path / "m.keras")["tv"]
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        layers = json.loads(z.read("config.json"))["config"]["layers"]
    tensor = next(la for la in layers if la["name"] == "tv")["inbound_nodes"][0]["args"][0]
    assert tensor["config"]["dtype"] == "string" and record["vocabulary"] is None


# --- malformed asset files -----------------------------------------------------------------------
def _refused(path, match):
    with pytest.raises(ModelFormatError, match=match):
        keras.models.load_model(path)


def test_asset_file_that_is_not_utf8_is_refused_by_name(tmp_path):
    path = _rewrite(FIXTURES / "k3_text_int.keras", tmp_path / "m.keras",
                    {TEXT_VOCABULARY: b"\n[UNK]\nthe\n\xff\xfe"})
    _refused(path, "text_vectorization/vocabulary.txt is not UTF-8")


def test_asset_file_no_layer_reads_is_refused(tmp_path):
    for name in ("assets/layers/dense/vocabulary.txt", "assets/notes.txt"):
        path = _rewrite(FIXTURES / "k3_text_int.keras", tmp_path / "m.keras", {name: b"x"})
        _refused(path, f"asset file '{name}' belongs to no layer")


def test_missing_vocabulary_file_is_refused(tmp_path):
    path = _rewrite(FIXTURES / "k3_text_int.keras", tmp_path / "m.keras", drop=[TEXT_VOCABULARY])
    _refused(path, "no assets/layers/text_vectorization/vocabulary.txt: layer 'tv'")


def test_oversized_or_too_long_vocabulary_is_refused_before_splitting(tmp_path, monkeypatch):
    path = _rewrite(FIXTURES / "k3_text_int.keras", tmp_path / "m.keras")
    monkeypatch.setattr(limits, "MAX_ASSET_BYTES", 16)
    _refused(path, "vocabulary.txt declares 69 bytes, more than the 16")
    monkeypatch.setattr(limits, "MAX_ASSET_BYTES", 1 << 20)
    monkeypatch.setattr(limits, "MAX_VOCABULARY_LINES", 5)
    _refused(path, "vocabulary.txt has more than 5 lines")


def test_integer_vocabulary_with_a_non_integer_line_is_refused(tmp_path):
    name = "assets/layers/integer_lookup/vocabulary.txt"
    path = _rewrite(FIXTURES / "k3_lookups.keras", tmp_path / "m.keras", {name: b"-1\n-1\n3\nseven"})
    _refused(path, r"integer_lookup/vocabulary.txt line 4 \('seven'\) is not an integer")
    path = _rewrite(FIXTURES / "k3_lookups.keras", tmp_path / "m.keras", {name: b"-1\n-1\n" + b"9" * 30})
    _refused(path, "line 3 is outside int64's range")


@pytest.mark.parametrize("content, match", [
    (b"\n[UNK]\nthe\ncat\nthe", "repeated terms"),
    (b"\n[UNK]\n" + "\n".join(f"w{i}" for i in range(30)).encode(), "more than max_tokens=20"),
])
def test_vocabulary_the_layer_refuses_becomes_a_format_error_naming_the_file(tmp_path, content, match):
    path = _rewrite(FIXTURES / "k3_text_int.keras", tmp_path / "m.keras", {TEXT_VOCABULARY: content})
    _refused(path, f"{TEXT_VOCABULARY} does not fit layer 'tv'.*{match}")


def test_tf_idf_weights_missing_or_misshapen_are_refused(tmp_path):
    source = FIXTURES / "k3_text_tfidf.keras"
    key = "layers/text_vectorization/vars/idf_weights"

    def drop(f):
        del f[key]

    _refused(_rewrite(source, tmp_path / "a.keras", weights=drop), f"needs its idf weights at '{key}'")

    def flat_2d(f):
        del f[key]
        f[key] = np.ones((3, 4), "float32")

    _refused(_rewrite(source, tmp_path / "b.keras", weights=flat_2d), "1-D float array of idf")

    def short(f):
        del f[key]
        f[key] = np.ones(5, "float32")

    _refused(_rewrite(source, tmp_path / "c.keras", weights=short), "does not fit layer|idf weights")


def test_idf_weights_for_a_layer_not_in_tf_idf_mode_are_refused(tmp_path):
    def extra(f):
        f["layers/text_vectorization/vars/idf_weights"] = np.ones(16, "float32")

    path = _rewrite(FIXTURES / "k3_text_int.keras", tmp_path / "m.keras", weights=extra)
    _refused(path, "has 0 variables in this architecture")


def test_padded_tf_idf_and_unadapted_lookups_round_trip_through_keras_layout(tmp_path):
    # Keras stores a padded layer's idf weights padded to max_tokens (its own reload then
    # refuses them); the vocabulary's part is taken, the padded whole set.
    inp = keras.Input((1,), dtype="string")
    padded = L.StringLookup(max_tokens=8, pad_to_max_tokens=True, output_mode="tf_idf", name="p")
    padded.adapt(np.array([["a"], ["b"], ["a"], ["c"]]))
    fresh = L.StringLookup(output_mode="tf_idf", name="fresh")  # never adapted
    model = keras.Model(inp, [padded(inp), fresh(inp)])
    keras.saving.save_model(model, tmp_path / "m.keras", keras_compatible=True)
    weights = archive_weights(tmp_path / "m.keras")
    assert sorted(shape for key, shape in weights.items() if key.endswith("idf_weights")) == [(1,), (8,)]
    again = keras.models.load_model(tmp_path / "m.keras")
    x = np.array([["a"], ["c"], ["zz"]])
    np.testing.assert_allclose(again.get_layer("p")(x), padded(x), rtol=0, atol=0)
    assert again.get_layer("fresh").get_vocabulary() == ["[UNK]"]
