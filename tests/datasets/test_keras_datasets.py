import hashlib
import io
import json
import os
import pickle
import tarfile

import numpy as np
import pytest

from datasets_server import LocalServer
from gradiente.datasets import boston_housing, cifar10, imdb, reuters
from gradiente.datasets.safe_pickle import UnsafePickleError


def digest(path, algorithm="sha256"):
    return hashlib.new(algorithm, open(path, "rb").read()).hexdigest()


def ragged(rng, n, vocab=30):
    out = np.empty(n, dtype=object)
    out[:] = [list(map(int, rng.integers(1, vocab, rng.integers(1, 9)))) for _ in range(n)]
    return out


class Hostile:
    """Unpickling this would create a marker file (were the unpickler to allow it)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('pwned')",))


def cifar_batch(rng, n, offset):
    return {b"batch_label": b"fake", b"labels": [int(v) for v in (np.arange(n) + offset) % 10],
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            b"filenames": [b"f%d.png" % i for i in range(n)]}


def write_cifar(path, batches):
    with tarfile.open(path, "w:gz") as archive:
        for name, content in batches.items():
            data = content if isinstance(content, bytes) else pickle.dumps(content, protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


@pytest.fixture
def served(tmp_path, monkeypatch):
    root = tmp_path / "www"
    root.mkdir()
    rng = np.random.default_rng(0)
    files = {}
    files["imdb"] = dict(x_train=ragged(rng, 12), y_train=rng.integers(0, 2, 12),
                         x_test=ragged(rng, 8), y_test=rng.integers(0, 2, 8))
    np.savez(root / "imdb.npz", **files["imdb"])
    files["reuters"] = dict(x=ragged(rng, 20), y=rng.integers(0, 46, 20))
    np.savez(root / "reuters.npz", **files["reuters"])
    files["boston"] = dict(x=rng.normal(size=(50, 13)), y=rng.uniform(10, 50, 50))
    np.savez(root / "boston_housing.npz", **files["boston"])
    batches = {f"data_batch_{i}": cifar_batch(rng, 3, i) for i in range(1, 6)}
    batches["test_batch"] = cifar_batch(rng, 2, 7)
    files["cifar"] = batches
    write_cifar(root / "cifar-10-python.tar.gz", batches)
    for name in ("imdb", "reuters"):
        (root / f"{name}_word_index.json").write_text(json.dumps({"the": 1, "film": 2, name: 3}))
    for module, fname in ((imdb, "imdb.npz"), (reuters, "reuters.npz"), (boston_housing, "boston_housing.npz"),
                          (cifar10, "cifar-10-python.tar.gz")):
        monkeypatch.setattr(module, "SHA256", digest(root / fname))
    for module, fname in ((imdb, "imdb_word_index.json"), (reuters, "reuters_word_index.json")):
        monkeypatch.setattr(module, "WORD_INDEX_MD5", digest(root / fname, "md5"))
    with LocalServer(root) as server:
        monkeypatch.setenv("GRADIENTE_DATASETS_URL", server.url)
        yield server, root, files


def keras_sequences(xs, labels, num_words, skip_top, maxlen, start, oov, index_from):
    """Keras's recipe written out with loops (after the shuffle)."""
    out_x, out_y = [], []
    for seq, label in zip(xs, labels):
        seq = ([start] if start is not None else []) + [w + index_from for w in seq]
        if maxlen and len(seq) >= maxlen:
            continue
        out_x.append(seq)
        out_y.append(label)
    return out_x, out_y


def test_imdb_matches_keras_s_recipe(served):
    _, _, files = served
    f = files["imdb"]
    for kwargs in ({}, dict(num_words=20, skip_top=2, maxlen=8, seed=5), dict(oov_char=None, num_words=15),
                   dict(start_char=None, index_from=0)):
        args = dict(num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2, index_from=3)
        args.update(kwargs)
        (x_train, y_train), (x_test, y_test) = imdb.load_data(**kwargs)
        rng = np.random.RandomState(args["seed"])
        splits = []
        for x, y in ((f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])):
            order = np.arange(len(x))
            rng.shuffle(order)
            splits.append(keras_sequences(x[order], y[order], args["num_words"], args["skip_top"], args["maxlen"],
                                          args["start_char"], args["oov_char"], args["index_from"]))
        everything = splits[0][0] + splits[1][0]
        top = args["num_words"] or max(max(s) for s in everything)
        def keep(seq):
            if args["oov_char"] is None:
                return [w for w in seq if args["skip_top"] <= w < top]
            return [w if args["skip_top"] <= w < top else args["oov_char"] for w in seq]
        assert x_train.dtype == object and x_train.ndim == 1
        assert [list(s) for s in x_train] == [keep(s) for s in splits[0][0]]
        assert [list(s) for s in x_test] == [keep(s) for s in splits[1][0]]
        assert y_train.tolist() == list(splits[0][1]) and y_test.tolist() == list(splits[1][1])
    assert imdb.get_word_index() == {"the": 1, "film": 2, "imdb": 3}
    with pytest.raises(ValueError, match="no sequence was kept"):
        imdb.load_data(maxlen=1)


