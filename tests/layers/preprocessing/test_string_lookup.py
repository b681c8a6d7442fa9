"""StringLookup: Keras's documented examples, adapt's ordering, tf-idf, invert, errors."""
import math

import numpy as np
import pytest

import gradiente as keras
from gradiente import layers

VOCAB = ["a", "b", "c", "d"]


def _out(layer, data):
    return layer(data).numpy().tolist()


def test_keras_examples_int_adapt_and_oov_buckets():
    data = [["a", "c", "d"], ["d", "z", "b"]]
    assert _out(layers.StringLookup(vocabulary=VOCAB), data) == [[1, 3, 4], [4, 0, 2]]
    layer = layers.StringLookup()
    layer.adapt(data)
    # d twice; the rest once, ordered by token descending.
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    assert _out(layer, data) == [[5, 3, 1], [1, 2, 4]]
    two_oov = layers.StringLookup(vocabulary=VOCAB, num_oov_indices=2)
    assert _out(two_oov, [["a", "c", "d"], ["m", "z", "b"]]) == [[2, 4, 5], [0, 1, 3]]
    assert two_oov.get_vocabulary() == ["[UNK]", "[UNK]"] + VOCAB
    assert layer(data).dtype == np.int64


def test_oov_buckets_are_fingerprint64_of_the_utf8_bytes():
    import farmhash

    tokens = ["m", "z", "héllo", "日本語", "x" * 100]
    layer = layers.StringLookup(vocabulary=VOCAB, num_oov_indices=5)
    expected = [farmhash.fingerprint64(t.encode("utf-8")) % 5 for t in tokens]
    assert _out(layer, tokens) == expected
    salted = layers.StringLookup(vocabulary=VOCAB, num_oov_indices=3, salt=[133, 137])
    assert _out(salted, ["A", "B", "C", "D", "E"]) == [1, 2, 1, 0, 2]  # SipHash, Keras's Hashing values


def test_keras_examples_encoded_modes():
    data = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]
    one_hot = layers.StringLookup(vocabulary=VOCAB, output_mode="one_hot")
    np.testing.assert_array_equal(one_hot(["a", "b", "c", "d", "z"]).numpy(), np.eye(5)[[1, 2, 3, 4, 0]])
    multi = layers.StringLookup(vocabulary=VOCAB, output_mode="multi_hot")
    assert _out(multi, data) == [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]
    count = layers.StringLookup(vocabulary=VOCAB, output_mode="count")
    assert _out(count, data) == [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]
    assert count(data).dtype == np.float32
    assert count.compute_output_shape((None, 4)) == (None, 5)
    padded = layers.StringLookup(vocabulary=VOCAB, output_mode="multi_hot", max_tokens=8, pad_to_max_tokens=True)
    assert padded(data).shape == (2, 8)


