"""The endpoint-layer pattern: a layer that receives the targets as an input, adds the
loss itself (``add_loss``) and tracks its own accuracy, so the model is compiled without a
``loss`` and trained with ``fit(data)`` alone.

    python examples/endpoint_layer.py
"""
import numpy as np

import gradiente as keras
from gradiente import ops


class LogisticEndpoint(keras.layers.Layer):
    """(logits, targets) -> probabilities; with targets, adds the cross-entropy as a loss."""

    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        self.accuracy_fn = keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)

    def call(self, logits, targets=None, sample_weight=None):
        if targets is not None:
            self.add_loss(self.loss_fn(targets, logits, sample_weight))
            # A metric stored on a layer shows in the model's logs and is reset every epoch.
            self.accuracy_fn.update_state(targets, logits, sample_weight)
        return ops.sigmoid(logits)


def quadrants(n, seed=0):
    """Points in the plane labelled by whether x and y share a sign (an XOR)."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(-1, 1, (n, 2)).astype("float32")
    labels = (points[:, :1] * points[:, 1:] > 0).astype("float32")
    return points, labels


def main(epochs=60, verbose=1):
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(2,), name="inputs")
    targets = keras.Input(shape=(1,), name="targets")
    hidden = keras.layers.Dense(16, activation="relu")(inputs)
    logits = keras.layers.Dense(1)(hidden)
    probabilities = LogisticEndpoint(name="predictions")(logits, targets)
    model = keras.Model(inputs=[inputs, targets], outputs=probabilities)
    model.compile(optimizer=keras.optimizers.Adam(0.02))  # no loss: the endpoint adds it

    points, labels = quadrants(800)
    history = model.fit({"inputs": points, "targets": labels}, batch_size=32, epochs=epochs,
                        verbose=verbose)

    # For inference, a model over the same layers that stops before the endpoint.
    classifier = keras.Model(inputs, logits)
    test_points, test_labels = quadrants(400, seed=1)
    accuracy = float(np.mean((classifier.predict(test_points, verbose=0) > 0) == test_labels))
    if verbose:
        print(f"test accuracy {accuracy:.4f}")
    return model, history, accuracy


if __name__ == "__main__":
    main()
