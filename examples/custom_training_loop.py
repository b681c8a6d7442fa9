"""A training loop written by hand: GradientTape, the model's variables, an optimizer,
and the regularization losses in ``model.losses``.

    python examples/custom_training_loop.py
"""
import numpy as np

import gradiente as keras


def main(epochs=15, batch_size=32, verbose=1):
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    x_train, x_test = x_train.reshape(-1, 64) / 16.0, x_test.reshape(-1, 64) / 16.0

    keras.utils.set_random_seed(7)
    model = keras.models.Sequential([
        keras.layers.Input(shape=[64]),
        keras.layers.Dense(64, activation="relu", kernel_regularizer=keras.regularizers.l2(1e-4)),
        keras.layers.Dense(10, activation="softmax"),
    ])
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    optimizer = keras.optimizers.Adam(learning_rate=0.005)
    rng = np.random.default_rng(0)
    for epoch in range(epochs):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            with keras.GradientTape() as tape:
                probabilities = model(x_train[idx], training=True)
                loss = loss_fn(y_train[idx], probabilities) + sum(model.losses)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
        if verbose:
            print(f"epoch {epoch + 1}: last batch loss {float(loss):.4f}")
    accuracy = float(np.mean(model.predict(x_test, verbose=0).argmax(axis=-1) == y_test))
    if verbose:
        print(f"test accuracy {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
