"""IntegerLookup: Keras's documented examples, OOV methods, masks, errors, config."""
import numpy as np
import pytest

from gradiente import layers

VOCAB = [12, 36, 1138, 42]


def _out(layer, data):
    return layer(data).numpy().tolist()


def test_keras_examples():
    data = np.array([[12, 1138, 42], [42, 1000, 36]])
    assert _out(layers.IntegerLookup(vocabulary=VOCAB), data) == [[1, 3, 4], [4, 0, 2]]
    layer = layers.IntegerLookup()
    layer.adapt(data)
    assert layer.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]  # ties: larger value first
    assert _out(layer, data) == [[5, 2, 1], [1, 3, 4]]
    two = layers.IntegerLookup(vocabulary=VOCAB, num_oov_indices=2)
    assert _out(two, np.array([[12, 1138, 42], [37, 1000, 36]])) == [[2, 4, 5], [1, 0, 3]]  # value % 2
    one_hot = layers.IntegerLookup(vocabulary=VOCAB, output_mode="one_hot")
    np.testing.assert_array_equal(one_hot(np.array([12, 36, 1138, 42, 7])).numpy(), np.eye(5)[[1, 2, 3, 4, 0]])
    rows = np.array([[12, 1138, 42, 42], [42, 7, 36, 7]])
    assert _out(layers.IntegerLookup(vocabulary=VOCAB, output_mode="multi_hot"), rows) == [
        [0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]
    assert _out(layers.IntegerLookup(vocabulary=VOCAB, output_mode="count"), rows) == [
        [0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]
    tf_idf = layers.IntegerLookup(output_mode="tf_idf", vocabulary=VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(tf_idf(rows).numpy(), [[0, .25, 0, .6, .8], [1.0, 0, .75, 0, .4]], rtol=1e-6)


def test_oov_methods_floormod_and_farmhash_of_the_decimal_string():
    import farmhash

    oov = np.array([100, 300, 700, 1100, 1700, 2000, -3])
    floormod = layers.IntegerLookup(vocabulary=[10, 20, 30], num_oov_indices=4)
    assert _out(floormod, oov) == (oov % 4).tolist()
    hashed = layers.IntegerLookup(vocabulary=[10, 20, 30], num_oov_indices=4, oov_method="farmhash")
    assert _out(hashed, oov) == [farmhash.fingerprint64(str(v).encode()) % 4 for v in oov]
    assert _out(hashed, np.array([10, 30])) == [4, 6]


def test_mask_invert_and_dtypes():
    masked = layers.IntegerLookup(vocabulary=VOCAB, mask_token=0)
    assert masked.get_vocabulary() == [0, -1] + VOCAB
    assert _out(masked, np.array([[0, 12, 5]])) == [[0, 2, 1]]
    inverse = layers.IntegerLookup(vocabulary=VOCAB, invert=True)
    out = inverse(np.array([[1, 4, 0, 9]]))
    assert out.numpy().tolist() == [[12, 42, -1, -1]] and out.dtype == np.int64
    with pytest.raises(TypeError, match="takes integers"):
        layers.IntegerLookup(vocabulary=VOCAB)(np.array([1.5]))
    with pytest.raises(TypeError, match="takes integers"):
        layers.IntegerLookup(vocabulary=VOCAB)(["12"])


def test_vocabulary_file_and_errors(tmp_path):
    path = tmp_path / "ints.txt"
    path.write_text("7\n3\n", encoding="utf-8")
    assert layers.IntegerLookup(vocabulary=str(path)).get_vocabulary() == [-1, 7, 3]
    with pytest.raises(ValueError, match="repeated"):
        layers.IntegerLookup(vocabulary=[1, 2, 1])
    with pytest.raises(ValueError, match="mask_token"):
        layers.IntegerLookup(vocabulary=[1, 0], mask_token=0)
    with pytest.raises(ValueError, match="max_tokens"):
        layers.IntegerLookup(max_tokens=1)
    with pytest.raises(ValueError, match="num_oov_indices"):
        layers.IntegerLookup(num_oov_indices=-1)
    with pytest.raises(ValueError, match="salt"):
        layers.IntegerLookup(vocabulary=VOCAB, salt=3)
    with pytest.raises(ValueError, match="vocabulary_dtype"):
        layers.IntegerLookup(vocabulary_dtype="int32")
    with pytest.raises(TypeError, match="vocabulary must hold integers"):
        layers.IntegerLookup(vocabulary=["a"])


def test_config_round_trip():
    layer = layers.IntegerLookup(num_oov_indices=2, oov_method="farmhash", salt=[1, 2], output_mode="count")
    layer.adapt(np.array([5, 5, 6, 7]))
    clone = layers.IntegerLookup.from_config(layer.get_config())
    assert clone.get_vocabulary() == layer.get_vocabulary() == [-1, -1, 5, 7, 6]
    data = np.array([[5, 99, 6, 123456]])
    np.testing.assert_array_equal(clone(data).numpy(), layer(data).numpy())
