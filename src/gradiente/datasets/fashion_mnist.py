"""Fashion-MNIST: 60,000 training and 10,000 test images of 28x28 clothes, 10 classes.

Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker,
8 Bag, 9 Ankle boot. Downloaded once (30 MB) from Keras's mirror. Copyright Zalando SE,
MIT license.
"""
import gzip

import numpy as np

from gradiente.datasets.download import fetch

SUBDIR = "fashion-mnist"
FILE_HASHES = {
    "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
}
# Sizes in bytes: a server sending more is refused.
FILE_SIZES = {
    "train-labels-idx1-ubyte.gz": 29_515,
    "train-images-idx3-ubyte.gz": 26_421_880,
    "t10k-labels-idx1-ubyte.gz": 5_148,
    "t10k-images-idx3-ubyte.gz": 4_422_102,
}
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot")


def read_idx(path):
    """An IDX file (gzipped, as LeCun's format): the magic number gives the rank, then one
    big-endian uint32 per dimension, then the uint8 values."""
    with gzip.open(path, "rb") as handle:
        raw = handle.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path} is not an IDX file of uint8 values (bad magic number).")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    data = np.frombuffer(raw, np.uint8, offset=header)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: the header announces shape {shape} but {data.size} values follow.")
    return data.reshape(shape)


def load_data():
    """Returns ``(x_train, y_train), (x_test, y_test)``: ``x`` uint8 ``(n, 28, 28)`` with values
    0..255, ``y`` uint8 ``(n,)``; n is 60,000 and 10,000."""
    arrays = [read_idx(fetch(name, sha256, subdir=SUBDIR, size=FILE_SIZES[name]))
              for name, sha256 in FILE_HASHES.items()]
    y_train, x_train, y_test, x_test = arrays
    return (x_train, y_train), (x_test, y_test)
