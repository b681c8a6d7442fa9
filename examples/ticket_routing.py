"""A model with three inputs and two outputs, trained with losses, metrics and loss weights
given per output name (the ticket-routing model of Keras's Functional API guide, on
synthetic tickets).

    python examples/ticket_routing.py

Each ticket has a title and a body (token ids) and tags (multi-hot). The model predicts a
priority in [0, 1] (a sigmoid, binary cross-entropy) and the department among four (a
softmax). The logs name each output: ``priority_loss``, ``department_accuracy``, ...
"""
import numpy as np

import gradiente as keras
from gradiente import layers

VOCABULARY, TAGS, DEPARTMENTS = 200, 12, 4


def tickets(n, seed=0):
    """Tickets whose department shows in their words and whose priority in their tags."""
    rng = np.random.default_rng(seed)
    department = rng.integers(0, DEPARTMENTS, n)
    # Each department has its own 20 words; titles mix them with common words.
    title = rng.integers(100, VOCABULARY, (n, 10))
    own_words = 20 * department[:, None] + rng.integers(0, 20, (n, 10))
    title = np.where(rng.random((n, 10)) < 0.15, own_words, title)
    body = np.where(rng.random((n, 30)) < 0.05, 20 * department[:, None] + rng.integers(0, 20, (n, 30)),
                    rng.integers(100, VOCABULARY, (n, 30)))
    tags = (rng.random((n, TAGS)) < 0.2).astype("float32")
    priority = tags[:, :3].sum(axis=1) > 0
    priority ^= rng.random(n) < 0.05  # a few tickets are mislabelled
    priority = priority.astype("float32")[:, None]
    inputs = {"title": title, "body": body, "tags": tags}
    return inputs, {"priority": priority, "department": department}


def build():
    title_input = keras.Input(shape=(None,), name="title")
    body_input = keras.Input(shape=(None,), name="body")
    tags_input = keras.Input(shape=(TAGS,), name="tags")
    title_features = layers.GlobalAveragePooling1D()(layers.Embedding(VOCABULARY, 16)(title_input))
    body_features = layers.GlobalAveragePooling1D()(layers.Embedding(VOCABULARY, 8)(body_input))
    features = layers.concatenate([title_features, body_features, tags_input])
    hidden = layers.Dense(32, activation="relu")(features)
    priority = layers.Dense(1, activation="sigmoid", name="priority")(hidden)
    department = layers.Dense(DEPARTMENTS, activation="softmax", name="department")(hidden)
    return keras.Model(inputs=[title_input, body_input, tags_input], outputs=[priority, department])


def main(epochs=15, verbose=1):
    keras.utils.set_random_seed(3)
    model = build()
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss={"priority": keras.losses.BinaryCrossentropy(),
              "department": keras.losses.SparseCategoricalCrossentropy()},
        loss_weights={"priority": 1.0, "department": 0.5},
        metrics={"priority": ["accuracy"], "department": ["accuracy"]},
    )
    x_train, y_train = tickets(1200, seed=0)
    x_test, y_test = tickets(300, seed=1)
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_split=0.1,
                        verbose=verbose)
    results = model.evaluate(x_test, y_test, verbose=verbose, return_dict=True)
    if verbose:
        print({k: round(v, 4) for k, v in results.items()})
    return model, history, results


if __name__ == "__main__":
    main()
