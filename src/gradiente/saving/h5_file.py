"""HDF5 files read safely through h5py (an optional dependency).

Every object is reached by hard links only (a soft or external link could point anywhere
on the machine), every dataset is checked before it is read: a plain numeric dtype (no
object, compound, variable-length or string data where weights are expected), a bounded
rank, data stored inside this file (not external, not virtual), and a declared size the
stored bytes can back (a compressed "shape bomb" declares terabytes from a few bytes).
Whatever h5py or the HDF5 library raises for a damaged file becomes ModelFormatError, and
the one damage found to hang the library (a global heap's object sizes) is checked on the
file's bytes first.
"""
import contextlib
import io
import mmap
import os

import numpy as np

from gradiente.saving import limits
from gradiente.saving.errors import ModelFormatError

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
# Deflate and HDF5's other filters stay far below this ratio on real weights; a dataset
# declaring more than this many times its stored bytes (beyond 1 MiB) is crafted.
_MAX_EXPANSION = limits.MAX_DEFLATE_RATIO
_SMALL = 1 << 20
# Groups and datasets a file may hold: far above any model (a layer adds ~3), small
# enough that walking a hostile file's tree stays quick.
MAX_OBJECTS = 200_000
MAX_DEPTH = 64
# An attribute (a legacy file's JSON architecture, a list of weight names) is read whole:
# the architecture's own JSON bound caps it.
MAX_ATTRIBUTE_BYTES = 16 << 20


