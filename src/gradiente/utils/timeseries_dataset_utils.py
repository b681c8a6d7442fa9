"""``keras.utils.timeseries_dataset_from_array``: sliding windows over a series as a Dataset."""
import numpy as np

from gradiente import backend
from gradiente.data import Dataset


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None,
                                  end_index=None):
    """Windows of ``sequence_length`` steps, ``sampling_rate`` apart, starting every
    ``sequence_stride`` steps within ``data[start_index:end_index]``.

    ``data``: ``(steps, ...)``. Elements are windows ``(sequence_length, ...)`` (batched to
    ``(batch, sequence_length, ...)`` unless ``batch_size`` is None), paired with
    ``targets[start_index + i]`` for the window starting at ``data[start_index + i]`` when
    ``targets`` is given. ``shuffle`` permutes the windows' start positions with NumPy's
    ``RandomState(seed)`` as Keras does, then shuffles locally in a buffer (our own random
    stream, so that order is not tf.data's).
    """
    data = np.asarray(data)
    if data.ndim == 0:
        raise ValueError("timeseries_dataset_from_array: `data` must be an array of time steps; received a scalar.")
    n = len(data)
    sequence_length = _integer(sequence_length, "sequence_length", low=1)
    sequence_stride = _integer(sequence_stride, "sequence_stride")
    sampling_rate = _integer(sampling_rate, "sampling_rate")
    if batch_size is not None:
        batch_size = _integer(batch_size, "batch_size", low=1)
    if start_index:  # Keras reads 0 as "from the start"
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: start_index={start_index}")
        if start_index >= n:
            raise ValueError(
                f"`start_index` must be lower than the length of the data. Received: "
                f"start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(
                f"`end_index` must be higher than `start_index`. Received: start_index={start_index}, "
                f"and end_index={end_index} ")
        if end_index >= n:
            raise ValueError(
                f"`end_index` must be lower than the length of the data. Received: "
                f"end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    for name, step in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if step <= 0:
            raise ValueError(f"`{name}` must be higher than 0. Received: {name}={step}")
        if step >= n:
            raise ValueError(
                f"`{name}` must be lower than the length of the data. Received: {name}={step}, for "
                f"data of length {n}")
    start = start_index or 0
    end = end_index or n
    count = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        count = min(count, len(targets))
        if count > 0 and start + count > len(targets):
            raise ValueError(
                f"timeseries_dataset_from_array: `targets` has {len(targets)} entries, but the last "
                f"window (starting at step {start + count - 1}) needs targets[{start + count - 1}].")
    positions = np.arange(0, max(count, 0), sequence_stride)
    if shuffle:
        if seed is None:
            seed = int(backend.rng().integers(1_000_000))
        np.random.RandomState(seed).shuffle(positions)
    offsets = np.arange(sequence_length) * sampling_rate
    window_data = data[start:end]
    target_data = None if targets is None else targets[start:]

    def windows(at):
        # at: a start position, or a batch of them; one gather for the whole batch.
        inputs = window_data[np.asarray(at)[..., None] + offsets]
        return inputs if target_data is None else (inputs, target_data[at])

    ds = Dataset.from_tensor_slices(positions)
    if batch_size is None:
        if shuffle:
            ds = ds.shuffle(1024, seed=seed)
        return ds.map(windows)
    if shuffle:
        ds = ds.shuffle(batch_size * 8, seed=seed)
    return ds.batch(batch_size).map(windows)


def _integer(value, name, low=None):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{name}` must be an integer. Received: {name}={value!r}")
    if low is not None and value < low:
        raise ValueError(f"`{name}` must be at least {low}. Received: {name}={value}")
    return int(value)
