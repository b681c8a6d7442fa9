"""The training workflow end to end: compile / fit / evaluate / predict."""
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import gradiente as keras

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
sys.path.insert(0, str(EXAMPLES))


def small_mlp(n_in=4, n_out=3, seed=0):
    keras.utils.set_random_seed(seed)
    return keras.models.Sequential([
        keras.layers.Input(shape=[n_in]),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(n_out, activation="softmax"),
    ])


def blobs(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = np.array([[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0]], dtype=np.float32)
    x = centres[y] + 0.3 * rng.standard_normal((n, 4)).astype(np.float32)
    return x, y


def test_seed_mlp_reaches_96_percent_on_digits():
    import classifier

    model, history, accuracy = classifier.main(epochs=30, verbose=0)
    assert accuracy >= 0.96
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_wide_and_deep_beats_least_squares():
    import wide_and_deep

    mse, baseline = wide_and_deep.main(epochs=40, verbose=0)
    assert mse < 0.8 * baseline


def test_custom_training_loop_learns_digits():
    import custom_training_loop

    assert custom_training_loop.main(epochs=8, verbose=0) >= 0.93


def test_same_seed_same_history_and_weights():
    x, y = blobs()
    runs = []
    for _ in range(2):
        model = small_mlp()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        keras.utils.set_random_seed(1)
        history = model.fit(x, y, epochs=3, batch_size=16, verbose=0, validation_split=0.25)
        runs.append((history.history, model.get_weights()))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(a, b)


def test_history_keys_params_and_classic_order():
    x, y = blobs()
    model = small_mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=2, verbose=0, validation_split=0.2)
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert history.epoch == [0, 1]
    assert all(isinstance(v, float) for v in history.history["loss"])
    assert history.params["epochs"] == 2 and history.params["steps"] == 3


def test_validation_split_takes_the_last_fraction_before_shuffling():
    x, y = blobs(n=10)
    model = small_mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=1, verbose=0, validation_split=0.2)
    expected = model.evaluate(x[8:], y[8:], verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(expected, rel=1e-5)


def test_evaluate_returns_scalar_list_or_dict():
    x, y = blobs()
    model = small_mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", "sparse_top_k_categorical_accuracy"])
    result = model.evaluate(x, y, verbose=0)
    assert isinstance(result, list) and len(result) == 3
    assert result[2] == 1.0  # top-5 of 3 classes always hits
    as_dict = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(as_dict) == {"loss", "accuracy", "sparse_top_k_categorical_accuracy"}
    assert as_dict["loss"] == pytest.approx(result[0])


def test_evaluate_matches_numpy_cross_entropy():
    x, y = blobs()
    model = small_mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    loss, acc = model.evaluate(x, y, batch_size=7, verbose=0)
    p = model.predict(x, verbose=0)
    assert loss == pytest.approx(float(np.mean(-np.log(p[np.arange(len(y)), y]))), rel=1e-5)
    assert acc == pytest.approx(float(np.mean(p.argmax(-1) == y)))


def test_predict_batches_and_one_sample():
    x, _ = blobs(n=70)
    model = small_mlp()
    full = model.predict(x, batch_size=16, verbose=0)
    assert full.shape == (70, 3) and isinstance(full, np.ndarray)
    np.testing.assert_allclose(model.predict(x[:1], verbose=0), full[:1], rtol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x[:5]), full[:5], rtol=1e-6)


def test_train_and_test_on_batch():
    x, y = blobs()
    model = small_mlp()
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    before = model.test_on_batch(x, y)
    for _ in range(20):
        model.train_on_batch(x, y)
    after = model.test_on_batch(x, y)
    assert after[0] < before[0]
    assert after[1] >= 0.9


def test_one_hot_targets_resolve_categorical_accuracy():
    x, y = blobs()
    model = small_mlp()
    model.compile(optimizer=keras.optimizers.SGD(0.2), loss="categorical_crossentropy", metrics=["acc"])
    history = model.fit(x, keras.utils.to_categorical(y, 3), epochs=5, verbose=0)
    assert history.history["acc"][-1] > 0.8


def test_binary_classification_with_sigmoid():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 2)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.float32)
    keras.utils.set_random_seed(0)
    model = keras.models.Sequential([keras.layers.Input(shape=[2]), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=10, verbose=0)
    assert history.history["accuracy"][-1] > 0.95


def test_multi_input_multi_output_with_dicts_and_loss_weights():
    rng = np.random.default_rng(0)
    xa = rng.standard_normal((64, 3)).astype(np.float32)
    xb = rng.standard_normal((64, 2)).astype(np.float32)
    keras.utils.set_random_seed(0)
    a = keras.layers.Input(shape=[3], name="a")
    b = keras.layers.Input(shape=[2], name="b")
    h = keras.layers.concatenate([a, b])
    out1 = keras.layers.Dense(1, name="sum")(h)
    out2 = keras.layers.Dense(1, name="diff")(h)
    model = keras.models.Model(inputs=[a, b], outputs=[out1, out2])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss={"sum": "mse", "diff": "mae"},
                  loss_weights={"sum": 1.0, "diff": 0.5})
    y1 = xa.sum(axis=1, keepdims=True) + xb.sum(axis=1, keepdims=True)
    y2 = xa[:, :1] - xb[:, :1]
    history = model.fit({"a": xa, "b": xb}, [y1, y2], epochs=30, verbose=0)
    logs = history.history
    assert {"loss", "sum_loss", "diff_loss"} <= set(logs)
    assert logs["loss"][-1] == pytest.approx(logs["sum_loss"][-1] + 0.5 * logs["diff_loss"][-1], rel=1e-4)
    assert logs["loss"][-1] < 0.2 * logs["loss"][0]


