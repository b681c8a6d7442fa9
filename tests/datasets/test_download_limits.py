"""Issue 13, "Downloads": one download ends in bounded time however slowly a server sends,
nothing beyond a file's known size is read or written, and an unusable cache entry is a
download error. Every server here is on 127.0.0.1 and bounded in bytes and seconds."""
import os
import time

import pytest

from datasets_server import LocalServer, endless, trickle
from gradiente.datasets import DatasetDownloadError, download, mnist
from gradiente.datasets.download import cache_dir, fetch


@pytest.fixture
def short_deadline(monkeypatch):
    # Each read may wait 5 s: only the overall deadline can end these downloads sooner.
    monkeypatch.setattr(download, "TIMEOUT_S", 5)
    monkeypatch.setattr(download, "DEADLINE_S", 0.5, raising=False)  # absent before the fix


def _serve(tmp_path, monkeypatch, routes):
    (tmp_path / "www").mkdir(exist_ok=True)
    server = LocalServer(tmp_path / "www", routes)
    monkeypatch.setenv("GRADIENTE_DATASETS_URL", server.url)
    return server


def _fails_quickly(call, pattern, within=2.0):
    start = time.monotonic()
    with pytest.raises(DatasetDownloadError, match=pattern):
        call()
    assert time.monotonic() - start < within
    assert os.listdir(cache_dir()) == []  # nothing cached, no temporary file left


@pytest.mark.parametrize("in_headers", [False, True], ids=["body", "headers"])
def test_a_trickling_server_ends_with_the_download_error_at_the_deadline(
        tmp_path, monkeypatch, short_deadline, in_headers):
    route = trickle(b"x" * 1000, delay=0.05, in_headers=in_headers)
    with _serve(tmp_path, monkeypatch, {"/slow.npz": route}):
        _fails_quickly(lambda: fetch("slow.npz", "0" * 64), r"did not complete within 0\.5 s")


def test_nothing_beyond_the_known_size_is_read_or_written(tmp_path, monkeypatch):
    sent = []
    with _serve(tmp_path, monkeypatch, {"/junk.npz": endless(sent)}):
        _fails_quickly(lambda: fetch("junk.npz", "0" * 64, size=1000),
                       "sent more than the 1000 bytes")
        deadline = time.monotonic() + 5
        while not sent and time.monotonic() < deadline:
            time.sleep(0.01)
    assert sent and sent[0] < 64 << 20  # the client hung up long before the junk ran out


def test_an_announced_size_other_than_the_known_one_is_refused_before_reading(tmp_path, monkeypatch):
    sent = []
    with _serve(tmp_path, monkeypatch, {"/big.npz": endless(sent, announce=300 << 20)}):
        _fails_quickly(lambda: fetch("big.npz", "0" * 64, size=1000),
                       "announces 314572800 bytes .* but the file has 1000")


def test_loaders_pass_their_known_sizes(tmp_path, monkeypatch):
    assert (mnist.SIZE, download.fetch.__defaults__[-1]) == (11_490_434, None)
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "mnist.npz").write_bytes(b"x" * 5000)
    monkeypatch.setattr(mnist, "SIZE", 4000)
    with _serve(tmp_path, monkeypatch, {}):
        _fails_quickly(mnist.load_data, "announces 5000 bytes .* but the file has 4000")


def test_a_cache_entry_that_is_a_folder_is_a_download_error(tmp_path, monkeypatch):
    os.makedirs(os.path.join(cache_dir(), "mnist.npz", "inside"))
    with _serve(tmp_path, monkeypatch, {}) as server:
        with pytest.raises(DatasetDownloadError, match="mnist.npz is not a regular file"):
            mnist.load_data()
    assert server.requests == []
    assert os.path.isdir(os.path.join(cache_dir(), "mnist.npz", "inside"))  # never removed


def test_a_cached_file_of_the_wrong_size_is_downloaded_again(tmp_path, monkeypatch):
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "f.bin").write_bytes(b"abc")
    digest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # sha256("abc")
    os.makedirs(cache_dir())
    with open(os.path.join(cache_dir(), "f.bin"), "wb") as handle:
        handle.write(b"ab")
    with _serve(tmp_path, monkeypatch, {}) as server, pytest.warns(UserWarning, match="does not match"):
        assert open(fetch("f.bin", digest, size=3), "rb").read() == b"abc"
    assert server.requests == ["/f.bin"]
