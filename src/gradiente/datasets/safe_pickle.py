"""Reading the pickles some Keras data files hold, without running what a pickle asks for.

CIFAR's batches are pickled dicts of NumPy arrays, IMDB's and Reuters's ``.npz`` hold object
arrays of lists. Rebuilding them needs three NumPy globals and nothing else; any other
global (``os.system``, ``builtins.eval``, ...) in a downloaded file is refused.
"""
import pickle
import zipfile

import numpy as np

_RECONSTRUCT = np._core.multiarray._reconstruct if hasattr(np, "_core") else np.core.multiarray._reconstruct


def _latin1_bytes(text, encoding="latin1"):
    # How Python 3 pickles bytes at protocol 2: _codecs.encode(str, "latin1"). No other codec.
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise UnsafePickleError(f"Refusing a pickle that encodes with codec {encoding!r} (only latin1 rebuilds bytes).")
    return text.encode("latin1")


_ALLOWED = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    # Files written by NumPy 1 name numpy.core, by NumPy 2 numpy._core.
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("_codecs", "encode"): _latin1_bytes,
}


class UnsafePickleError(pickle.UnpicklingError):
    """A data file's pickle names something other than NumPy array reconstruction."""


class RestrictedUnpickler(pickle.Unpickler):
    """Builds only dicts, lists, tuples, bytes, str, numbers and NumPy arrays."""

    def __init__(self, file, source, **kwargs):
        super().__init__(file, **kwargs)
        self.source = source

    def find_class(self, module, name):
        found = _ALLOWED.get((module, name))
        if found is None:
            raise UnsafePickleError(
                f"Refusing to load {self.source}: its pickle asks for `{module}.{name}`, but a data "
                f"file may only rebuild NumPy arrays. The file is corrupted or malicious.")
        return found

    def persistent_load(self, pid):
        raise UnsafePickleError(f"Refusing to load {self.source}: its pickle uses persistent ids.")


def load_pickle(file, source, encoding="ASCII"):
    try:
        return RestrictedUnpickler(file, source, encoding=encoding).load()
    except UnsafePickleError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as err:
        raise ValueError(f"Could not read {source}: its pickle is malformed ({err}).") from None


def load_npz(path):
    """The arrays of an ``.npz`` file as a dict; object arrays through ``RestrictedUnpickler``."""
    arrays = {}
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as err:
        raise ValueError(f"Could not read {path}: not an .npz (zip) file ({err}).") from None
    with archive:
        for name in archive.namelist():
            if not name.endswith(".npy"):
                continue
            with archive.open(name) as member:
                arrays[name[:-4]] = _read_npy(member, f"{path}:{name}")
    return arrays


def _read_npy(member, source):
    fmt = np.lib.format
    try:
        version = fmt.read_magic(member)
        if version == (1, 0):
            _, _, dtype = fmt.read_array_header_1_0(member)
        else:  # versions 2 and 3 share the header layout
            _, _, dtype = fmt.read_array_header_2_0(member)
    except ValueError as err:
        raise ValueError(f"Could not read {source}: not a .npy array ({err}).") from None
    if dtype.hasobject:
        array = load_pickle(member, source, encoding="latin1")
        if not isinstance(array, np.ndarray):
            raise ValueError(f"Could not read {source}: its pickle holds a {type(array).__name__}, not an array.")
        return array
    member.seek(0)
    return fmt.read_array(member, allow_pickle=False)
