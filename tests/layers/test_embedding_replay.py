"""Embedding in fit's replayed step (layers/embedding.py): the lookup is one primitive on the
batch's ids, so a replay reads each batch's own ids (bit-identical to eager over shuffled
epochs), float ids are cast inside it, and bad ids still fail clearly in a replay;
mask_zero=True keeps the step eager (downstream layers may read masks as NumPy)."""
import numpy as np
import pytest

import gradiente as keras
from gradiente import layers


def _model(mask_zero=False, seed=3, dtype="int32"):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((12,), dtype=dtype)
    h = layers.Embedding(50, 8, mask_zero=mask_zero)(inputs)
    outputs = layers.Dense(2)(layers.GlobalAveragePooling1D()(h))
    return keras.Model(inputs, outputs)


def _data(n=320, dtype="int32"):
    rng = np.random.default_rng(0)
    tokens = rng.integers(1, 50, size=(n, 12))
    labels = (tokens < 20).sum(1) > 4
    return tokens.astype(dtype), labels.astype("int32")


def _fit(model, x, y, run_eagerly):
    model.compile(keras.optimizers.Adam(0.01), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"], run_eagerly=run_eagerly)
    keras.utils.set_random_seed(7)  # the same shuffles for both runs
    return model.fit(x, y, epochs=4, batch_size=32, shuffle=True, verbose=0)


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32"])
def test_replay_is_bit_identical_to_eager(dtype):
    x, y = _data(dtype=dtype)
    # int32 Input: int64 ids are cast by an op; float32 ids are cast inside the lookup.
    input_dtype = "float32" if dtype == "float32" else "int32"
    replayed, eager = _model(dtype=input_dtype), _model(dtype=input_dtype)
    history = _fit(replayed, x, y, run_eagerly=False)
    _fit(eager, x, y, run_eagerly=True)
    assert any(r is not None for r in replayed._compiled_step.replays.values())
    for a, b in zip(replayed.get_weights(), eager.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert history.history["accuracy"][-1] > 0.8


def test_out_of_range_and_non_integer_ids_fail_clearly_in_a_replay():
    x, y = _data()
    model = _model()
    _fit(model, x, y, run_eagerly=False)
    assert any(r is not None for r in model._compiled_step.replays.values())
    bad = x.copy()
    bad[-1, 3] = 50
    with pytest.raises(ValueError, match="index 50 is out of range for input_dim=50"):
        model.fit(bad, y, epochs=1, batch_size=32, shuffle=False, verbose=0)
    model = _model(dtype="float32")
    xf = x.astype("float32")
    _fit(model, xf, y, run_eagerly=False)
    xf[-1, 0] = 2.5
    with pytest.raises(TypeError, match="non-integer values"):
        model.fit(xf, y, epochs=1, batch_size=32, shuffle=False, verbose=0)


def _padded(x, seed=1):
    """Each row padded with 0 after its own random length (1 to 12 ids)."""
    lengths = np.random.default_rng(seed).integers(1, 13, size=len(x))
    x = x.copy()
    x[np.arange(12)[None] >= lengths[:, None]] = 0
    return x


def test_mask_zero_replays_with_each_batchs_own_mask():
    x, y = _data()
    x = _padded(x)
    replayed, eager = _model(mask_zero=True), _model(mask_zero=True)
    _fit(replayed, x, y, run_eagerly=False)
    _fit(eager, x, y, run_eagerly=True)
    # The masked mean reads the mask through ops, so every batch's padding is its own.
    assert any(r is not None for r in replayed._compiled_step.replays.values())
    for a, b in zip(replayed.get_weights(), eager.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_mask_read_as_numpy_keeps_the_step_eager():
    """An LSTM reads its mask as a NumPy array outside the ops: replaying would keep the
    traced batch's padding, so the trace is marked and every step runs eagerly."""
    x, y = _data()
    x = _padded(x)
    keras.utils.set_random_seed(3)
    inputs = keras.Input((12,), dtype="int32")
    h = layers.LSTM(4)(layers.Embedding(50, 8, mask_zero=True)(inputs))
    model = keras.Model(inputs, layers.Dense(2)(h))
    _fit(model, x, y, run_eagerly=False)
    replays = model._compiled_step.replays
    assert replays and all(r is None for r in replays.values())
