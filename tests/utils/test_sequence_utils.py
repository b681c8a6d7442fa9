import numpy as np
import pytest

from gradiente.utils import pad_sequences

SEQUENCES = [[1], [2, 3], [4, 5, 6]]


def test_keras_documented_examples():
    out = pad_sequences(SEQUENCES)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, [[0, 0, 1], [0, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(pad_sequences(SEQUENCES, value=-1), [[-1, -1, 1], [-1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(pad_sequences(SEQUENCES, padding="post"), [[1, 0, 0], [2, 3, 0], [4, 5, 6]])
    np.testing.assert_array_equal(pad_sequences(SEQUENCES, maxlen=2), [[0, 1], [2, 3], [5, 6]])


def test_truncating_and_padding_combinations_against_a_loop():
    rng = np.random.default_rng(0)
    seqs = [list(rng.integers(1, 9, rng.integers(0, 7))) for _ in range(20)]
    for padding in ("pre", "post"):
        for truncating in ("pre", "post"):
            out = pad_sequences(seqs, maxlen=4, padding=padding, truncating=truncating, value=-7)
            for row, seq in zip(out, seqs):
                kept = seq[-4:] if truncating == "pre" else seq[:4]
                pad = [-7] * (4 - len(kept))
                assert row.tolist() == (pad + kept if padding == "pre" else kept + pad)


def test_items_with_a_shape_dtype_and_empty_sequences():
    seqs = [np.ones((2, 3)), np.zeros((0, 3)), 2 * np.ones((4, 3))]
    out = pad_sequences(seqs, maxlen=3, dtype="float32", padding="post", value=0.5)
    assert out.shape == (3, 3, 3) and out.dtype == np.float32
    assert (out[1] == 0.5).all() and (out[0, :2] == 1).all() and (out[0, 2] == 0.5).all()
    assert (out[2] == 2).all()  # "pre" truncation kept the last three steps
    with pytest.raises(ValueError, match="position 1 is different from expected shape"):
        pad_sequences([np.ones((2, 3)), np.ones((2, 4))])


def test_strings_need_a_string_or_object_dtype():
    seqs = [["a", "b"], ["c"]]
    with pytest.raises(ValueError, match="not compatible with `value`'s type"):
        pad_sequences(seqs, value="x")
    out = pad_sequences(seqs, dtype=object, value="x")
    assert out.tolist() == [["a", "b"], ["x", "c"]]
    assert pad_sequences(seqs, dtype="<U1", value="-", padding="post").tolist() == [["a", "b"], ["c", "-"]]


def test_bad_input():
    with pytest.raises(ValueError, match="must be iterable"):
        pad_sequences(5)
    with pytest.raises(ValueError, match="non-iterable: 3"):
        pad_sequences([[1], 3])
    with pytest.raises(ValueError, match='Padding type "middle"'):
        pad_sequences(SEQUENCES, padding="middle")
    with pytest.raises(ValueError, match='Truncating type "x"'):
        pad_sequences(SEQUENCES, truncating="x")
    with pytest.raises(ValueError, match="empty"):
        pad_sequences([])
    assert pad_sequences([], maxlen=3).shape == (0, 3)
    with pytest.raises(ValueError, match="maxlen"):
        pad_sequences(SEQUENCES, maxlen=0)
