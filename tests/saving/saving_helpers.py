"""Shared models for the saving tests."""
import gradiente as keras


def small_mlp(seed=1, optimizer="adam"):
    keras.backend.set_random_seed(seed)
    model = keras.Sequential([
        keras.layers.Dense(16, activation="relu", input_shape=(6,)),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer=optimizer, loss="mse", metrics=["mae"])
    return model
