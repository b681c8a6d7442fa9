import gzip
import hashlib
import os
import struct

import numpy as np
import pytest

from datasets_server import LocalServer
from gradiente.datasets import DatasetDownloadError, california_housing, fashion_mnist, mnist
from gradiente.datasets.download import cache_dir, fetch


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture
def served(tmp_path, monkeypatch):
    """Fake data set files in a served folder, with the loaders' hashes set to match."""
    root = tmp_path / "www"
    root.mkdir()
    rng = np.random.default_rng(0)
    np.savez(root / "mnist.npz",
             x_train=rng.integers(0, 256, (6, 28, 28), dtype=np.uint8), y_train=np.arange(6, dtype=np.uint8),
             x_test=rng.integers(0, 256, (2, 28, 28), dtype=np.uint8), y_test=np.array([7, 9], np.uint8))
    monkeypatch.setattr(mnist, "SHA256", sha256(root / "mnist.npz"))
    monkeypatch.setattr(mnist, "SIZE", os.path.getsize(root / "mnist.npz"))
    np.savez(root / "california_housing.npz", x=rng.normal(size=(1000, 8)), y=np.arange(1000.0))
    monkeypatch.setattr(california_housing, "SHA256", sha256(root / "california_housing.npz"))
    monkeypatch.setattr(california_housing, "SIZE", os.path.getsize(root / "california_housing.npz"))
    hashes = {}
    for prefix, n in (("train", 5), ("t10k", 3)):
        labels = np.arange(n, dtype=np.uint8)
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        for kind, header, data in (("labels-idx1", struct.pack(">II", 2049, n), labels),
                                   ("images-idx3", struct.pack(">IIII", 2051, n, 28, 28), images)):
            name = f"{prefix}-{kind}-ubyte.gz"
            with gzip.open(root / name, "wb") as handle:
                handle.write(header + data.tobytes())
            hashes[name] = sha256(root / name)
    monkeypatch.setattr(fashion_mnist, "FILE_HASHES", {k: hashes[k] for k in fashion_mnist.FILE_HASHES})
    monkeypatch.setattr(fashion_mnist, "FILE_SIZES", {k: os.path.getsize(root / k) for k in hashes})
    with LocalServer(root) as server:
        monkeypatch.setenv("GRADIENTE_DATASETS_URL", server.url)
        yield server, root


def test_cache_dir_default_and_override(monkeypatch, tmp_path):
    assert cache_dir() == str(tmp_path / "cache")
    monkeypatch.delenv("GRADIENTE_DATA_DIR")
    assert cache_dir() == os.path.join(os.path.expanduser("~"), ".gradiente", "datasets")


def test_mnist_downloads_once_then_uses_cache(served, capsys):
    server, root = served
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert x_train.shape == (6, 28, 28) and x_train.dtype == np.uint8
    assert y_train.tolist() == list(range(6)) and y_test.tolist() == [7, 9]
    assert server.requests == ["/mnist.npz"]
    assert f"Downloading data from {server.url}mnist.npz" in capsys.readouterr().out
    mnist.load_data()
    assert server.requests == ["/mnist.npz"]
    cached = os.listdir(cache_dir())
    assert cached == ["mnist.npz"], "no temporary files may be left behind"


def test_corrupt_cached_file_is_downloaded_again(served):
    server, root = served
    os.makedirs(cache_dir())
    with open(os.path.join(cache_dir(), "mnist.npz"), "wb") as handle:
        handle.write(b"truncated")
    with pytest.warns(UserWarning, match="does not match its SHA-256"):
        (x_train, _), _ = mnist.load_data()
    assert x_train.shape == (6, 28, 28) and len(server.requests) == 1


