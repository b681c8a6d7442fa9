"""Mistakes the public API's type hints must catch; tests/test_typing.py checks that mypy
reports an error on exactly the lines marked ``# error`` (never run)."""
import numpy as np

import gradiente as keras
from gradiente import layers

x, y = np.ones((4, 3), dtype=np.float32), np.ones((4, 1), dtype=np.float32)
model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(units="ten")])  # error
model.compile(optimizer="sgd", loss="mse", run_eagerly="yes")  # error
model.fit(x, y, epochs="3")  # error
model.fit(x, y, validation_split="0.1")  # error
model.evaluate(x, y, batch_size=2.5)  # error
model.save(42)  # error
layers.Conv2D(32, kernel_size="3")  # error
layers.Dropout("0.5")  # error
layers.LSTM("32")  # error
keras.Input(shape=28)  # error
history = model.fit(x, y, epochs=1)
history.no_such_attribute  # error
keras.models.load_model("model.keras").fit(x, y, epochs=[1])  # error
