"""The zip container: JSON members and ``.npy`` array members, written and read as
streams, with every member checked before anything is expanded.

Arrays are stored uncompressed (weights barely compress, and stored members can be
written and read straight from/to the arrays' memory); JSON members are deflated.
Every failure while reading a member (a corrupted deflate stream, a bad CRC, a truncated
file) becomes ModelFormatError; the bounds checked are in ``limits``.
"""
import contextlib
import json
import re
import zipfile
import zlib

import numpy as np

from gradiente.saving import bounded_json, limits
from gradiente.saving.errors import ModelFormatError

_CHUNK = 1 << 22                 # bytes per read when streaming an array from a member
_NPY_MAGIC = b"\x93NUMPY"
# What zipfile and zlib raise for a damaged archive or member (ValueError included: a
# malformed name, header or field); ModelFormatError, a ValueError, passes through.
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
                NotImplementedError, RuntimeError)


# --- writing --------------------------------------------------------------------------
class ArchiveWriter:
    """Writes members into a zip on an open binary file (the atomic temp file)."""

    def __init__(self, handle):
        self.zip = zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED, allowZip64=True)

    def write_json(self, name, obj):
        data = json.dumps(obj, indent=1).encode("utf-8")
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)

    def write_array(self, name, array):
        """One ``.npy`` member, streamed: the header, then the array's own memory (no copy
        for contiguous arrays), so saving never holds a second copy of a weight."""
        array = np.asarray(array)
        check_numeric(array.dtype, name)
        if not array.flags.c_contiguous:
            array = np.ascontiguousarray(array)
        header = {"descr": np.lib.format.dtype_to_descr(array.dtype), "fortran_order": False,
                  "shape": array.shape}
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
        with self.zip.open(info, "w", force_zip64=array.nbytes > (1 << 30)) as member:
            np.lib.format.write_array_header_2_0(member, header) if _needs_v2(header) else \
                np.lib.format.write_array_header_1_0(member, header)
            if array.nbytes:
                member.write(memoryview(array.reshape(-1)).cast("B"))

    def close(self):
        self.zip.close()


def _needs_v2(header):
    return len(repr(header)) > 60000


def check_numeric(dtype, where):
    if dtype.hasobject or dtype.fields is not None or dtype.kind not in "biufc" or dtype.subdtype:
        raise ValueError(f"{where}: only numeric arrays can be saved, not dtype {dtype}.")


# --- reading --------------------------------------------------------------------------
def sniff(path, head):
    """Why a file that is not a zip archive is not a model (None when it is a zip)."""
    if not head:
        return "the file is empty (0 bytes): it was never written completely."
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return None
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return ("it is an HDF5 file (a Keras .h5 or .weights.h5 file), not a gradiente "
                "archive: read it with keras.models.load_model or model.load_weights.")
    if head.startswith(_NPY_MAGIC):
        return "it is a single NumPy .npy array, not a model archive."
    try:
        head.decode("utf-8")
        return ("it is a text file, not a model archive (a .keras file is a zip archive). "
                "For an architecture saved with to_json(), use keras.models.model_from_json.")
    except UnicodeDecodeError:
        return "it is not a zip archive (unknown binary format); it may be corrupted."