def test_bad_checksum_from_server_is_an_error_and_nothing_is_cached(served, monkeypatch):
    server, root = served
    monkeypatch.setattr(mnist, "SHA256", "0" * 64)
    with pytest.raises(DatasetDownloadError) as info:
        mnist.load_data()
    message = str(info.value)
    assert f"downloaded from {server.url}mnist.npz has SHA-256 {sha256(root / 'mnist.npz')}" in message
    assert "but " + "0" * 64 + " was expected" in message
    assert os.path.join(cache_dir(), "mnist.npz") in message
    assert os.listdir(cache_dir()) == []


def test_offline_error_says_what_to_download_and_where():
    with pytest.raises(DatasetDownloadError) as info:
        mnist.load_data()
    assert isinstance(info.value, OSError)
    message = str(info.value)
    assert "Could not download mnist.npz from http://127.0.0.1:9/mnist.npz" in message
    assert f"put it at {os.path.join(cache_dir(), 'mnist.npz')}" in message
    assert "GRADIENTE_DATA_DIR" in message and mnist.SHA256 in message
    assert os.listdir(cache_dir()) == []


def test_missing_file_on_server_is_a_download_error(served):
    with pytest.raises(DatasetDownloadError, match=r"Could not download nothing\.npz from .*/nothing\.npz \(HTTP 404: "):
        fetch("nothing.npz", "0" * 64)


def test_file_placed_by_hand_is_used_offline(served, monkeypatch):
    server, root = served
    os.makedirs(cache_dir())
    with open(root / "mnist.npz", "rb") as src, open(os.path.join(cache_dir(), "mnist.npz"), "wb") as dst:
        dst.write(src.read())
    monkeypatch.setenv("GRADIENTE_DATASETS_URL", "http://127.0.0.1:9/")
    (x_train, _), _ = mnist.load_data()
    assert x_train.shape == (6, 28, 28) and server.requests == []


def test_fashion_mnist_reads_idx_files_into_a_cache_subfolder(served):
    server, root = served
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (5, 28, 28) and x_test.shape == (3, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.tolist() == [0, 1, 2, 3, 4] and y_test.tolist() == [0, 1, 2]
    assert sorted(os.listdir(os.path.join(cache_dir(), "fashion-mnist"))) == sorted(fashion_mnist.FILE_HASHES)
    assert len(server.requests) == 4


def test_read_idx_rejects_other_files(tmp_path):
    bad = tmp_path / "bad.gz"
    with gzip.open(bad, "wb") as handle:
        handle.write(b"\x00\x00\x0d\x01" + b"\x00" * 8)
    with pytest.raises(ValueError, match="not an IDX file of uint8"):
        fashion_mnist.read_idx(bad)
    short = tmp_path / "short.gz"
    with gzip.open(short, "wb") as handle:
        handle.write(struct.pack(">II", 2049, 10) + b"\x01\x02")
    with pytest.raises(ValueError, match=r"announces shape \(10,\) but 2 values follow"):
        fashion_mnist.read_idx(short)


def test_california_housing_split_and_versions(served):
    (x_train, y_train), (x_test, y_test) = california_housing.load_data()
    assert x_train.shape == (800, 8) and x_test.shape == (200, 8) and y_train.shape == (800,)
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(np.arange(1000.0))
    (x2, y2), _ = california_housing.load_data()
    assert np.array_equal(y2, y_train)
    (_, y_other), _ = california_housing.load_data(seed=1)
    assert not np.array_equal(y_other, y_train)
    (xs, ys), (xst, yst) = california_housing.load_data(version="small", test_split=0.25)
    assert xs.shape == (450, 8) and xst.shape == (150, 8) and set(ys) | set(yst) == set(np.arange(600.0))


def test_california_housing_bad_arguments_fail_before_downloading(served):
    server, _ = served
    with pytest.raises(ValueError, match=r"`test_split` must be a fraction in \[0, 1\); received test_split=1"):
        california_housing.load_data(test_split=1)
    with pytest.raises(ValueError, match="`version` must be 'small' or 'large'"):
        california_housing.load_data(version="medium")
    assert server.requests == []
