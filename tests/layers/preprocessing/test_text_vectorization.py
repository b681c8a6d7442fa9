"""TextVectorization: Keras's documented outputs, TensorFlow's string rules, adapt, errors."""
import numpy as np
import pytest

from gradiente import layers


def _out(layer, data):
    return layer(data).numpy().tolist()


def test_keras_adapt_example_pads_and_cuts_to_the_sequence_length():
    layer = layers.TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    # bar and baz twice (baz > bar), then the single ones by token descending.
    assert layer.get_vocabulary() == ["", "[UNK]", "baz", "bar", "foo", "boom", "bada"]
    assert _out(layer, [["foo qux bar"], ["qux baz"]]) == [[4, 1, 3, 0], [1, 2, 0, 0]]
    assert _out(layer, ["a b c d e f bar"]) == [[1, 1, 1, 1]]
    assert layer(["foo"]).dtype == np.int64
    # As Keras 3: built at construction only where `build` is not overridden (the lookups).
    fresh = layers.TextVectorization(vocabulary=["x"])
    assert not fresh.built and fresh._lookup_layer.built
    fresh(["x"])
    assert fresh.built
    given = layers.TextVectorization(vocabulary=["earth", "wind", "and", "fire"], output_sequence_length=4)
    assert given.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    assert given.vocabulary_size() == 6


def test_without_a_length_pads_to_the_longest_sample():
    layer = layers.TextVectorization(vocabulary=["baz", "bar", "foo"])
    assert _out(layer, ["foo qux bar", "qux baz", "foo"]) == [[4, 1, 3], [1, 2, 0], [4, 0, 0]]
    assert _out(layer, "foo bar") == [4, 3]  # one string: one sequence
    assert layer([]).shape == (0, 0) and layer(["", "  "]).numpy().tolist() == [[], []]


def test_standardization_is_ascii_lowercasing_and_ascii_punctuation():
    layer = layers.TextVectorization(vocabulary=["hello", "world", "this", "is", "nice", "test"])
    assert _out(layer, ["Hello, World!. This is just a nice test!"]) == [[2, 3, 4, 5, 1, 1, 6, 7]]
    lower = layers.TextVectorization(standardize="lower", vocabulary=[
        "hello,", "hello", "world", "this", "is", "nice", "test"])
    assert _out(lower, ["Hello, World!. This is just a nice test!"]) == [[2, 1, 5, 6, 1, 1, 7, 1]]
    strip = layers.TextVectorization(standardize="strip_punctuation", vocabulary=["Hello", "World", "Test"])
    assert _out(strip, ["Hello, World! Test."]) == [[2, 3, 4]]
    # tf.strings.lower only lowercases ASCII; the regex removes ASCII punctuation only.
    keep = layers.TextVectorization(vocabulary=["É", "é", "«a»"])
    assert _out(keep, ["É é «A»!?"]) == [[2, 3, 4]]
    punct = layers.TextVectorization(split=None, vocabulary=["x"])
    assert _out(punct, [['!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~x']]) == [[2]]


def test_whitespace_is_asciis_and_characters_are_code_points():
    layer = layers.TextVectorization(standardize=None, vocabulary=["a", "b", "a\xa0b"])
    # \t \n \r \v \f separate tokens; a no-break space does not (TensorFlow's split).
    assert _out(layer, [" a\tb\n\x0ba\x0cb\r  a\xa0b "]) == [[2, 3, 2, 3, 4]]
    chars = layers.TextVectorization(split="character", vocabulary=list("abcde") + ["日"])
    assert _out(chars, ["abcf日"]) == [[2, 3, 4, 1, 7]]


def test_custom_standardize_and_split_callables():
    def custom_split(strings):
        return [s.split("|") for s in strings]

    # The default standardization removes "|" before the split sees it (Keras's test).
    layer = layers.TextVectorization(split=custom_split, vocabulary=["foo", "bar", "foobar"])
    assert _out(layer, ["foo|bar"]) == [[4]]
    keep_bars = layers.TextVectorization(standardize=lambda x: np.char.upper(x), split=custom_split,
                                         vocabulary=["FOO", "BAR"])
    assert _out(keep_bars, ["foo|bar|x"]) == [[2, 3, 1]]


