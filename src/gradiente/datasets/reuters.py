"""Reuters newswires: 11,228 articles in 46 topics, each a list of word indices (as IMDB's).
Downloaded once from Keras's mirror; from the Reuters-21578 collection.
"""
import json

import numpy as np

from gradiente.datasets import word_sequences as ws
from gradiente.datasets.download import fetch
from gradiente.datasets.safe_pickle import load_npz
from gradiente.datasets.split import check_split_args

FILENAME = "reuters.npz"
SHA256 = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX = "reuters_word_index.json"
WORD_INDEX_MD5 = "4d44cc38712099c9e383dc6e5f11a921"
LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee",
    "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx",
    "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
    "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
    "dlr", "gas", "silver", "wpi", "hog", "lead",
)


def load_data(path=FILENAME, num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113,
              start_char=1, oov_char=2, index_from=3):
    """Returns ``(x_train, y_train), (x_test, y_test)`` as Keras's ``reuters.load_data``: all
    articles shuffled with ``RandomState(seed)``, offset and filtered as ``imdb.load_data``,
    then the first ``int(n * (1 - test_split))`` train."""
    ws.check_arguments("reuters.load_data", num_words, skip_top, maxlen, start_char, oov_char, index_from)
    check_split_args(test_split, seed, "reuters.load_data")
    arrays = load_npz(fetch(path, SHA256, origin=FILENAME))
    xs, labels = ws.shuffled(np.random.RandomState(seed), arrays["x"], arrays["y"])
    xs = ws.offset(xs, start_char, index_from)
    if maxlen:
        xs, labels = ws.drop_long(maxlen, xs, labels)
    xs = ws.limit_vocabulary(xs, num_words, skip_top, oov_char)
    labels = np.asarray(labels)
    cut = int(len(xs) * (1 - test_split))
    return (ws.object_array(xs[:cut]), labels[:cut]), (ws.object_array(xs[cut:]), labels[cut:])


def get_word_index(path=WORD_INDEX):
    """The dict word -> rank (1 = most frequent); add ``index_from`` to match ``load_data``."""
    with open(fetch(path, WORD_INDEX_MD5, origin=WORD_INDEX), encoding="utf-8") as handle:
        return json.load(handle)


def get_label_names():
    """The 46 topic names, index = label."""
    return LABEL_NAMES
