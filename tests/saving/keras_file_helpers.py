"""Shared by the Keras-file tests: the fixtures' folder and names, their inputs and
predictions, HDF5 listings, and the fixture script's architectures built in gradiente."""
import io
import pathlib
import zipfile

import numpy as np
import pytest

import gradiente as keras

h5py = pytest.importorskip("h5py")  # in the dev extra: CI runs these

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "keras"
L = keras.layers
KERAS3 = ["mlp", "wide_deep", "cnn_bn", "lstm", "gru", "embed_bilstm", "mha_ln", "subclassed",
          "zoo_conv", "zoo_seq", "zoo_attn", "zoo_nested", "zoo_masked", "trained"]
LEGACY = ["mlp", "wide_deep", "cnn_bn", "lstm", "gru", "embed_bilstm"]


def inputs_and_predictions(stem):
    xs = sorted(FIXTURES.glob(f"{stem}.x*.npy"))
    x = [np.load(p) for p in xs]
    return (x if len(x) > 1 else x[0]), np.load(FIXTURES / f"{stem}.y.npy")


def h5_datasets(source):
    out = {}
    with h5py.File(source, "r") as f:
        f.visititems(lambda n, o: out.__setitem__(n, o.shape) if isinstance(o, h5py.Dataset) else None)
    return out


def archive_weights(path):
    with zipfile.ZipFile(path) as z:
        return h5_datasets(io.BytesIO(z.read("model.weights.h5")))


# --- architectures built in gradiente, as the fixture script builds them in Keras -----------
def cnn_bn():
    return keras.Sequential([
        keras.Input((8, 8, 2)), L.Conv2D(4, 3, padding="same"), L.BatchNormalization(),
        L.Activation("relu"), L.MaxPooling2D(2), L.Conv2D(3, 3, activation="relu"),
        L.Flatten(), L.Dense(3, activation="softmax")])


def wide_deep():
    wide, deep = keras.Input((5,), name="wide_input"), keras.Input((6,), name="deep_input")
    h = L.Dense(8, activation="relu")(deep)
    h = L.Dense(8, activation="relu")(h)
    return keras.Model([wide, deep], L.Dense(1)(L.concatenate([wide, h])))


def embed_bilstm():
    return keras.Sequential([keras.Input((6,), dtype="int32"), L.Embedding(20, 4),
                             L.Bidirectional(L.LSTM(3)), L.Dense(1, activation="sigmoid")])


@keras.saving.register_keras_serializable(package="fixtures", name="TwoTower")
class TwoTower(keras.Model):
    """The fixture script's subclassed model, registered under the same name as in Keras.
    Keras stores `head` and `hidden` by attribute, `norm` as layers/layer_normalization:
    its walk of dir(model) meets the `layers` property before `norm`."""

    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = L.Dense(units, activation="tanh")
        self.norm = L.LayerNormalization()
        self.head = L.Dense(2)

    def call(self, x):
        return self.head(self.norm(self.hidden(x)))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


BUILDERS = {"cnn_bn": cnn_bn, "wide_deep": wide_deep, "embed_bilstm": embed_bilstm}
