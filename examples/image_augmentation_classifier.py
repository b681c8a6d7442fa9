"""An image classifier trained from a folder of PNG files with data augmentation, as in
Keras's "image classification from scratch": ``image_dataset_from_directory`` reads one
subfolder per class, and augmentation layers at the front of the model (active in ``fit``
only) flip, rotate, zoom, shift and change the contrast of each training image.

The images are generated: 32x32 RGB stripes, horizontal (class 0) or vertical (class 1),
at random periods, phases, colours and noise. Small flips, rotations and shifts keep the
orientation, so augmentation adds variety without changing the label.

    python examples/image_augmentation_classifier.py [folder]

Needs Pillow for the PNG files (pip install pillow).
"""
import sys
import tempfile
from pathlib import Path

import numpy as np

import gradiente as keras

CLASSES = ("horizontal", "vertical")
SIZE = 32


def stripes(orientation, rng):
    """One (SIZE, SIZE, 3) uint8 image of stripes along ``orientation``."""
    period = rng.uniform(4, 10)
    phase = rng.uniform(0, 2 * np.pi)
    axis = np.arange(SIZE)
    wave = 0.5 + 0.5 * np.sin(2 * np.pi * axis / period + phase)
    pattern = np.tile(wave[:, None], (1, SIZE)) if orientation == "horizontal" else np.tile(wave[None, :], (SIZE, 1))
    dark, light = rng.uniform(0, 90, 3), rng.uniform(160, 255, 3)
    image = dark + pattern[..., None] * (light - dark) + rng.normal(0, 20, (SIZE, SIZE, 3))
    return np.clip(image, 0, 255).astype("uint8")


def write_dataset(directory, per_class=100, seed=0):
    """``directory``/<class>/<i>.png for both classes; returns the folder."""
    from PIL import Image  # optional dependency: only this example's data writing needs it

    rng = np.random.default_rng(seed)
    directory = Path(directory)
    for name in CLASSES:
        (directory / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            Image.fromarray(stripes(name, rng)).save(directory / name / f"{i:04d}.png")
    return directory


def build_model():
    return keras.Sequential([
        keras.Input(shape=(SIZE, SIZE, 3)),
        keras.layers.RandomFlip("horizontal_and_vertical"),
        keras.layers.RandomRotation(0.03),
        keras.layers.RandomZoom(0.1),
        keras.layers.RandomTranslation(0.1, 0.1),
        keras.layers.RandomContrast(0.2),
        keras.layers.Rescaling(1 / 255),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(2, activation="softmax"),
    ])


def main(directory=None, per_class=100, epochs=6, verbose=1):
    """Write the PNGs (into a temporary folder unless ``directory`` is given), train with an
    80/20 split, and return (model, history, validation accuracy)."""
    keras.utils.set_random_seed(1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_dataset(directory or tmp, per_class=per_class)
        train, val = keras.utils.image_dataset_from_directory(
            folder, image_size=(SIZE, SIZE), batch_size=16, validation_split=0.2, subset="both", seed=3,
            verbose=bool(verbose))
        model = build_model()
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        history = model.fit(train, validation_data=val, epochs=epochs, verbose=verbose)
        _, accuracy = model.evaluate(val, verbose=0)
    if verbose:
        print(f"validation accuracy {accuracy:.3f}")
    return model, history, accuracy


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
