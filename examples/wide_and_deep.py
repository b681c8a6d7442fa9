"""Wide & deep regression with two inputs (the Functional API).

Features 0-4 go through the wide path, features 2-7 through the deep path, as in the lecture.
    python examples/wide_and_deep.py
"""
import numpy as np

import gradiente as keras


def main(epochs=40, verbose=1):
    (x_train, y_train), (x_test, y_test) = keras.datasets.friedman.load_data()
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    x_train_a, x_train_b = x_train[:, :5], x_train[:, 2:]
    x_test_a, x_test_b = x_test[:, :5], x_test[:, 2:]

    keras.utils.set_random_seed(42)
    input_a = keras.layers.Input(shape=[5], name="wide_input")
    input_b = keras.layers.Input(shape=[6], name="deep_input")
    hidden1 = keras.layers.Dense(30, activation="relu")(input_b)
    hidden2 = keras.layers.Dense(30, activation="relu")(hidden1)
    concat = keras.layers.concatenate([input_a, hidden2])
    output = keras.layers.Dense(1, name="output")(concat)
    model = keras.models.Model(inputs=[input_a, input_b], outputs=[output])
    model.compile(loss="mse", optimizer=keras.optimizers.Adam(learning_rate=0.003))
    model.fit((x_train_a, x_train_b), y_train, epochs=epochs, validation_split=0.1, verbose=verbose)
    mse = model.evaluate((x_test_a, x_test_b), y_test, verbose=0)

    # The baseline a network must beat: ordinary least squares on all 8 features.
    design = np.hstack([x_train, np.ones((len(x_train), 1))])
    theta = np.linalg.lstsq(design, y_train, rcond=None)[0]
    baseline = float(np.mean((np.hstack([x_test, np.ones((len(x_test), 1))]) @ theta - y_test) ** 2))
    if verbose:
        print(f"test MSE: wide & deep {mse:.4f}, least squares {baseline:.4f}")
    return mse, baseline


if __name__ == "__main__":
    main()
