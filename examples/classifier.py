"""The lecture's image classifier: a Sequential MLP on the bundled 8x8 digits.

    python examples/classifier.py
"""
import gradiente as keras


def main(epochs=30, verbose=1):
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    x_train, x_test = x_train / 16.0, x_test / 16.0  # pixel intensities 0..16 -> 0..1

    keras.utils.set_random_seed(42)
    model = keras.models.Sequential([
        keras.layers.Flatten(input_shape=[8, 8]),
        keras.layers.Dense(300, activation="relu"),
        keras.layers.Dense(100, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    if verbose:
        model.summary()
    # The lecture uses "sgd" on Fashion-MNIST's 60,000 images; on 1,437 digits Adam reaches
    # the same accuracy in the few epochs an example can afford.
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=epochs, validation_split=0.1, verbose=verbose)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=verbose)
    predicted = model.predict(x_test[:5], verbose=0).argmax(axis=-1)
    if verbose:
        print(f"test accuracy {accuracy:.4f}; first predictions {predicted.tolist()}, true {y_test[:5].tolist()}")
    return model, history, accuracy


if __name__ == "__main__":
    main()