def check_global_heaps(data, path):
    """Refuse a file whose global heap collections (where HDF5 keeps variable-length
    strings, such as Keras's layer names and a legacy file's JSON) are inconsistent: the
    HDF5 library walks a collection's objects by their declared sizes and loops forever on
    a free-space object of size 0. ``data``: the file's bytes (or an mmap of them).

    The walk below is the library's, with every step checked to move forward and stay
    inside the collection. A collection is recognised by its signature, version 1 and three
    zero reserved bytes (eight fixed bytes)."""
    if len(data) < 16:
        return
    # The superblock says how many bytes a length takes (versions 0-1: byte 14, 2-3: byte 10).
    length_size = data[14] if data[8] in (0, 1) else data[10]
    if length_size not in (2, 4, 8, 16):
        raise ModelFormatError(path, "the HDF5 superblock is damaged.")
    header = 8 + length_size  # "GCOL", version, 3 reserved, collection size
    object_header = 8 + length_size  # index, reference count, 4 reserved, object size
    at = data.find(b"GCOL\x01\x00\x00\x00")
    while at >= 0:
        size = int.from_bytes(data[at + 8:at + header], "little")
        end = at + size
        if size < header or end > len(data):
            raise ModelFormatError(path, f"an HDF5 global heap (at byte {at}) declares {size} "
                                         "bytes, more than the file holds: damaged or crafted.")
        p = at + header
        while p + object_header <= end:
            index = int.from_bytes(data[p:p + 2], "little")
            object_size = int.from_bytes(data[p + 8:p + object_header], "little")
            need = object_header + -(-object_size // 8) * 8 if index else object_size
            if need < object_header or p + need > end:
                raise ModelFormatError(path, f"an HDF5 global heap (at byte {at}) holds an object "
                                             "whose size runs outside it: damaged or crafted.")
            p += need
        at = data.find(b"GCOL\x01\x00\x00\x00", at + 4)


def require_h5py(what):
    """``h5py``, or an ImportError saying how to install it."""
    try:
        import h5py
    except ImportError:
        raise ImportError(f"{what} needs h5py, which is not installed. Install it with "
                          "`pip install 'gradiente[h5]'` (or `pip install h5py`).") from None
    return h5py


def is_hdf5(head):
    return head.startswith(HDF5_SIGNATURE)


def _check_file_heaps(filepath, path):
    try:
        with open(filepath, "rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                return
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                check_global_heaps(data, path)
    except OSError:
        return  # h5py then reports what is wrong with the file


class H5Reader:
    """An open HDF5 file (a path or a seekable binary file object), read-only."""

    def __init__(self, source, path, what):
        """``source``: a file path, or the file's bytes."""
        h5py = require_h5py(f"Reading '{path}' ({what})")
        self.path = str(path)
        self._h5py = h5py
        if isinstance(source, (bytes, bytearray)):
            check_global_heaps(source, self.path)
            source = io.BytesIO(source)
        else:
            _check_file_heaps(source, self.path)
        try:
            self.file = h5py.File(source, "r")
        except Exception as err:  # h5py raises OSError, ValueError, KeyError... for junk
            raise ModelFormatError(self.path, f"the HDF5 file cannot be opened ({err}).") from None
        self._objects = 0

    def close(self):
        with contextlib.suppress(Exception):
            self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @contextlib.contextmanager
    def reading(self, where):
        """Turns any error the HDF5 library raises while reading ``where`` into ours."""
        try:
            yield
        except ModelFormatError:
            raise
        except Exception as err:
            raise ModelFormatError(self.path, f"{where} cannot be read ({type(err).__name__}: "
                                              f"{err}); the file is damaged or crafted.") from None

    # --- navigation ---------------------------------------------------------------
    def child(self, group, name, where):
        """``group[name]`` reached by a hard link, or None when absent."""
        h5py = self._h5py
        with self.reading(where):
            link = group.get(name, default=None, getlink=True)
            if link is None:
                return None
            if not isinstance(link, h5py.HardLink):
                raise ModelFormatError(self.path, f"{where} is a {type(link).__name__}: links "
                                                  "to other objects or files are refused.")
            obj = group[name]
        if not isinstance(obj, (h5py.Group, h5py.Dataset)):
            raise ModelFormatError(self.path, f"{where} is neither a group nor a dataset.")
        return obj

    def group(self, path, required=True):
        """The group at ``path`` ("a/b/c"; "" is the root), or None when absent."""
        current = self.file
        walked = []
        for part in [p for p in path.split("/") if p]:
            walked.append(part)
            current = self.child(current, part, "/".join(walked))
            if current is None or not isinstance(current, self._h5py.Group):
                if required:
                    kind = "missing" if current is None else "a dataset, not a group"
                    raise ModelFormatError(self.path, f"the group '{'/'.join(walked)}' is {kind}.")
                return None
        return current

    def names(self, group, where):
        """The names in ``group``, in the file's (alphabetical) order, within the bounds."""
        with self.reading(where):
            names = list(group.keys())
        self._objects += len(names)
        if self._objects > MAX_OBJECTS:
            raise ModelFormatError(self.path, f"the file holds more than {MAX_OBJECTS} groups "
                                              "and datasets, far more than any model needs.")
        return names

    def datasets_under(self, path):
        """{relative path: h5py.Dataset} of every dataset below the group at ``path``,
        all reached by hard links (the walk refuses anything else)."""
        out = {}
        root = self.group(path)

        def walk(group, prefix, depth):
            if depth > MAX_DEPTH:
                raise ModelFormatError(self.path, f"groups are nested deeper than {MAX_DEPTH} levels.")
            for name in self.names(group, prefix or "/"):
                where = f"{prefix}/{name}" if prefix else name
                obj = self.child(group, name, where)
                if isinstance(obj, self._h5py.Group):
                    walk(obj, where, depth + 1)
                else:
                    out[where] = obj

        walk(root, "", 0)
        return out

    # --- datasets -----------------------------------------------------------------
    def check_dataset(self, dataset, where):
        """(shape, dtype) of a dataset holding plain numbers, checked before any read."""
        with self.reading(where):
            shape = dataset.shape
            dtype = dataset.dtype
            external = dataset.external
            virtual = dataset.is_virtual
            stored = dataset.id.get_storage_size()
        if shape is None:
            raise ModelFormatError(self.path, f"the dataset '{where}' is empty (no shape).")
        if external or virtual:
            raise ModelFormatError(self.path, f"the dataset '{where}' keeps its data outside "
                                              "this file (external or virtual): refused.")
        limits.check_plain(dtype, self.path, f"the dataset '{where}'")
        shape = limits.check_shape(tuple(int(d) for d in shape), self.path, f"the dataset '{where}'")
        nbytes = limits.nbytes(shape, dtype)
        if nbytes > _SMALL and nbytes > _MAX_EXPANSION * stored:
            raise ModelFormatError(self.path, (
                f"the dataset '{where}' declares shape {shape} ({nbytes} bytes) but stores only "
                f"{stored} bytes: a crafted size, refused before reading it."))
        return shape, dtype

    def read(self, dataset, where):
        """The dataset's values as a new array (after ``check_dataset``)."""
        shape, dtype = self.check_dataset(dataset, where)
        out = np.empty(shape, dtype=dtype.newbyteorder("=") if dtype.byteorder != "|" else dtype)
        if out.size:
            with self.reading(where):
                dataset.read_direct(out)
        return out

    # --- attributes ---------------------------------------------------------------
    def attribute(self, obj, name, where):
        """An attribute's value (decoded text, list of texts, or a small array), or None;
        its stored size is checked before it is read."""
        h5py = self._h5py
        with self.reading(f"{where} attribute {name!r}"):
            if name not in obj.attrs:
                return None
            attr_id = obj.attrs.get_id(name)
            dtype = attr_id.dtype
            shape = attr_id.shape or ()
            # Variable-length text is bounded by the file's own size; fixed-size items here.
            n = int(np.prod(shape, dtype=np.float64))
            size = n * dtype.itemsize
            if size > MAX_ATTRIBUTE_BYTES or n > MAX_ATTRIBUTE_BYTES // 8:
                raise ModelFormatError(self.path, f"the attribute {name!r} of {where} holds "
                                                  f"{size} bytes, more than it can need.")
            string_info = h5py.check_string_dtype(dtype)
            if dtype.kind == "O" and string_info is None:
                raise ModelFormatError(self.path, f"the attribute {name!r} of {where} has an "
                                                  "object dtype that is not text: refused.")
            if dtype.kind not in "biufcSUO" or dtype.fields is not None:
                raise ModelFormatError(self.path, f"the attribute {name!r} of {where} has the "
                                                  f"unsupported dtype {dtype}.")
            value = obj.attrs[name]
        return _decoded(value, self.path, f"the attribute {name!r} of {where}")


def _decoded(value, path, where):
    if isinstance(value, str):
        # h5py hands over undecodable bytes as surrogate escapes.
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ModelFormatError(path, f"{where} is not UTF-8 text.") from None
        return value
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise ModelFormatError(path, f"{where} is not UTF-8 text.") from None
    if isinstance(value, np.ndarray) and value.dtype.kind in "SO":
        return [_decoded(v, path, where) for v in value.reshape(-1).tolist()]
    if isinstance(value, np.ndarray) and value.dtype.kind == "U":
        return [_decoded(str(v), path, where) for v in value.reshape(-1).tolist()]
    if isinstance(value, np.bytes_):
        return _decoded(bytes(value), path, where)
    return value

