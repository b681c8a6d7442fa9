"""Extracting tar and zip archives safely: every member must land inside the target folder.

A member with an absolute path, a ``..`` that climbs out, a link (symbolic or hard) that
points outside, or a device/FIFO entry makes the whole extraction fail with
``UnsafeArchiveError``. Members are extracted into a temporary folder beside the target,
checked one by one against what is already on disk (so a link extracted earlier cannot
smuggle a later member out), and the folder is renamed into place only when all succeeded:
an error never leaves a half-extracted target.
"""
import os
import shutil
import tarfile
import tempfile
import zipfile


class UnsafeArchiveError(ValueError):
    """An archive member would be written (or point) outside the extraction folder."""


def archive_kind(path, archive_format="auto"):
    """"tar", "zip" or None for what ``path`` is, among the formats allowed."""
    if archive_format is None:
        return None
    formats = ["tar", "zip"] if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format))
    for kind in formats:
        if kind not in ("tar", "zip"):
            raise ValueError(f'`archive_format` must be "auto", "tar", "zip", a list of those, or None; received {kind!r}.')
        if (tarfile.is_tarfile if kind == "tar" else zipfile.is_zipfile)(path):
            return kind
    return None


def extract_archive(path, target, archive_format="auto"):
    """Extract the archive at ``path`` into folder ``target`` (replacing it). Returns False
    when ``path`` is none of the allowed formats."""
    kind = archive_kind(path, archive_format)
    if kind is None:
        return False
    target = os.path.abspath(target)
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.", suffix=".extracting", dir=parent)
    try:
        if kind == "tar":
            with tarfile.open(path) as archive:
                _extract_tar(archive, staging, path)
        else:
            with zipfile.ZipFile(path) as archive:
                _extract_zip(archive, staging, path)
        if os.path.lexists(target):
            _remove(target)
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return True


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.remove(path)


def _inside(root, path):
    root = os.path.realpath(root)
    return os.path.commonpath([root, os.path.realpath(path)]) == root


def _check_name(name, root, archive_path):
    if os.path.isabs(name) or os.path.splitdrive(name)[0] or name.startswith(("/", "\\")):
        raise UnsafeArchiveError(f"Refusing to extract {archive_path}: member {name!r} has an absolute path.")
    destination = os.path.join(root, name)
    if not _inside(root, destination):
        raise UnsafeArchiveError(
            f"Refusing to extract {archive_path}: member {name!r} would be written outside the "
            f"extraction folder.")
    return destination


def _extract_tar(archive, root, archive_path):
    kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
    for member in archive:
        destination = _check_name(member.name, root, archive_path)
        if member.issym():
            pointee = os.path.join(os.path.dirname(destination), member.linkname)
            if os.path.isabs(member.linkname) or not _inside(root, pointee):
                raise UnsafeArchiveError(
                    f"Refusing to extract {archive_path}: symbolic link {member.name!r} points outside "
                    f"the extraction folder ({member.linkname!r}).")
        elif member.islnk():
            if os.path.isabs(member.linkname) or not _inside(root, os.path.join(root, member.linkname)):
                raise UnsafeArchiveError(
                    f"Refusing to extract {archive_path}: hard link {member.name!r} points outside the "
                    f"extraction folder ({member.linkname!r}).")
        elif not (member.isfile() or member.isdir()):
            raise UnsafeArchiveError(
                f"Refusing to extract {archive_path}: member {member.name!r} is a device or FIFO, not "
                f"a file, folder or link.")
        archive.extract(member, root, **kwargs)


def _extract_zip(archive, root, archive_path):
    for info in archive.infolist():
        name = info.filename
        # zipfile would quietly rewrite these names; refuse instead of writing elsewhere.
        if ".." in name.replace("\\", "/").split("/"):
            raise UnsafeArchiveError(
                f"Refusing to extract {archive_path}: member {name!r} climbs out of the extraction "
                f"folder with '..'.")
        _check_name(name, root, archive_path)
        archive.extract(info, root)
