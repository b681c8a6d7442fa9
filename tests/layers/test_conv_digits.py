"""Issue 5: a small CNN reaches >= 97% test accuracy on the bundled 8x8 digits, in seconds.

Trained with a hand-written GradientTape loop and plain SGD on the layers' weights, so the
test depends only on the layers, the tape and the loss primitive (not on fit()).
"""
import numpy as np
import pytest

from gradiente import backend, layers, ops
from gradiente.autodiff import GradientTape

digits = pytest.importorskip("gradiente.datasets.digits")


def test_small_cnn_learns_the_digits():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = x_train.astype("float32")[..., None]
    x_test = x_test.astype("float32")[..., None]
    mean, std = x_train.mean(), x_train.std()
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    y_train, y_test = y_train.astype("int64"), y_test.astype("int64")

    backend.set_random_seed(0)
    rng = np.random.default_rng(0)
    net = [layers.Conv2D(32, 3, activation="relu", padding="same"), layers.MaxPooling2D(),
           layers.Flatten(), layers.Dense(10)]

    def forward(x):
        for layer in net:
            x = layer(x)
        return x

    forward(x_train[:1])
    weights = [w for layer in net for w in layer.trainable_weights]
    for epoch in range(25):
        lr = 0.1 if epoch < 15 else 0.02  # a smaller step at the end settles the last epochs
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), 32):
            batch = order[start:start + 32]
            with GradientTape() as tape:
                logits = forward(x_train[batch])
                loss = ops.mean(ops.sparse_softmax_cross_entropy(logits, y_train[batch]))
            for w, g in zip(weights, tape.gradient(loss, weights)):
                w.data -= lr * g.data
    accuracy = np.mean(forward(x_test).numpy().argmax(axis=-1) == y_test)
    assert accuracy >= 0.97, f"test accuracy {accuracy:.3f}"
