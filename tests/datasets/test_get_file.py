import hashlib
import io
import os
import tarfile
import zipfile

import pytest

from datasets_server import LocalServer
from gradiente.datasets import DatasetDownloadError
from gradiente.utils import get_file
from gradiente.utils.archives import UnsafeArchiveError


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "notes.txt").write_bytes(b"hello cache")
    with tarfile.open(root / "flowers.tgz", "w:gz") as archive:
        for name, data in (("flowers/roses/1.txt", b"rose"), ("flowers/tulips/2.txt", b"tulip")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    with zipfile.ZipFile(root / "pack.zip", "w") as archive:
        archive.writestr("inner/a.txt", "a")
    with tarfile.open(root / "evil.tar.gz", "w:gz") as archive:
        info = tarfile.TarInfo("../escape.txt")
        info.size = 1
        archive.addfile(info, io.BytesIO(b"!"))
    with LocalServer(root) as srv:
        yield srv, root


def digest(path, algorithm):
    return hashlib.new(algorithm, open(path, "rb").read()).hexdigest()


def test_downloads_once_into_the_cache_and_checks_hashes(server, tmp_path, capsys):
    srv, root = server
    cache = tmp_path / "mycache"
    sha = digest(root / "notes.txt", "sha256")
    path = get_file("notes.txt", srv.url + "notes.txt", file_hash=sha, cache_dir=cache)
    assert path == str(cache / "datasets" / "notes.txt") and open(path, "rb").read() == b"hello cache"
    assert f"Downloading data from {srv.url}notes.txt" in capsys.readouterr().out
    assert get_file("notes.txt", srv.url + "notes.txt", file_hash=sha, cache_dir=cache) == path
    assert srv.requests == ["/notes.txt"]
    # MD5 works too (by length, or as md5_hash); a wrong cached file is fetched again.
    md5 = digest(root / "notes.txt", "md5")
    open(path, "wb").write(b"stale")
    assert get_file("notes.txt", srv.url + "notes.txt", md5_hash=md5, cache_dir=cache) == path
    assert "hash does not match" in capsys.readouterr().out and len(srv.requests) == 2
    # The file name comes from the URL when not given; the default folder is the data dir.
    assert get_file(origin=srv.url + "notes.txt") == os.path.join(os.environ["GRADIENTE_DATA_DIR"], "notes.txt")
    sub = get_file("n.txt", srv.url + "notes.txt", cache_dir=cache, cache_subdir="mine")
    assert sub == str(cache / "mine" / "n.txt")


def test_bad_hash_from_the_server_is_an_error_and_not_cached(server, tmp_path):
    srv, _ = server
    with pytest.raises(DatasetDownloadError, match="has SHA-256 .* but 0{64} was expected"):
        get_file("notes.txt", srv.url + "notes.txt", file_hash="0" * 64, cache_dir=tmp_path / "c")
    assert os.listdir(tmp_path / "c" / "datasets") == []
    with pytest.raises(DatasetDownloadError, match="HTTP 404"):
        get_file("missing.bin", srv.url + "missing.bin", cache_dir=tmp_path / "c")


def test_extract_tar_and_zip_with_keras_folder_names(server, tmp_path):
    srv, _ = server
    cache = tmp_path / "c"
    out = get_file("flowers.tgz", srv.url + "flowers.tgz", extract=True, cache_dir=cache)
    assert out == str(cache / "datasets" / "flowers_extracted")
    assert open(os.path.join(out, "flowers", "tulips", "2.txt"), "rb").read() == b"tulip"
    assert os.path.isfile(cache / "datasets" / "flowers.tgz")
    out = get_file("flowers", srv.url + "flowers.tgz", untar=True, cache_dir=cache)
    assert out == str(cache / "datasets" / "flowers") and os.path.isfile(cache / "datasets" / "flowers_archive")
    out = get_file(origin=srv.url + "pack.zip", extract=True, cache_dir=cache)
    assert out == str(cache / "datasets" / "pack.zip")
    assert open(os.path.join(out, "inner", "a.txt")).read() == "a"
    with pytest.raises(ValueError, match="not a tar archive"):
        get_file("notes", srv.url + "notes.txt", untar=True, cache_dir=cache)


def test_unsafe_archive_is_refused_without_leftovers(server, tmp_path):
    srv, _ = server
    cache = tmp_path / "c"
    with pytest.raises(UnsafeArchiveError, match="'../escape.txt' would be written outside"):
        get_file("evil.tar.gz", srv.url + "evil.tar.gz", extract=True, cache_dir=cache)
    assert sorted(os.listdir(cache / "datasets")) == ["evil.tar.gz"]
    assert not (cache / "escape.txt").exists()


def test_argument_errors(tmp_path):
    with pytest.raises(ValueError, match='specify the "origin"'):
        get_file("x")
    with pytest.raises(ValueError, match="Paths are no longer accepted"):
        get_file("a/b.txt", "http://127.0.0.1:9/b.txt", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="Can't parse the file name"):
        get_file(origin="http://127.0.0.1:9/", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="not a md5 hex digest"):
        get_file("x", "http://127.0.0.1:9/x", file_hash="abc", hash_algorithm="md5", cache_dir=tmp_path)
