"""Which kind of model file a path holds, told from its content (not only its name):
gradiente's own zip, Keras 3's ``.keras`` zip (HDF5 weights inside) or an HDF5 file
(Keras 3 ``.weights.h5``, or a legacy tf.keras 2 ``.h5``)."""
import os
import zipfile

from gradiente.saving.h5_file import is_hdf5

OURS, KERAS_ARCHIVE, HDF5 = "gradiente", "keras", "hdf5"


def detect(filepath):
    """OURS, KERAS_ARCHIVE or HDF5. Anything unreadable or unknown is OURS: our own
    reader then says precisely what is wrong with it."""
    path = os.fspath(filepath)
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError:
        return OURS
    if is_hdf5(head):
        return HDF5
    if not head.startswith(b"PK"):
        return OURS
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return OURS
    from gradiente.saving.keras_archive import is_keras_archive

    return KERAS_ARCHIVE if is_keras_archive(names) else OURS
