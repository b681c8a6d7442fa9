"""Hashing: Keras's documented bins, integer/float inputs, masks, modes, errors."""
import farmhash
import numpy as np
import pytest

from gradiente import layers

LETTERS = [["A"], ["B"], ["C"], ["D"], ["E"]]


def _bins(layer, data):
    return layer(data).numpy().ravel().tolist()


def test_keras_examples():
    assert _bins(layers.Hashing(num_bins=3), LETTERS) == [1, 0, 1, 1, 2]
    masked = layers.Hashing(num_bins=3, mask_value="")
    assert _bins(masked, [["A"], ["B"], [""], ["C"], ["D"]]) == [1, 1, 0, 2, 2]
    assert _bins(layers.Hashing(num_bins=3, salt=[133, 137]), LETTERS) == [1, 2, 1, 0, 2]
    assert _bins(layers.Hashing(num_bins=3, salt=133), LETTERS) == [0, 0, 2, 1, 0]
    assert layers.Hashing(num_bins=3)(LETTERS).dtype == np.int64


def test_integers_hash_as_decimal_strings_and_floats_are_truncated():
    values = np.array([[0, 7, -12, 123456789012]])
    expected = [farmhash.fingerprint64(str(v).encode()) % 10 for v in values.ravel()]
    assert _bins(layers.Hashing(num_bins=10), values) == expected
    assert _bins(layers.Hashing(num_bins=10), np.array([[7.9, -12.2]])) == [expected[1], expected[2]]
    text = ["héllo", "日本", "x" * 300]
    assert _bins(layers.Hashing(num_bins=1000), text) == [farmhash.fingerprint64(t.encode()) % 1000 for t in text]
    masked = layers.Hashing(num_bins=5, mask_value=0)
    assert _bins(masked, np.array([0, 7])) == [0, 1 + farmhash.fingerprint64(b"7") % 4]


def test_encoded_modes():
    layer = layers.Hashing(num_bins=3, output_mode="one_hot")
    out = layer(LETTERS)
    np.testing.assert_array_equal(out.numpy(), np.eye(3)[[1, 0, 1, 1, 2]])
    assert out.dtype == np.float32
    count = layers.Hashing(num_bins=3, output_mode="count")
    assert count([["A", "C", "E"]]).numpy().tolist() == [[0, 2, 1]]
    assert count.compute_output_shape((None, 3)) == (None, 3)


def test_errors_and_config():
    with pytest.raises(ValueError, match="num_bins"):
        layers.Hashing(num_bins=0)
    with pytest.raises(ValueError, match="dtype"):
        layers.Hashing(num_bins=3, dtype="float32")
    with pytest.raises(ValueError, match="salt"):
        layers.Hashing(num_bins=3, salt="pepper")
    with pytest.raises(ValueError, match="sparse"):
        layers.Hashing(num_bins=3, output_mode="multi_hot", sparse=True)
    with pytest.raises(ValueError, match="output_mode"):
        layers.Hashing(num_bins=3, output_mode="tf_idf")
    layer = layers.Hashing(num_bins=7, salt=5, mask_value="-", name="h")
    config = layer.get_config()
    assert config["salt"] == [5, 5]
    clone = layers.Hashing.from_config(config)
    assert _bins(clone, LETTERS) == _bins(layer, LETTERS)


def test_bytes_are_hashed_as_they_are():
    raw = [b"\xff\xfe", "é".encode("utf-8"), "plain"]
    expected = [farmhash.fingerprint64(b"\xff\xfe") % 9, farmhash.fingerprint64("é".encode()) % 9,
                farmhash.fingerprint64(b"plain") % 9]
    assert _bins(layers.Hashing(num_bins=9), np.array(raw, dtype=object)) == expected
    with pytest.raises(TypeError, match="takes strings"):
        layers.Hashing(num_bins=9)(np.array([b"a", 3.5], dtype=object))
