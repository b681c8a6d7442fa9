"""IMDB movie reviews: 25,000 training and 25,000 test reviews labelled positive (1) or
negative (0), each a list of word indices (words ranked by frequency; 0 pads, 1 starts, 2 is
out-of-vocabulary by default). Downloaded once from Keras's mirror; from Maas et al. (2011).
"""
import json

import numpy as np

from gradiente.datasets import word_sequences as ws
from gradiente.datasets.download import fetch
from gradiente.datasets.safe_pickle import load_npz

FILENAME = "imdb.npz"
SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX = "imdb_word_index.json"
WORD_INDEX_MD5 = "bfafd718b763782e994055a2d397834f"


def load_data(path=FILENAME, num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3):
    """Returns ``(x_train, y_train), (x_test, y_test)``: ``x`` 1-D object arrays of lists of
    ints, ``y`` int arrays of 0/1, as Keras's ``imdb.load_data``.

    Each split is shuffled with ``RandomState(seed)``; word ``w`` becomes ``w + index_from``
    after ``start_char``; reviews of ``maxlen`` words or more are dropped; words outside
    ``[skip_top, num_words)`` become ``oov_char`` (dropped when it is None).
    """
    ws.check_arguments("imdb.load_data", num_words, skip_top, maxlen, start_char, oov_char, index_from)
    arrays = load_npz(fetch(path, SHA256, origin=FILENAME))
    rng = np.random.RandomState(seed)
    x_train, labels_train = ws.shuffled(rng, arrays["x_train"], arrays["y_train"])
    x_test, labels_test = ws.shuffled(rng, arrays["x_test"], arrays["y_test"])
    x_train = ws.offset(x_train, start_char, index_from)
    x_test = ws.offset(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = ws.drop_long(maxlen, x_train, labels_train)
        x_test, labels_test = ws.drop_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(
                f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. "
                "Increase maxlen.")
    xs = ws.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([np.asarray(labels_train), np.asarray(labels_test)])
    cut = len(x_train)
    return (ws.object_array(xs[:cut]), labels[:cut]), (ws.object_array(xs[cut:]), labels[cut:])


def get_word_index(path=WORD_INDEX):
    """The dict word -> rank (1 = most frequent); add ``index_from`` to match ``load_data``."""
    with open(fetch(path, WORD_INDEX_MD5, origin=WORD_INDEX), encoding="utf-8") as handle:
        return json.load(handle)
