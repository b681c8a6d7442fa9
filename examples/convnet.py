"""A small convolutional network, as in Keras's "simple MNIST convnet", on the bundled 8x8
digits: Conv2D and MaxPooling2D read (batch, rows, cols, channels) images.

    python examples/convnet.py
"""
import gradiente as keras


def main(epochs=15, verbose=1):
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    x_train, x_test = x_train[..., None], x_test[..., None]  # add the channel axis: (n, 8, 8, 1)

    keras.utils.set_random_seed(42)
    model = keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        keras.layers.Rescaling(1 / 16),  # pixel intensities 0..16 -> 0..1
        keras.layers.Conv2D(32, kernel_size=3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(pool_size=2),
        keras.layers.Conv2D(64, kernel_size=3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(pool_size=2),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(10, activation="softmax"),
    ])
    if verbose:
        model.summary()
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=epochs, validation_split=0.1, verbose=verbose)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    if verbose:
        print(f"test accuracy {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
