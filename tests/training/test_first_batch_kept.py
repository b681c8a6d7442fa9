"""fit reads the first batch ahead (to build the loss and check the labels) and, as in Keras,
never loses it: a one-shot generator's batch is handed out again, and a Dataset with
steps_per_epoch starts its pass at its first batch."""
import numpy as np
import pytest

import gradiente as keras
from gradiente.data import Dataset

X = np.arange(12, dtype="float32").reshape(6, 2) / 10
Y = np.arange(6, dtype="float32").reshape(6, 1) / 10


def _model():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="zeros",
                                                                    use_bias=False)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return model


def _stepped(batches):
    """The weights after one train_on_batch per (x, y) batch, in order."""
    model = _model()
    for xb, yb in batches:
        model.train_on_batch(xb, yb)
    return model.get_weights()[0]


def _pairs(n):
    return [(X[2 * i:2 * i + 2], Y[2 * i:2 * i + 2]) for i in range(n)]


def test_generator_trains_on_every_batch_once():
    drawn = []

    def generator():
        for i, batch in enumerate(_pairs(3)):
            drawn.append(i)
            yield batch

    model = _model()
    history = model.fit(generator(), epochs=1, verbose=0)
    assert drawn == [0, 1, 2]
    np.testing.assert_allclose(model.get_weights()[0], _stepped(_pairs(3)), rtol=1e-6)
    assert len(history.history["loss"]) == 1


@pytest.mark.parametrize("steps_per_epoch", [1, 2])
def test_dataset_with_steps_per_epoch_starts_at_its_first_batch(steps_per_epoch):
    model = _model()
    model.fit(Dataset.from_tensor_slices((X, Y)).batch(2), epochs=1, steps_per_epoch=steps_per_epoch,
              verbose=0)
    np.testing.assert_allclose(model.get_weights()[0], _stepped(_pairs(steps_per_epoch)), rtol=1e-6)


def test_pydataset_first_batch_is_not_skipped():
    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return _pairs(3)[i]

    model = _model()
    model.fit(Batches(), epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(model.get_weights()[0], _stepped(_pairs(3)), rtol=1e-6)