def test_ngrams_are_joined_by_a_space_width_by_width():
    layer = layers.TextVectorization(ngrams=2)
    layer.adapt(["a b c", "b c"])
    assert layer.get_vocabulary() == ["", "[UNK]", "c", "b c", "b", "a b", "a"]
    assert _out(layer, ["a b c"]) == [[6, 4, 2, 5, 3]]  # unigrams first, then bigrams
    widths = layers.TextVectorization(ngrams=(2, 3), vocabulary=["a b", "b c", "a b c"])
    assert _out(widths, ["a b c", "a"]) == [[2, 3, 4], [0, 0, 0]]


def test_counting_modes_and_tf_idf():
    vocab = ["foo", "bar", "baz"]
    multi = layers.TextVectorization(output_mode="multi_hot", vocabulary=vocab)
    assert _out(multi, [["foo bar"], ["baz foo foo"]]) == [[0, 1, 1, 0], [0, 1, 0, 1]]
    count = layers.TextVectorization(output_mode="count", vocabulary=vocab)
    assert _out(count, [["foo bar"], ["baz foo foo"]]) == [[0, 1, 1, 0], [0, 2, 0, 1]]
    assert multi.get_vocabulary() == ["[UNK]"] + vocab  # no mask slot outside "int"
    tf_idf = layers.TextVectorization(output_mode="tf_idf", vocabulary=vocab, idf_weights=[0.3, 0.5, 0.2])
    np.testing.assert_allclose(tf_idf(["foo bar", "baz foo foo"]).numpy(),
                               [[0.0, 0.3, 0.5, 0.0], [0.0, 0.6, 0.0, 0.2]], rtol=1e-6)
    np.testing.assert_allclose(tf_idf(["zz qq"]).numpy(), [[2 * np.float32(1 / 3), 0, 0, 0]], rtol=1e-6)
    learned = layers.TextVectorization(output_mode="tf_idf")
    learned.adapt(["x y", "x", "x z z"])
    # x: 3 documents, z: 1 (counted twice), y: 1 -> log(1 + 3 / (1 + df))
    assert learned.get_vocabulary() == ["[UNK]", "x", "z", "y"]
    idf = np.log(1 + 3 / (1 + np.array([3.0, 1.0, 1.0])))
    np.testing.assert_allclose(learned._lookup_layer.idf_weights, np.r_[idf.mean(), idf], rtol=1e-6)
    np.testing.assert_allclose(learned(["z z q"]).numpy(), [[idf.mean(), 0, 2 * idf[1], 0]], rtol=1e-6)
    padded = layers.TextVectorization(output_mode="count", max_tokens=10, pad_to_max_tokens=True, vocabulary=vocab)
    assert padded(["foo"]).shape == (1, 10)
    assert padded.compute_output_shape((None, 1)) == (None, 10)


def test_adapt_from_batches_and_max_tokens():
    def batches():
        yield np.array(["the cat", "the dog"])
        yield ["The bird", "a cat"]

    layer = layers.TextVectorization(max_tokens=4)
    layer.adapt(batches())
    assert layer.get_vocabulary() == ["", "[UNK]", "the", "cat"]
    stepped = layers.TextVectorization()
    stepped.adapt(iter([["a a"], ["b"], ["c"]]), steps=2)
    assert stepped.get_vocabulary() == ["", "[UNK]", "a", "b"]
    layer.set_vocabulary(["dog", "bird"])
    assert _out(layer, ["bird dog cat"]) == [[3, 2, 1]]


