"""CIFAR-10: 50,000 training and 10,000 test colour images of 32x32 in 10 classes
(airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck). Downloaded once
(163 MB) from the University of Toronto; by Krizhevsky, Nair and Hinton (2009).
"""
import tarfile

import numpy as np

from gradiente import backend
from gradiente.datasets.download import fetch
from gradiente.datasets.safe_pickle import load_pickle

FILENAME = "cifar-10-python.tar.gz"
URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
FOLDER = "cifar-10-batches-py"


def load_data():
    """Returns ``(x_train, y_train), (x_test, y_test)``: ``x`` uint8 ``(n, 32, 32, 3)`` (``(n,
    3, 32, 32)`` when the image data format is channels_first), ``y`` uint8 ``(n, 1)``.

    The batches are read straight from the cached tarball; their pickles may only rebuild
    NumPy arrays (anything else is refused)."""
    path = fetch(FILENAME, SHA256, url=URL)
    try:
        with tarfile.open(path) as archive:
            train = [_batch(archive, f"data_batch_{i}", path) for i in range(1, 6)]
            x_test, y_test = _batch(archive, "test_batch", path)
    except tarfile.TarError as err:
        raise ValueError(f"Could not read {path}: not a CIFAR-10 tarball ({err}).") from None
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train])
    if backend.image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train.reshape(-1, 1)), (x_test, y_test.reshape(-1, 1))


def _batch(archive, name, path):
    source = f"{path}:{FOLDER}/{name}"
    try:
        handle = archive.extractfile(f"{FOLDER}/{name}")
    except KeyError:
        handle = None
    if handle is None:
        raise ValueError(f"Could not read {path}: it has no file {FOLDER}/{name}.")
    with handle:
        content = load_pickle(handle, source, encoding="bytes")
    if not isinstance(content, dict) or b"data" not in content or b"labels" not in content:
        raise ValueError(f"Could not read {source}: expected a dict with b'data' and b'labels'.")
    data = np.asarray(content[b"data"], dtype=np.uint8)
    labels = np.asarray(content[b"labels"], dtype=np.uint8)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != len(data):
        raise ValueError(
            f"Could not read {source}: data of shape {data.shape} with {len(labels)} labels is not "
            f"CIFAR's (n, 3072) images with n labels.")
    return data.reshape(-1, 3, 32, 32), labels