def test_generators_and_pydataset():
    x, y = blobs()

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return x[i * 30:(i + 1) * 30], y[i * 30:(i + 1) * 30]

    model = small_mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = model.fit(Batches(), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2

    def generator():
        while True:
            for i in range(4):
                yield x[i * 30:(i + 1) * 30], y[i * 30:(i + 1) * 30]

    history = model.fit(generator(), steps_per_epoch=4, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_pandas_inputs():
    pd = pytest.importorskip("pandas")
    x, y = blobs()
    model = small_mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = model.fit(pd.DataFrame(x), pd.Series(y), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_class_weight_and_sample_weight_change_the_loss():
    x, y = blobs()
    model = small_mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    plain = model.evaluate(x, y, verbose=0)
    weights = np.where(y == 0, 2.0, 0.0).astype(np.float32)
    weighted = model.evaluate(x, y, sample_weight=weights, verbose=0)
    p = model.predict(x, verbose=0)
    per_sample = -np.log(p[np.arange(len(y)), y])
    assert weighted == pytest.approx(float(np.sum(weights * per_sample) / len(y)), rel=1e-4)
    assert weighted != pytest.approx(plain)
    model.fit(x, y, class_weight={0: 1.0, 1: 1.0, 2: 5.0}, epochs=1, verbose=0)


def test_callback_can_stop_training_after_the_batch():
    x, y = blobs()
    seen = []

    class StopAt(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)
            if batch == 1:
                self.model.stop_training = True

    model = small_mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=10, epochs=5, verbose=0, callbacks=[StopAt()])
    assert seen == [0, 1]
    assert len(history.history["loss"]) == 1


def test_early_stopping_restores_best_weights():
    x, y = blobs()
    model = small_mlp()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=1, restore_best_weights=True)
    history = model.fit(x, y, epochs=50, verbose=0, callbacks=[stop])
    assert len(history.history["loss"]) <= 50


def test_progress_bar_format(capsys):
    x, y = blobs(n=100)
    model = small_mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, validation_split=0.2, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    final = [line for line in out.replace("\r", "\n").splitlines() if line.startswith("3/3 [====")]
    assert final, out
    assert " - loss: " in final[-1] and " - accuracy: " in final[-1] and " - val_loss: " in final[-1]
    assert final[-1].index("loss:") < final[-1].index("accuracy:") < final[-1].index("val_loss:")


# --- bad input: a clear error before any training, weights untouched ------------------------
def _compiled():
    model = small_mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return model, [w.copy() for w in model.get_weights()]


def _unchanged(model, before):
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_mismatched_lengths():
    model, before = _compiled()
    x, y = blobs()
    with pytest.raises(ValueError, match="cardinality"):
        model.fit(x, y[:-5], verbose=0)
    _unchanged(model, before)


def test_labels_out_of_range_for_sparse_crossentropy():
    model, before = _compiled()
    x, y = blobs()
    y = y.copy()
    y[7] = 3
    with pytest.raises(ValueError, match=r"label value of 3.*\[0, 2\]"):
        model.fit(x, y, verbose=0)
    _unchanged(model, before)


def test_wrong_number_of_inputs_for_multi_input_model():
    a = keras.layers.Input(shape=[2])
    b = keras.layers.Input(shape=[2])
    out = keras.layers.Dense(1)(keras.layers.concatenate([a, b]))
    model = keras.models.Model(inputs=[a, b], outputs=out)
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()
    with pytest.raises(ValueError, match="expects 2 input"):
        model.fit(np.zeros((4, 2), np.float32), np.zeros((4, 1), np.float32), verbose=0)
    _unchanged(model, before)


def test_nan_in_data_warns_with_the_array_name():
    model, _ = _compiled()
    x, y = blobs()
    x[3, 1] = np.nan
    with pytest.warns(UserWarning, match="`x` contains 1 NaN"):
        model.fit(x, y, epochs=1, verbose=0)


def test_empty_dataset_and_bad_batch_size():
    model, before = _compiled()
    with pytest.raises(ValueError, match="empty"):
        model.fit(np.zeros((0, 4), np.float32), np.zeros((0,), np.int64), verbose=0)
    x, y = blobs()
    for bad in (0, -3):
        with pytest.raises(ValueError, match="batch_size"):
            model.fit(x, y, batch_size=bad, verbose=0)
    _unchanged(model, before)


def test_unknown_names_list_the_valid_ones():
    model = small_mlp()
    with pytest.raises(ValueError, match="adamx"):
        model.compile(optimizer="adamx", loss="mse")
    with pytest.raises(ValueError, match="msee"):
        model.compile(optimizer="sgd", loss="msee")
    with pytest.raises(ValueError, match="acuracy"):
        model.compile(optimizer="sgd", loss="mse", metrics=["acuracy"])


def test_fit_before_compile():
    model = small_mlp()
    x, y = blobs()
    with pytest.raises(ValueError, match=r"must call `compile\(\)`"):
        model.fit(x, y, verbose=0)


def test_no_warnings_on_clean_training():
    x, y = blobs()
    model = small_mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(x, y, epochs=1, verbose=0)


def test_convnet_example_learns_digits():
    import convnet

    assert convnet.main(epochs=15, verbose=0) >= 0.97


def test_fit_restores_the_cycle_collector_even_when_a_step_fails():
    import gc

    x, y = blobs()
    model = small_mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")

    class Boom(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            assert not gc.isenabled()  # paused during the epoch's steps
            raise RuntimeError("boom")

    assert gc.isenabled()
    with pytest.raises(RuntimeError, match="boom"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[Boom()])
    assert gc.isenabled()
