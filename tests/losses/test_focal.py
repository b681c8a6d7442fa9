"""Focal cross-entropies: Keras's documented values, closed forms, gradients, and fit."""
import numpy as np
import pytest

import gradiente as keras
from gradiente.testing import check_gradients


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_documented_values():
    got = keras.losses.binary_focal_crossentropy(np.array([[0, 1], [0, 0]]), np.array([[0.6, 0.4], [0.4, 0.6]]))
    np.testing.assert_allclose(got.numpy(), [0.330, 0.206], atol=1e-3)
    got = keras.losses.categorical_focal_crossentropy(np.array([[0, 1, 0], [0, 0, 1]]),
                                                      np.array([[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]]))
    np.testing.assert_allclose(got.numpy(), [2.63401289e-04, 6.75912094e-01], rtol=1e-5)


def test_binary_focal_closed_form_balancing_smoothing_and_logits():
    rng = np.random.default_rng(0)
    y, z = (rng.random((4, 3)) > 0.5).astype(float), rng.normal(size=(4, 3))
    p = sigmoid(z)
    ys = y * 0.8 + 0.1  # label_smoothing=0.2
    p_t = ys * p + (1 - ys) * (1 - p)
    bce = -(ys * np.log(p) + (1 - ys) * np.log(1 - p))
    weight = ys * 0.3 + (1 - ys) * 0.7
    want = (weight * (1 - p_t) ** 1.5 * bce).mean(axis=-1)
    for pred, from_logits in ((p, False), (z, True)):
        got = keras.losses.binary_focal_crossentropy(y, pred, apply_class_balancing=True, alpha=0.3, gamma=1.5,
                                                     label_smoothing=0.2, from_logits=from_logits)
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-10)
    # gamma = 0 and no balancing: plain binary cross-entropy.
    np.testing.assert_allclose(keras.losses.binary_focal_crossentropy(y, p, gamma=0.0).numpy(),
                               keras.losses.binary_crossentropy(y, p).numpy(), rtol=1e-10)


def test_categorical_focal_closed_form_per_class_alpha_and_logits():
    rng = np.random.default_rng(1)
    y = np.eye(4)[rng.integers(0, 4, 5)]
    z = rng.normal(size=(5, 4))
    p = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    alpha = np.array([0.1, 0.2, 0.3, 0.4])
    want = (alpha * (1 - p) ** 2 * -y * np.log(p)).sum(-1)
    np.testing.assert_allclose(keras.losses.categorical_focal_crossentropy(y, z, alpha=alpha, from_logits=True).numpy(),
                               want, rtol=1e-10)
    # Unnormalised scores are renormalised first, as Keras does.
    np.testing.assert_allclose(keras.losses.categorical_focal_crossentropy(y, 3 * p, alpha=alpha).numpy(),
                               want, rtol=1e-10)
    with pytest.raises(ValueError, match="same shape"):
        keras.losses.categorical_focal_crossentropy(np.array([0, 1]), p[:2])


@pytest.mark.parametrize("loss", [
    lambda y, q: keras.losses.binary_focal_crossentropy(y, q, apply_class_balancing=True, gamma=2.0),
    lambda y, q: keras.losses.categorical_focal_crossentropy(y, q, gamma=2.0, from_logits=True),
])
def test_focal_gradients(loss):
    rng = np.random.default_rng(2)
    y = np.eye(3)[rng.integers(0, 3, 4)]
    q = rng.uniform(0.1, 0.9, size=(4, 3))
    check_gradients(lambda q: loss(y, q), q)


def test_focal_loss_classes_config_and_fit():
    loss = keras.losses.get("binary_focal_crossentropy")
    assert isinstance(loss, keras.losses.BinaryFocalCrossentropy)
    clone = keras.losses.deserialize(keras.losses.serialize(keras.losses.CategoricalFocalCrossentropy(gamma=3.0)))
    assert clone.gamma == 3.0 and clone.name == "categorical_focal_crossentropy"
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 2)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] > 1.0).astype(np.float32)  # about one in five positive
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=keras.losses.BinaryFocalCrossentropy(),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=30, batch_size=30, verbose=0)
    assert history.history["accuracy"][-1] > 0.9
    assert hasattr(model, "_compiled_step")  # our loss, made of ops: fit replays it
