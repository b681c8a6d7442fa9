"""Discretization: Keras's documented bins, left-inclusive edges, adapt's quantiles, errors."""
import numpy as np
import pytest

from gradiente import layers

X = np.array([[-1.5, 1.0, 3.4, .5], [0.0, 3.0, 1.3, 0.0]])


def test_keras_examples():
    layer = layers.Discretization(bin_boundaries=[0., 1., 2.])
    out = layer(X)
    assert out.numpy().tolist() == [[0, 2, 3, 1], [1, 3, 2, 1]]
    assert out.dtype == np.int32
    adapted = layers.Discretization(num_bins=4, epsilon=0.01)
    adapted.adapt(X)
    assert adapted(X).numpy().tolist() == [[0, 2, 3, 2], [1, 3, 3, 1]]


def test_edges_are_left_inclusive():
    layer = layers.Discretization(bin_boundaries=[0.0, 1.0])
    assert layer(np.array([-1e-7, 0.0, 0.5, 1.0, 7.0])).numpy().tolist() == [0, 1, 1, 2, 2]


def test_adapt_boundaries_are_interpolated_quantiles_on_small_data():
    values = np.arange(1.0, 21.0)  # 20 values, fewer than 1/epsilon: kept whole
    layer = layers.Discretization(num_bins=4)
    layer.adapt(values)
    # Cumulative fractions k/20 against values k; quantiles at 1/4, 2/4, 3/4.
    np.testing.assert_allclose(layer.bin_boundaries, [5.0, 10.0, 15.0])
    rng = np.random.default_rng(0)
    big = rng.normal(size=5000)
    layer = layers.Discretization(num_bins=5, epsilon=0.001)
    layer.adapt(big)
    np.testing.assert_allclose(layer.bin_boundaries, np.quantile(big, [.2, .4, .6, .8]), atol=0.02)
    streamed = layers.Discretization(num_bins=4)
    streamed.adapt(iter([values[:10], values[10:]]))
    np.testing.assert_allclose(streamed.bin_boundaries, [5.0, 10.0, 15.0])


def test_encoded_modes():
    layer = layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode="one_hot")
    np.testing.assert_array_equal(layer(np.array([[-1.0], [0.5], [2.0]])).numpy(), np.eye(3))
    count = layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode="count")
    assert count(np.array([[-1.0, 0.5, 0.7]])).numpy().tolist() == [[1, 2, 0]]
    assert count.compute_output_shape((None, 3)) == (None, 3)


def test_errors():
    with pytest.raises(ValueError, match="num_bins"):
        layers.Discretization(num_bins=0)
    with pytest.raises(ValueError, match="not both"):
        layers.Discretization(num_bins=2, bin_boundaries=[0.0])
    with pytest.raises(ValueError, match="either"):
        layers.Discretization()
    with pytest.raises(ValueError, match="sorted"):
        layers.Discretization(bin_boundaries=[1.0, 0.0])
    with pytest.raises(ValueError, match="no bin boundaries yet"):
        layers.Discretization(num_bins=3)(X)
    with pytest.raises(ValueError, match="Cannot adapt"):
        layers.Discretization(bin_boundaries=[0.0]).adapt(X)
    with pytest.raises(TypeError, match="takes numbers"):
        layers.Discretization(bin_boundaries=[0.0])(["a"])


def test_config_round_trip_after_adapt():
    layer = layers.Discretization(num_bins=4, name="bins")
    layer.adapt(np.arange(1.0, 21.0))
    clone = layers.Discretization.from_config(layer.get_config())
    assert clone.bin_boundaries == layer.bin_boundaries and clone.num_bins == 4
    np.testing.assert_array_equal(clone(X).numpy(), layer(X).numpy())
