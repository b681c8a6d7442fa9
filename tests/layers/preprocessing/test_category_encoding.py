"""CategoryEncoding: Keras's documented examples against direct counts, shapes, errors."""
import numpy as np
import pytest

from gradiente import layers


def test_keras_examples():
    one_hot = layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")
    np.testing.assert_array_equal(one_hot([3, 2, 0, 1]).numpy(), np.eye(4)[[3, 2, 0, 1]])
    data = [[0, 1], [0, 0], [1, 2], [3, 1]]
    multi = layers.CategoryEncoding(num_tokens=4, output_mode="multi_hot")
    assert multi(data).numpy().tolist() == [[1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0], [0, 1, 0, 1]]
    count = layers.CategoryEncoding(num_tokens=4, output_mode="count")
    weights = np.array([[.1, .2], [.1, .1], [.2, .3], [.4, .2]])
    np.testing.assert_allclose(count(data, count_weights=weights).numpy(),
                               [[.1, .2, 0, 0], [.2, 0, 0, 0], [0, .2, .3, 0], [0, .2, 0, .4]], rtol=1e-6)
    assert count(data).dtype == np.float32


def test_counts_against_a_direct_loop_and_shapes():
    rng = np.random.default_rng(0)
    data = rng.integers(0, 6, size=(7, 5))
    expected = np.zeros((7, 6))
    for i, row in enumerate(data):
        for v in row:
            expected[i, v] += 1
    layer = layers.CategoryEncoding(num_tokens=6, output_mode="count")
    np.testing.assert_array_equal(layer(data).numpy(), expected)
    multi = layers.CategoryEncoding(num_tokens=6)
    np.testing.assert_array_equal(multi(data).numpy(), expected > 0)
    assert multi(np.array([1, 1, 3])).numpy().tolist() == [0, 1, 0, 1, 0, 0]  # 1-D: one sample
    one_hot = layers.CategoryEncoding(num_tokens=6, output_mode="one_hot")
    assert one_hot(data[:, :1]).shape == (7, 6)  # a last axis of 1 is replaced
    assert one_hot(data).shape == (7, 5, 6)
    assert one_hot.compute_output_shape((None, 1)) == (None, 6)
    assert multi.compute_output_shape((None, 5)) == (None, 6)


def test_errors():
    with pytest.raises(ValueError, match="num_tokens"):
        layers.CategoryEncoding()
    with pytest.raises(ValueError, match="num_tokens"):
        layers.CategoryEncoding(num_tokens=0)
    with pytest.raises(ValueError, match="output_mode"):
        layers.CategoryEncoding(num_tokens=3, output_mode="int")
    with pytest.raises(ValueError, match="sparse"):
        layers.CategoryEncoding(num_tokens=3, sparse=True)
    layer = layers.CategoryEncoding(num_tokens=3)
    with pytest.raises(ValueError, match="0 <= value < num_tokens=3"):
        layer([[0, 3]])
    with pytest.raises(ValueError, match="0 <= value"):
        layer([[-1, 0]])
    with pytest.raises(ValueError, match="count_weights"):
        layer([[0, 1]], count_weights=[[1.0, 1.0]])
    with pytest.raises(TypeError, match="integer"):
        layer(["a"])
    with pytest.raises(ValueError, match="rank 1 or 2"):
        layer(np.zeros((2, 2, 2), dtype=int))


def test_config_round_trip():
    layer = layers.CategoryEncoding(num_tokens=5, output_mode="count", name="cats")
    clone = layers.CategoryEncoding.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