class ArchiveReader:
    """Opens a model zip and validates its member list: only ``allowed`` names (exact
    strings or regular expressions), no duplicates, no paths, no encryption, only
    stored/deflated members with plausible declared sizes."""

    def __init__(self, path, allowed_names, allowed_patterns, what="model"):
        self.path = str(path)
        self._file = open(path, "rb")
        try:
            head = self._file.read(8)
            reason = sniff(path, head)
            if reason:
                raise ModelFormatError(self.path, reason)
            self._file.seek(0, 2)
            self.size_on_disk = self._file.tell()
            self._file.seek(0)
            try:
                self.zip = zipfile.ZipFile(self._file, "r")
            except zipfile.BadZipFile as err:
                raise ModelFormatError(self.path, f"the zip archive is truncated or corrupted ({err}).") from None
            except _READ_ERRORS as err:
                raise ModelFormatError(self.path, f"the zip archive cannot be read ({err}).") from None
            self.members = self._check_members(allowed_names, [re.compile(p) for p in allowed_patterns], what)
            self.n_arrays = sum(name.endswith(".npy") for name in self.members)
        except BaseException:
            self._file.close()
            raise

    def _check_members(self, allowed_names, patterns, what):
        infos = self.zip.infolist()
        if not infos:
            raise ModelFormatError(self.path, f"the zip archive is empty: it holds no {what}.")
        names = [i.filename for i in infos]
        if "model.weights.h5" in names and "model.weights.h5" not in allowed_names:
            raise ModelFormatError(self.path, (
                "it is a Keras 3 .keras archive with HDF5 weights (model.weights.h5), which "
                "gradiente does not read; its architecture is in config.json."))
        members = {}
        for info in infos:
            name = info.filename
            if name.startswith(("/", "\\")) or ".." in name.split("/") or "\\" in name or ":" in name:
                raise ModelFormatError(self.path, f"the archive member {name!r} has an absolute or "
                                                  "parent-relative path; refusing the file.")
            if name in members:
                raise ModelFormatError(self.path, f"the archive holds the member {name!r} twice.")
            if not (name in allowed_names or any(p.fullmatch(name) for p in patterns)):
                expected = ", ".join(sorted(allowed_names) + [p.pattern for p in patterns])
                hint = ""
                if name.endswith(".npy") and "config.json" in allowed_names:
                    hint = (" It looks like a plain NumPy .npz archive, not a model: load "
                            "arrays with np.load, or weights with model.load_weights().")
                raise ModelFormatError(self.path, f"unexpected archive member {name!r} (expected "
                                                  f"only: {expected}).{hint}")
            if info.flag_bits & 0x1:
                raise ModelFormatError(self.path, f"the archive member {name!r} is encrypted.")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ModelFormatError(self.path, f"the archive member {name!r} uses an unsupported "
                                                  f"compression method ({info.compress_type}).")
            stored_ok = info.compress_type != zipfile.ZIP_STORED or info.file_size == info.compress_size
            deflate_ok = (info.compress_type != zipfile.ZIP_DEFLATED
                          or info.file_size <= limits.MAX_DEFLATE_RATIO * max(info.compress_size, 1))
            if not (stored_ok and deflate_ok) or info.compress_size > self.size_on_disk:
                raise ModelFormatError(self.path, (
                    f"the archive member {name!r} declares {info.file_size} bytes uncompressed "
                    f"from {info.compress_size} bytes stored, which is impossible (a zip bomb or a "
                    "corrupted file); refusing it before expanding anything."))
            members[name] = info
        return members

    def has(self, name):
        return name in self.members

    @contextlib.contextmanager
    def _reading(self, name):
        """Turns whatever zipfile or zlib raise while reading ``name`` into the format error."""
        try:
            yield
        except ModelFormatError:
            raise
        except zipfile.BadZipFile as err:
            raise ModelFormatError(self.path, f"{name} is corrupted ({err}).") from None
        except _READ_ERRORS as err:
            raise ModelFormatError(self.path, f"{name} is corrupted or truncated "
                                              f"({type(err).__name__}: {err}).") from None

    def read_json(self, name):
        """The parsed JSON member ``name``, within the bound ``limits`` sets for it."""
        info = self.members.get(name)
        if info is None:
            raise ModelFormatError(self.path, f"the archive has no {name}.")
        bound = limits.json_bound(name, self.n_arrays)
        if info.file_size > bound.max_bytes:
            raise ModelFormatError(self.path, f"{name} declares {info.file_size} bytes, more than "
                                              f"the {bound.max_bytes} it can legitimately need.")
        with self._reading(name), self.zip.open(info) as member:
            # One byte more than allowed: a member whose header understates its size
            # still cannot make us read further.
            data = member.read(bound.max_bytes + 1)
        return bounded_json.loads(data, bound, self.path, name)

    def read_array(self, name, shape=None, dtype=None, out=None):
        """The array in member ``name``, streamed in chunks. ``shape``/``dtype`` (when given)
        must match the member's header exactly, and the member's declared size must match
        the header, before any data is read. ``out``: an array of that shape and dtype to
        fill in place (no second copy)."""
        info = self.members.get(name)
        if info is None:
            raise ModelFormatError(self.path, f"the archive has no member {name!r}.")
        with self._reading(name), self.zip.open(info) as member:
            file_shape, fortran, file_dtype = self._read_header(member, name)
            if shape is not None and tuple(file_shape) != tuple(shape):
                raise ModelFormatError(self.path, f"{name} holds an array of shape {file_shape}, "
                                                  f"but the architecture needs {tuple(shape)}.")
            if dtype is not None and file_dtype != np.dtype(dtype):
                raise ModelFormatError(self.path, f"{name} holds dtype {file_dtype}, but the "
                                                  f"architecture needs {np.dtype(dtype)}.")
            nbytes = limits.nbytes(file_shape, file_dtype)
            if info.file_size != member.tell() + nbytes:
                raise ModelFormatError(self.path, (
                    f"{name} declares {info.file_size} bytes, but its header describes "
                    f"{member.tell() + nbytes} (shape {file_shape}, {file_dtype})."))
            if out is None or fortran or not out.flags.c_contiguous:
                target = np.empty(file_shape[::-1] if fortran else file_shape, dtype=file_dtype)
            else:
                target = out
            _fill(member, target, nbytes, self.path, name)
            if fortran:
                target = target.T
            if out is not None and target is not out:
                out[...] = target
                return out
            return target

    def _read_header(self, member, name):
        try:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
            else:
                raise ValueError(f"unsupported .npy version {version}")
        except (ValueError, SyntaxError, EOFError, TypeError, OverflowError) as err:
            raise ModelFormatError(self.path, f"{name} is not a valid .npy array ({err}).") from None
        limits.check_plain(dtype, self.path, name)
        if any(d < 0 for d in shape):
            raise ModelFormatError(self.path, f"{name} declares a negative shape {shape}.")
        return limits.check_shape(shape, self.path, name), fortran, dtype

    def close(self):
        self.zip.close()
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _fill(member, target, nbytes, path, name):
    if not nbytes:
        return
    view = memoryview(target.reshape(-1)).cast("B")
    pos = 0
    while pos < nbytes:
        chunk = member.read(min(_CHUNK, nbytes - pos))
        if not chunk:
            raise ModelFormatError(path, f"{name} ends after {pos} of {nbytes} bytes (truncated).")
        view[pos:pos + len(chunk)] = chunk
        pos += len(chunk)
