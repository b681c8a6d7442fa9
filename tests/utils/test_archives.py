import io
import os
import tarfile
import zipfile

import pytest

from gradiente.utils.archives import UnsafeArchiveError, extract_archive


def tar_with(path, entries, mode="w:gz"):
    """entries: (name, kind, payload) with kind "file", "dir", "symlink" or "hardlink"."""
    with tarfile.open(path, mode) as archive:
        for name, kind, payload in entries:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(payload)
                archive.addfile(info, io.BytesIO(payload))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE,
                         "fifo": tarfile.FIFOTYPE}[kind]
            info.linkname = payload or ""
            archive.addfile(info)
    return path


def test_tar_and_zip_extract_into_the_target(tmp_path):
    tar = tar_with(tmp_path / "a.tar.gz", [("top", "dir", None), ("top/x.txt", "file", b"x"),
                                           ("top/link", "symlink", "x.txt")])
    assert extract_archive(tar, tmp_path / "out")
    assert (tmp_path / "out" / "top" / "x.txt").read_bytes() == b"x"
    assert (tmp_path / "out" / "top" / "link").read_bytes() == b"x"
    with zipfile.ZipFile(tmp_path / "b.zip", "w") as archive:
        archive.writestr("d/y.txt", "y")
    assert extract_archive(tmp_path / "b.zip", tmp_path / "out")  # replaces the folder
    assert os.listdir(tmp_path / "out") == ["d"] and (tmp_path / "out" / "d" / "y.txt").read_text() == "y"
    (tmp_path / "plain.txt").write_text("no archive")
    assert extract_archive(tmp_path / "plain.txt", tmp_path / "never") is False
    assert not (tmp_path / "never").exists()
    assert extract_archive(tar, tmp_path / "none", archive_format="zip") is False


@pytest.mark.parametrize("entries,reason", [
    ([("/etc/evil", "file", b"!")], "absolute path"),
    ([("ok.txt", "file", b"."), ("../evil", "file", b"!")], "outside the extraction folder"),
    ([("a/../../evil", "file", b"!")], "outside the extraction folder"),
    ([("up", "symlink", "../..")], "symbolic link 'up' points outside"),
    ([("abs", "symlink", "/etc/passwd")], "symbolic link 'abs' points outside"),
    ([("hard", "hardlink", "../../etc/passwd")], "hard link 'hard' points outside"),
    # A link that stays inside, then a member reaching out through it.
    ([("here", "symlink", "."), ("here/../evil", "file", b"!")], "outside the extraction folder"),
    ([("pipe", "fifo", None)], "device or FIFO"),
])
def test_unsafe_tar_members_are_refused_and_nothing_is_left(tmp_path, entries, reason):
    tar = tar_with(tmp_path / "bad.tar", entries, mode="w")
    target = tmp_path / "deep" / "target"
    with pytest.raises(UnsafeArchiveError, match=reason):
        extract_archive(tar, target)
    assert os.listdir(tmp_path / "deep") == []  # no target, no staging folder
    assert not (tmp_path / "evil").exists() and not (tmp_path / "deep" / "evil").exists()


@pytest.mark.parametrize("name,reason", [("../evil.txt", "climbs out"), ("/abs.txt", "absolute path"),
                                         ("a/../../evil.txt", "climbs out")])
def test_unsafe_zip_members_are_refused(tmp_path, name, reason):
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as archive:
        archive.writestr("fine.txt", "ok")
        archive.writestr(name, "!")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "old.txt").write_text("kept")
    with pytest.raises(UnsafeArchiveError, match=reason):
        extract_archive(tmp_path / "bad.zip", tmp_path / "t")
    # The previous content stays as it was; no partial extraction appears beside it.
    assert os.listdir(tmp_path / "t") == ["old.txt"]
    assert sorted(os.listdir(tmp_path)) == ["bad.zip", "t"]
