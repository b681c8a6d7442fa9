"""The UCI optical-recognition handwritten digits, shipped inside the package (no download).

1,797 grey images of 8x8 pixels with values 0..16, labels 0..9. By E. Alpaydin and
C. Kaynak, UCI Machine Learning Repository, CC BY 4.0 (see ``datasets/data/README.md``).
"""
import os

import numpy as np

from gradiente.datasets.split import shuffled_split

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "digits.npz")


def load_data(test_split=0.2, seed=113):
    """Load the digits, shuffled with ``seed`` and split deterministically.

    Returns ``(x_train, y_train), (x_test, y_test)``: ``x`` uint8 of shape ``(n, 8, 8)`` with
    values 0..16, ``y`` uint8 of shape ``(n,)`` with values 0..9. With the defaults, 1,437
    training and 360 test samples.
    """
    with np.load(_PATH, allow_pickle=False) as archive:
        x, y = archive["images"], archive["labels"]
    return shuffled_split(x, y, test_split, seed, "digits.load_data")
