import numpy as np
import pytest

from gradiente.utils import timeseries_dataset_from_array


def collect(ds):
    xs, ys = [], []
    for batch in ds:
        x, y = batch if isinstance(batch, tuple) else (batch, None)
        xs.append(x)
        ys.append(y)
    return xs, ys


def reference(data, targets, length, stride, rate, start, end):
    """Keras's windows, written as a direct loop."""
    start = start or 0
    end = end or len(data)
    windows, labels, i = [], [], 0
    while start + i + (length - 1) * rate < end and (targets is None or i < len(targets)):
        windows.append([data[start + i + k * rate] for k in range(length)])
        labels.append(None if targets is None else targets[start + i])
        i += stride
    return np.array(windows), labels


def test_keras_regression_example_alignment():
    data = np.arange(100)
    ds = timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10)
    (inputs, targets), = list(ds)  # 81 windows fit in one batch of 128
    assert inputs.shape == (81, 10)
    np.testing.assert_array_equal(inputs[0], data[:10])
    assert targets[0] == data[10] and targets[-1] == data[90]


@pytest.mark.parametrize("length,stride,rate,start,end,batch", [
    (3, 1, 1, None, None, 4), (4, 3, 2, None, None, 5), (2, 2, 3, 5, 40, 3), (5, 7, 1, 3, None, None),
])
def test_windows_and_targets_match_a_loop(length, stride, rate, start, end, batch):
    data = np.arange(50) * 10
    targets = -np.arange(50)
    ds = timeseries_dataset_from_array(data, targets, length, sequence_stride=stride, sampling_rate=rate,
                                       batch_size=batch, start_index=start, end_index=end)
    want_x, want_y = reference(data, targets, length, stride, rate, start, end)
    xs, ys = collect(ds)
    if batch is None:
        got_x, got_y = np.stack(xs), np.array(ys)
    else:
        assert all(len(x) == batch for x in xs[:-1])
        got_x, got_y = np.concatenate(xs), np.concatenate(ys)
    np.testing.assert_array_equal(got_x, want_x)
    np.testing.assert_array_equal(got_y, want_y)
    assert len(ds) == len(xs)


def test_multivariate_no_targets_and_short_targets():
    data = np.arange(60).reshape(20, 3).astype("float32")
    batches = list(timeseries_dataset_from_array(data, None, 4, batch_size=8))
    assert [b.shape for b in batches] == [(8, 4, 3), (8, 4, 3), (1, 4, 3)]
    np.testing.assert_array_equal(batches[2][0], data[16:20])
    # Fewer targets than windows: only as many windows as targets (Keras's rule).
    xs, ys = collect(timeseries_dataset_from_array(data, np.arange(5), 4, batch_size=None))
    assert len(xs) == 5 and list(map(int, ys)) == [0, 1, 2, 3, 4]


def test_shuffle_with_seed_is_reproducible_and_keeps_pairs():
    data = np.arange(40)
    make = lambda: timeseries_dataset_from_array(data, data * 3, 5, batch_size=4, shuffle=True, seed=3)
    first = collect(make())
    again = collect(make())
    for a, b in zip(first[0], again[0]):
        np.testing.assert_array_equal(a, b)
    x, y = np.concatenate(first[0]), np.concatenate(first[1])
    assert sorted(x[:, 0].tolist()) == list(range(36))
    assert x[:, 0].tolist() != list(range(36))
    np.testing.assert_array_equal(y, x[:, 0] * 3)  # each window keeps its own target
    np.testing.assert_array_equal(x, x[:, :1] + np.arange(5))


def test_keras_argument_errors():
    data = np.arange(10)
    with pytest.raises(ValueError, match="`start_index` must be 0 or greater"):
        timeseries_dataset_from_array(data, None, 3, start_index=-1)
    with pytest.raises(ValueError, match="`start_index` must be lower than the length"):
        timeseries_dataset_from_array(data, None, 3, start_index=10)
    with pytest.raises(ValueError, match="`end_index` must be higher than `start_index`"):
        timeseries_dataset_from_array(data, None, 3, start_index=5, end_index=4)
    with pytest.raises(ValueError, match="`end_index` must be lower than the length"):
        timeseries_dataset_from_array(data, None, 3, end_index=10)
    with pytest.raises(ValueError, match="`sampling_rate` must be higher than 0"):
        timeseries_dataset_from_array(data, None, 3, sampling_rate=0)
    with pytest.raises(ValueError, match="`sequence_stride` must be lower than the length"):
        timeseries_dataset_from_array(data, None, 3, sequence_stride=10)
    with pytest.raises(TypeError, match="sequence_length"):
        timeseries_dataset_from_array(data, None, 2.5)
    assert list(timeseries_dataset_from_array(data, None, 30)) == []  # no window fits