def test_bad_arguments_and_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="ragged"):
        layers.TextVectorization(ragged=True)
    with pytest.raises(ValueError, match="sparse"):
        layers.TextVectorization(output_mode="multi_hot", sparse=True)
    with pytest.raises(ValueError, match="standardize"):
        layers.TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="split"):
        layers.TextVectorization(split="comma")
    with pytest.raises(ValueError, match="ngrams"):
        layers.TextVectorization(ngrams=[1, 2])
    with pytest.raises(ValueError, match="output_sequence_length"):
        layers.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="output_mode"):
        layers.TextVectorization(output_mode="one_hot")
    with pytest.raises(RuntimeError, match="no vocabulary yet"):
        layers.TextVectorization()(["a"])
    layer = layers.TextVectorization(vocabulary=["a"])
    with pytest.raises(ValueError, match="last axis of size 1"):
        layer([["a", "b"]])
    with pytest.raises(TypeError, match="takes strings"):
        layer(np.array([[1.0], [2.0]]))
    with pytest.raises(ValueError, match="Cannot adapt"):
        layer.adapt(["a b"])


def test_config_round_trip_after_adapt():
    layer = layers.TextVectorization(max_tokens=20, ngrams=(1, 2), output_sequence_length=6)
    layer.adapt(["one two three", "two three", "three"])
    config = layer.get_config()
    assert config["ngrams"] == (1, 2) and config["vocabulary_size"] == layer.vocabulary_size()
    clone = layers.TextVectorization.from_config(config)
    assert clone.get_vocabulary() == layer.get_vocabulary()
    data = ["three two one", "four two"]
    np.testing.assert_array_equal(clone(data).numpy(), layer(data).numpy())
    empty = layers.TextVectorization.from_config(layers.TextVectorization(name="tv_empty").get_config())
    empty.adapt(["x"])  # an unadapted layer stays adaptable after a round trip
    assert empty.get_vocabulary() == ["", "[UNK]", "x"]


def _reference_tokens(s, ngram_widths=(1,)):
    """TensorFlow's rules written out directly: ASCII lowercase, ASCII punctuation removed,
    split on runs of the six ASCII whitespace characters."""
    import re
    import string

    s = "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in s)
    s = "".join(c for c in s if c not in string.punctuation)
    tokens = [t for t in re.split("[ \t\n\r\x0b\x0c]+", s) if t]
    return [" ".join(tokens[i:i + w]) for w in ngram_widths for i in range(len(tokens) - w + 1)]


def test_chunked_and_per_sample_paths_agree_with_a_direct_reference():
    rng = np.random.default_rng(0)
    pieces = ["Cat", "DOG!", "x,y", "É", "ß", "", " ", "\t", "a\xa0b", "b\x1cc", "...", "日本", "Zz"]
    texts = ["".join(rng.choice(pieces, rng.integers(0, 8))) + " " + str(i % 50) for i in range(9000)]
    texts[10] = "nul\x00inside here"  # the joined fast path cannot hold a NUL: per-sample path
    layer = layers.TextVectorization(output_sequence_length=5)
    layer.adapt(np.array(texts, dtype=object))
    counts = {}
    for s in texts:
        for t in _reference_tokens(s):
            counts[t] = counts.get(t, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
    assert layer.get_vocabulary()[2:] == [t for t, _ in ranked]
    index = {t: i for i, t in enumerate(layer.get_vocabulary())}
    expected = np.zeros((len(texts), 5), dtype=np.int64)
    for row, s in enumerate(texts):
        ids = [index.get(t, 1) for t in _reference_tokens(s)][:5]
        expected[row, :len(ids)] = ids
    np.testing.assert_array_equal(layer(texts).numpy(), expected)
    np.testing.assert_array_equal(layer(texts[:10] + texts[11:20]).numpy(), np.r_[expected[:10], expected[11:20]])
    count = layers.TextVectorization(output_mode="count", vocabulary=layer.get_vocabulary(include_special_tokens=False))
    got = count(texts[:300]).numpy()
    for row, s in enumerate(texts[:300]):
        want = np.zeros(got.shape[1])
        for t in _reference_tokens(s):
            want[index.get(t, 1) - 1] += 1
        np.testing.assert_array_equal(got[row], want)
    bigrams = layers.TextVectorization(ngrams=2, vocabulary=["cat dog", "dog", "x"])
    assert _out(bigrams, ["Cat dog! dog"]) == [[1, 3, 3, 2, 1]]
