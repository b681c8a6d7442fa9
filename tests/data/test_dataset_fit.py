import warnings

import numpy as np
import pytest

import gradiente as keras
from gradiente.data import Dataset


def blobs(n, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(size=(n, 2)).astype("float32") + np.where(y[:, None] == 1, 2.0, -2.0)
    return x, y.astype("float32")


def small_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def test_fit_evaluate_predict_on_datasets():
    x, y = blobs(200)
    train = Dataset.from_tensor_slices((x[:160], y[:160])).shuffle(160, seed=1).batch(16).prefetch(2)
    val = Dataset.from_tensor_slices((x[160:], y[160:])).batch(16)
    model = small_model()
    history = model.fit(train, epochs=5, validation_data=val, verbose=0)
    assert len(history.history["loss"]) == 5 and history.history["val_accuracy"][-1] > 0.9
    loss, acc = model.evaluate(val, verbose=0)
    assert acc > 0.9
    # The same numbers as arrays give.
    loss_arrays, acc_arrays = model.evaluate(x[160:], y[160:], batch_size=16, verbose=0)
    assert np.isclose(loss, loss_arrays, rtol=1e-5) and acc == acc_arrays
    preds = model.predict(Dataset.from_tensor_slices(x[160:]).batch(7), verbose=0)
    np.testing.assert_allclose(preds, model.predict(x[160:], verbose=0), rtol=1e-5, atol=1e-6)
    # Batches of (x, y) given to predict: the targets are ignored.
    assert model.predict(val, verbose=0).shape == (40, 1)


def test_sample_weights_from_the_dataset():
    x, y = blobs(64)
    w = np.zeros(64, "float32")
    w[:32] = 1.0
    model = small_model()
    weighted = model.evaluate(Dataset.from_tensor_slices((x, y, w)).batch(64), verbose=0)[0]
    first_half = model.evaluate(x[:32], y[:32], batch_size=64, verbose=0)[0]
    assert np.isclose(weighted, first_half * 32 / 64, rtol=1e-5)  # Keras: sum(w * loss) / batch


def test_steps_per_epoch_continues_the_pass_as_keras():
    seen = []

    def record(x, y):
        seen.append(int(x[0]))
        return x[:, None].astype("float32"), y

    x = np.arange(10, dtype="float32")
    ds = Dataset.from_tensor_slices((x, x)).batch(1).map(record)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    seen.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(ds, epochs=4, steps_per_epoch=5, verbose=0)
    # _prepare's peek at the first batch is a separate pass; then 0..4, 5..9, 0..4, 5..9.
    assert seen[1:] == list(range(10)) * 2
    seen.clear()
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(ds, epochs=2, steps_per_epoch=15, verbose=0)
    assert len(history.history["loss"]) == 2 and seen[1:] == list(range(10)) * 2
    endless = Dataset.from_tensor_slices((x[:, None], x)).batch(2).repeat()
    assert len(model.fit(endless, epochs=2, steps_per_epoch=3, verbose=0).history["loss"]) == 2


def test_dataset_argument_errors():
    x, y = blobs(20)
    ds = Dataset.from_tensor_slices((x, y)).batch(4)
    model = small_model()
    with pytest.raises(ValueError, match="batch_size"):
        model.fit(ds, batch_size=4, verbose=0)
    with pytest.raises(ValueError, match="`y` should not be passed"):
        model.fit(ds, y, verbose=0)
    with pytest.raises(ValueError, match="`sample_weights` should not be passed"):
        model.evaluate(ds, sample_weight=np.ones(20), verbose=0)
    with pytest.raises(ValueError, match="infinite.*steps_per_epoch"):
        model.fit(ds.repeat(), verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(ds, validation_split=0.2, verbose=0)


def test_class_weight_and_endless_validation_data():
    x, y = blobs(64)

    def model():
        keras.utils.set_random_seed(0)
        m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
        m.compile(optimizer="sgd", loss="binary_crossentropy")
        return m

    arrays, dataset = model(), model()
    arrays.fit(x, y, batch_size=16, epochs=2, shuffle=False, class_weight={0: 1.0, 1: 3.0}, verbose=0)
    dataset.fit(Dataset.from_tensor_slices((x, y)).batch(16), epochs=2, class_weight={0: 1.0, 1: 3.0}, verbose=0)
    for a, b in zip(arrays.get_weights(), dataset.get_weights()):
        np.testing.assert_array_equal(a, b)
    endless = Dataset.from_tensor_slices((x, y)).batch(16).repeat()
    history = dataset.fit(endless, steps_per_epoch=3, validation_data=endless, validation_steps=2, epochs=2,
                          verbose=0)
    assert len(history.history["val_loss"]) == 2
