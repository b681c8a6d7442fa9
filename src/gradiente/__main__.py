"""The lecture, end to end: ``python -m gradiente``.

1. The Sequential MLP: summary, training with the progress bar, evaluation, predictions.
2. The wide & deep Functional regressor, against a least-squares baseline.
"""
import os
import time

import numpy as np

import gradiente as keras


def classifier():
    data = keras.datasets.fashion_mnist.load_data() if _cached("fashion_mnist") else None
    if data is not None:
        (x_train, y_train), (x_test, y_test) = data
        names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                 "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
        scale, shape, epochs, optimizer = 255.0, [28, 28], 5, "sgd"
        print("Fashion-MNIST (cached): 60,000 training images of 28x28")
    else:
        (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
        names = [str(d) for d in range(10)]
        # 1,437 images: Adam gets there in the epochs a demo can afford.
        scale, shape, epochs, optimizer = 16.0, [8, 8], 30, "adam"
        print(f"Digits (bundled, UCI, CC BY 4.0): {len(x_train)} training images of 8x8")
    x_train, x_test = x_train / scale, x_test / scale

    keras.utils.set_random_seed(42)
    model = keras.models.Sequential([
        keras.layers.Flatten(input_shape=shape),
        keras.layers.Dense(300, activation="relu"),
        keras.layers.Dense(100, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.summary()
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=epochs, validation_split=0.1)
    loss, accuracy = model.evaluate(x_test, y_test)
    print(f"Test accuracy: {accuracy:.4f} after {len(history.epoch)} epochs")
    probabilities = model.predict(x_test[:3], verbose=0)
    print("Predicted probabilities of 3 test samples:")
    print(probabilities.round(2))
    predicted = probabilities.argmax(axis=-1)
    print("Predicted classes:", [names[i] for i in predicted], " true:", [names[i] for i in y_test[:3]])
    return history


def wide_and_deep():
    if _cached("california_housing"):
        (x_train, y_train), (x_test, y_test) = keras.datasets.california_housing.load_data()
        print("\nCalifornia housing (cached)")
    else:
        (x_train, y_train), (x_test, y_test) = keras.datasets.friedman.load_data()
        print("\nFriedman #1 regression set (synthetic, 8 features)")
    mean, std = x_train.mean(axis=0), x_train.std(axis=0) + 1e-8
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std

    keras.utils.set_random_seed(42)
    input_ = keras.layers.Input(shape=x_train.shape[1:])
    hidden1 = keras.layers.Dense(30, activation="relu")(input_)
    hidden2 = keras.layers.Dense(30, activation="relu")(hidden1)
    concat = keras.layers.concatenate([input_, hidden2])
    output = keras.layers.Dense(1)(concat)
    model = keras.models.Model(inputs=[input_], outputs=[output])
    model.summary()
    model.compile(loss="mse", optimizer=keras.optimizers.Adam(learning_rate=0.003))
    model.fit(x_train, y_train, epochs=40, validation_split=0.1, verbose=2)
    mse = model.evaluate(x_test, y_test, verbose=0)
    design = np.hstack([x_train, np.ones((len(x_train), 1), np.float32)])
    theta = np.linalg.lstsq(design, y_train, rcond=None)[0]
    baseline = float(np.mean((np.hstack([x_test, np.ones((len(x_test), 1))]) @ theta - y_test) ** 2))
    print(f"Test MSE: wide & deep {mse:.4f}, linear least squares {baseline:.4f}")


def _cached(name):
    """True when the dataset's files are already in the cache (the demo never downloads)."""
    from gradiente.datasets import california_housing, download, fashion_mnist

    root = download.cache_dir()
    if name == "fashion_mnist":
        return all(os.path.exists(os.path.join(root, fashion_mnist.SUBDIR, f)) for f in fashion_mnist.FILE_HASHES)
    return os.path.exists(os.path.join(root, california_housing.FILENAME))


def pictures(history):
    """The activation panel and the learning curves, when matplotlib is installed."""
    from gradiente.visualization import save_demo_plots

    saved = save_demo_plots(history, directory=os.getcwd())
    if saved:
        for what, path in saved.items():
            print(f"Saved the {what} plot to {path}")
    else:
        print("Install matplotlib (pip install 'gradiente[plot]') to also get the activation "
              "panel and the learning curves as PNG files.")


def main():
    start = time.perf_counter()
    history = classifier()
    wide_and_deep()
    pictures(history)
    print(f"\nDone in {time.perf_counter() - start:.1f} s.")


if __name__ == "__main__":
    main()