def test_tf_idf_with_given_weights_as_keras_documents():
    data = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]
    layer = layers.StringLookup(output_mode="tf_idf")
    layer.set_vocabulary(VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4])
    # The OOV slot takes the mean weight 0.5.
    np.testing.assert_allclose(layer(data).numpy(), [[0, .25, 0, .6, .8], [1.0, 0, .75, 0, .4]], rtol=1e-6)
    with_oov = layers.StringLookup(output_mode="tf_idf")
    with_oov.set_vocabulary(["[UNK]"] + VOCAB, idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(with_oov(data).numpy(), [[0, .25, 0, .6, .8], [1.8, 0, .75, 0, .4]], rtol=1e-6)


def test_tf_idf_learned_by_adapt_against_the_formula():
    docs = [["a", "b", "b"], ["a", "c", "c"], ["a", "d", "b"]]
    layer = layers.StringLookup(output_mode="tf_idf")
    layer.adapt(docs)
    assert layer.get_vocabulary() == ["[UNK]", "b", "a", "c", "d"]  # b, a: 3; c: 2; d: 1

    def idf(df):
        return math.log(1 + 3 / (1 + df))

    weights = [idf(2), idf(3), idf(1), idf(1)]  # documents containing b, a, c, d
    expected_idf = [np.mean(np.float32(weights))] + weights
    np.testing.assert_allclose(layer.idf_weights, expected_idf, rtol=1e-6)
    out = layer([["b", "b", "z", "c"]]).numpy()
    np.testing.assert_allclose(out, [[expected_idf[0], 2 * idf(2), 0, idf(1), 0]], rtol=1e-6)


def test_adapt_on_a_1d_array_counts_each_element_and_iterables_of_batches():
    layer = layers.StringLookup(max_tokens=4)
    layer.adapt(np.array(["x", "y", "y", "z", "z", "z", "w"]))
    assert layer.get_vocabulary() == ["[UNK]", "z", "y", "x"]  # max_tokens counts the OOV slot
    streamed = layers.StringLookup()
    streamed.adapt(iter([np.array(["b", "a"]), np.array(["b", "c"])]))
    assert streamed.get_vocabulary() == ["[UNK]", "b", "c", "a"]
    bytes_in = layers.StringLookup(vocabulary=VOCAB)
    assert _out(bytes_in, np.array([b"a", b"d"])) == [1, 4]


def test_mask_token_is_index_zero_and_dropped_in_counting_modes():
    layer = layers.StringLookup(vocabulary=VOCAB, mask_token="")
    assert layer.get_vocabulary() == ["", "[UNK]"] + VOCAB
    assert _out(layer, [["a", ""], ["z", "d"]]) == [[2, 0], [1, 5]]
    counted = layers.StringLookup(vocabulary=VOCAB, mask_token="", output_mode="count")
    assert _out(counted, [["a", "", ""], ["z", "d", "d"]]) == [[0, 1, 0, 0, 0], [1, 0, 0, 0, 2]]
    adapted = layers.StringLookup(mask_token="")
    adapted.adapt([["", "", "q"], ["[UNK]", "q", "r"]])
    assert adapted.get_vocabulary() == ["", "[UNK]", "q", "r"]  # special tokens never learned


def test_invert_maps_indices_back_to_strings():
    forward = layers.StringLookup(vocabulary=VOCAB)
    inverse = layers.StringLookup(vocabulary=VOCAB, invert=True)
    data = [["a", "c", "d"], ["d", "z", "b"]]
    assert _out(inverse, forward(data)) == [["a", "c", "d"], ["d", "[UNK]", "b"]]
    assert _out(inverse, [[7, -1]]) == [["[UNK]", "[UNK]"]]
    masked = layers.StringLookup(vocabulary=VOCAB, invert=True, mask_token="")
    assert _out(masked, [[0, 1, 2]]) == [["", "[UNK]", "a"]]


def test_vocabulary_from_a_file_and_with_special_tokens(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("a\nb\nc\nd\n", encoding="utf-8")
    layer = layers.StringLookup(vocabulary=str(path))
    assert layer.get_vocabulary() == ["[UNK]"] + VOCAB
    assert layer.vocabulary_size() == 5
    assert layer.get_vocabulary(include_special_tokens=False) == VOCAB
    given = layers.StringLookup(vocabulary=["[UNK]"] + VOCAB)
    assert given.get_vocabulary() == ["[UNK]"] + VOCAB


def test_bad_input_and_arguments_raise_clear_errors():
    with pytest.raises(TypeError, match="takes strings"):
        layers.StringLookup(vocabulary=VOCAB)(np.array([1.5, 2.0]))
    with pytest.raises(ValueError, match="empty vocabulary"):
        layers.StringLookup(vocabulary=[])
    with pytest.raises(ValueError, match="repeated"):
        layers.StringLookup(vocabulary=["a", "b", "a"])
    with pytest.raises(ValueError, match="mask_token"):
        layers.StringLookup(vocabulary=["a", "", "b"], mask_token="")
    with pytest.raises(ValueError, match="oov_token"):
        layers.StringLookup(vocabulary=["a", "[UNK]"], invert=True)
    with pytest.raises(ValueError, match="sparse"):
        layers.StringLookup(vocabulary=VOCAB, output_mode="multi_hot", sparse=True)
    with pytest.raises(ValueError, match="max_tokens"):
        layers.StringLookup(vocabulary=VOCAB, max_tokens=3)
    with pytest.raises(ValueError, match="idf_weights"):
        layers.StringLookup(vocabulary=VOCAB, output_mode="tf_idf")
    with pytest.raises(ValueError, match="output_mode"):
        layers.StringLookup(output_mode="bogus")
    with pytest.raises(ValueError, match="does not exist"):
        layers.StringLookup(vocabulary="/nonexistent/vocab.txt")
    with pytest.raises(RuntimeError, match="no vocabulary yet"):
        layers.StringLookup()(["a"])
    with pytest.raises(ValueError, match="all inputs should be in the vocabulary"):
        layers.StringLookup(vocabulary=VOCAB, num_oov_indices=0)(["a", "zz"])
    with pytest.raises(ValueError, match="Cannot adapt"):
        layers.StringLookup(vocabulary=VOCAB).adapt(["a"])
    with pytest.raises(TypeError, match="vocabulary must hold strings"):
        layers.StringLookup(vocabulary=[1, 2])


def test_config_round_trip_keeps_the_adapted_vocabulary_and_weights():
    layer = layers.StringLookup(output_mode="tf_idf", name="words")
    layer.adapt([["a", "b"], ["b", "c"]])
    clone = layers.StringLookup.from_config(layer.get_config())
    assert clone.get_vocabulary() == layer.get_vocabulary()
    np.testing.assert_array_equal(clone.idf_weights, layer.idf_weights)
    np.testing.assert_array_equal(clone([["c", "q"]]).numpy(), layer([["c", "q"]]).numpy())
    restored = keras.layers.deserialize(keras.layers.serialize(layer))
    assert restored.get_vocabulary() == layer.get_vocabulary()


def test_bytes_inputs_are_decoded_with_the_layers_encoding():
    layer = layers.StringLookup(vocabulary=["é"], encoding="latin-1")
    assert _out(layer, np.array(["é".encode("latin-1"), b"x"], dtype=object)) == [1, 0]
    assert layer.get_config()["encoding"] == "latin-1"


def test_a_nested_lookup_advances_the_name_counter_as_in_keras():
    keras.backend.clear_session()
    layers.TextVectorization()
    assert layers.StringLookup().name == "string_lookup_1"