def test_reuters_split_and_labels(served):
    _, _, files = served
    f = files["reuters"]
    (x_train, y_train), (x_test, y_test) = reuters.load_data(test_split=0.25, seed=7, num_words=1000)
    order = np.arange(20)
    np.random.RandomState(7).shuffle(order)
    assert len(x_train) == 15 and len(x_test) == 5
    assert y_train.tolist() + y_test.tolist() == f["y"][order].tolist()
    assert list(x_test[0]) == [1] + [w + 3 for w in f["x"][order[15]]]
    # Without num_words the largest index itself counts as out of vocabulary (Keras's `w < max`).
    (x_all, _), _ = reuters.load_data(test_split=0.25, seed=7)
    top = max(max(w + 3 for w in seq) for seq in f["x"])
    assert all(top not in seq for seq in x_all) and any(2 in seq for seq in x_all)
    assert len(reuters.get_label_names()) == 46 and reuters.get_label_names()[3] == "earn"
    assert reuters.get_word_index()["reuters"] == 3


def test_boston_housing(served):
    _, _, files = served
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data(test_split=0.2, seed=3)
    order = np.arange(50)
    np.random.RandomState(3).shuffle(order)
    np.testing.assert_array_equal(x_train, files["boston"]["x"][order[:40]])
    np.testing.assert_array_equal(y_test, files["boston"]["y"][order[40:]])
    with pytest.raises(ValueError, match="Invalid `test_split`"):
        boston_housing.load_data(test_split=1.0)


def test_cifar10_layout(served):
    server, _, files = served
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert x_train.shape == (15, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (15, 1) and y_test.shape == (2, 1) and y_train.dtype == np.uint8
    first = files["cifar"]["data_batch_1"]
    # Row-major 3072 values = 3 planes (R, G, B) of 32x32.
    np.testing.assert_array_equal(x_train[0, :, :, 1], first[b"data"][0, 1024:2048].reshape(32, 32))
    assert y_train[:3, 0].tolist() == first[b"labels"]
    assert y_train[12:, 0].tolist() == files["cifar"]["data_batch_5"][b"labels"]
    assert server.requests == ["/cifar-10-python.tar.gz"]


def test_hostile_pickles_are_refused(served, monkeypatch, tmp_path):
    server, root, files = served
    marker = tmp_path / "pwned"
    batches = dict(files["cifar"])
    batches["data_batch_3"] = pickle.dumps(Hostile(marker), protocol=2)
    write_cifar(root / "cifar-10-python.tar.gz", batches)
    monkeypatch.setattr(cifar10, "SHA256", digest(root / "cifar-10-python.tar.gz"))
    with pytest.raises(UnsafePickleError, match="data_batch_3.*builtin__?.exec"):
        cifar10.load_data()
    hostile = np.empty(2, dtype=object)
    hostile[:] = [[1, 2], Hostile(marker)]
    np.savez(root / "imdb.npz", x_train=hostile, y_train=np.zeros(2, int), x_test=hostile, y_test=np.zeros(2, int))
    monkeypatch.setattr(imdb, "SHA256", digest(root / "imdb.npz"))
    with pytest.raises(UnsafePickleError, match="imdb.npz:x_.*builtins.exec"):
        imdb.load_data()
    assert not marker.exists()


def test_restricted_unpickler_directly():
    from gradiente.datasets.safe_pickle import load_pickle

    array = np.arange(6, dtype=np.int16).reshape(2, 3)
    for protocol in (2, 4):
        loaded = load_pickle(io.BytesIO(pickle.dumps({"a": [array, b"raw", "s", 3]}, protocol=protocol)), "ok")
        np.testing.assert_array_equal(loaded["a"][0], array)
        assert loaded["a"][1:] == [b"raw", "s", 3]
    import codecs
    class Zipped:
        def __reduce__(self):
            return (codecs.encode, (b"x" * 10, "zlib"))
    with pytest.raises(UnsafePickleError, match="codec 'zlib'"):
        load_pickle(io.BytesIO(pickle.dumps(Zipped(), protocol=2)), "zipped")
    with pytest.raises(UnsafePickleError, match="os.system|posix.system"):
        load_pickle(io.BytesIO(pickle.dumps(os.system)), "hostile")
    with pytest.raises(ValueError, match="malformed"):
        load_pickle(io.BytesIO(b"\x80\x04garbage"), "broken")
