"""Crash-safe writes (models, checkpoints, downloaded data): a file is replaced only by a complete, fsync'ed new version.

The new content goes to ``.<name>.<pid>-<random>.gradiente-tmp`` in the target's folder
(same file system, so the rename is atomic), is flushed and fsync'ed, then renamed over
the target, and the folder is fsync'ed so the rename itself survives a power cut. A
process killed mid-write leaves the old file intact plus one temporary file, which the
next save to the same target removes.
"""
import contextlib
import os
import secrets

_SUFFIX = ".gradiente-tmp"


def _temp_prefix(path):
    return f".{os.path.basename(path)}."


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def remove_stale_temp_files(path):
    """Delete temporary files left by earlier saves to ``path`` whose process is gone."""
    directory = os.path.dirname(os.path.abspath(path))
    prefix = _temp_prefix(path)
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(_SUFFIX)):
            continue
        tag = name[len(prefix):-len(_SUFFIX)]
        pid = tag.split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and _pid_alive(int(pid)):
            continue  # another live process is writing it
        if pid.isdigit() and int(pid) == os.getpid():
            continue  # ours, possibly in flight in another thread
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(directory, name))


def _fsync_directory(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # e.g. Windows, where directories cannot be opened
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path, overwrite=True):
    """``with atomic_write(path) as f: f.write(...)``: ``path`` becomes the new content
    only if the block finishes; on any error the target is untouched."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"Cannot save to '{path}': the folder '{directory}' does not exist.")
    if os.path.isdir(path):
        raise IsADirectoryError(f"Cannot save to '{path}': it is a folder; give a file name.")
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"'{path}' already exists and overwrite=False.")
    remove_stale_temp_files(path)
    tmp = os.path.join(directory, f"{_temp_prefix(path)}{os.getpid()}-{secrets.token_hex(4)}{_SUFFIX}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "w+b") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)
