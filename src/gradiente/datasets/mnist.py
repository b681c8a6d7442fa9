"""MNIST handwritten digits: 60,000 training and 10,000 test images of 28x28, labels 0..9.

Downloaded once (11 MB) from Keras's mirror. Yann LeCun and Corinna Cortes hold the copyright
of MNIST, a derivative of NIST data, available under CC BY-SA 3.0.
"""
import numpy as np

from gradiente.datasets.download import fetch

FILENAME = "mnist.npz"
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
SIZE = 11_490_434  # bytes: a server sending more is refused


def load_data(path=FILENAME):
    """``path``: the file's name in the cache folder (or an absolute path).

    Returns ``(x_train, y_train), (x_test, y_test)``: ``x`` uint8 ``(n, 28, 28)`` with values
    0..255, ``y`` uint8 ``(n,)``; n is 60,000 and 10,000."""
    path = fetch(path, SHA256, origin=FILENAME, size=SIZE)
    with np.load(path, allow_pickle=False) as archive:
        return (archive["x_train"], archive["y_train"]), (archive["x_test"], archive["y_test"])
