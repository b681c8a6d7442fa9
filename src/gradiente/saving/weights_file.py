"""``save_weights`` / ``load_weights``: a model's weights alone, as a ``.weights.npz`` (a
NumPy-readable zip of ``arr_0.npy``, ... and a ``manifest.json``) or as Keras 3's
``.weights.h5`` (HDF5, needs h5py), or read from a ``.keras`` archive's weights; Keras's
own files (its ``.keras`` archives, ``.weights.h5``, legacy ``.h5``) load by their
content."""
import os
import warnings

import numpy as np

from gradiente.saving import file_format
from gradiente.saving.archive import ArchiveReader, ArchiveWriter
from gradiente.saving.h5_file import H5Reader, require_h5py
from gradiente.saving.keras_archive import (
    MEMBERS as KERAS_MEMBERS, WEIGHTS_MEMBER as KERAS_WEIGHTS, weights_member,
)
from gradiente.saving.keras_weights_h5 import (
    read_keras_weights, restore_optimizer_from, write_keras_weights,
)
from gradiente.saving.legacy_h5 import is_legacy_weights, load_legacy_weights
from gradiente.saving.errors import ModelFormatError
from gradiente.saving.layout import (
    FORMAT_VERSION, MODEL_MEMBERS, MODEL_PATTERNS, WEIGHTS_FORMAT_VERSION, WEIGHTS_MEMBERS,
    WEIGHTS_PATTERNS, check_manifest, check_metadata, manifest_of, open_archive, read_config,
    version,
)
from gradiente.saving.saved_weights import after_loading, loaded_weights, saved_weights
from gradiente.utils.atomic import atomic_write


def save_weights(model, filepath, overwrite=True):
    """``model.weights`` to ``filepath`` (``.weights.npz``: a NumPy-readable zip with
    ``arr_0.npy``, ... and a ``manifest.json`` of paths, shapes and dtypes), atomically."""
    filepath = os.fspath(filepath)
    if filepath.endswith(".keras"):
        raise ValueError(f"save_weights('{filepath}'): a .keras file holds a whole model; use "
                         "model.save() for it, or a '.weights.npz' name for weights only.")
    if filepath.endswith(".weights.h5"):
        # Keras 3's own weights file, which real Keras loads (needs h5py).
        h5py = require_h5py(f"save_weights('{filepath}')")
        with atomic_write(filepath, overwrite=overwrite) as handle, h5py.File(handle, "w") as h5:
            write_keras_weights(h5, model)
        return
    if filepath.endswith((".h5", ".hdf5")):
        raise ValueError(f"save_weights('{filepath}'): as in Keras 3, an HDF5 weights file name "
                         "must end in '.weights.h5' (or use '.weights.npz' for gradiente's "
                         "NumPy-only format).")
    saved = saved_weights(model)
    weights = [v for v, _ in saved]
    manifest = {"library": "gradiente", "gradiente_version": version(), "format": "weights",
                "format_version": WEIGHTS_FORMAT_VERSION, "weights": manifest_of(weights)}
    with atomic_write(filepath, overwrite=overwrite) as handle:
        writer = ArchiveWriter(handle)
        writer.write_json("manifest.json", manifest)
        for i, (_, value) in enumerate(saved):
            writer.write_array(f"arr_{i}.npy", value)
        writer.close()


def load_weights(model, filepath, skip_mismatch=False):
    """Set ``model.weights`` from a ``.weights.npz`` (or a ``.keras`` file's weights),
    matched by order. Every shape is checked before any weight changes, so a mismatch
    leaves the model as it was. ``skip_mismatch=True`` skips (with a warning) weights
    whose shape differs instead of raising."""
    filepath = os.fspath(filepath)
    kind = file_format.detect(filepath)
    if kind != file_format.OURS:
        return _load_keras_weights(model, filepath, kind, skip_mismatch)
    members = WEIGHTS_MEMBERS | MODEL_MEMBERS
    with open_archive(filepath, members, WEIGHTS_PATTERNS + MODEL_PATTERNS, "weights") as reader:
        if reader.has("config.json"):
            check_metadata(reader, "model", FORMAT_VERSION)
            manifest = read_config(reader).get("weights", [])
            check_manifest(reader, manifest, "weights/", "weights")
            names = [f"weights/{i:05d}.npy" for i in range(len(manifest))]
        else:
            names = sorted((n for n in reader.members if n.startswith("arr_")),
                           key=lambda n: int(n[4:-4]))
            if reader.has("manifest.json"):
                _check_weights_manifest(reader)
            if names != [f"arr_{i}.npy" for i in range(len(names))]:
                raise ModelFormatError(filepath, "the weight members are not numbered arr_0, arr_1, ... "
                                                 "without gaps.")
        assign_weights(model, reader, names, skip_mismatch)


def _load_keras_weights(model, filepath, kind, skip_mismatch):
    """Weights from Keras's files: a ``.keras`` archive's, a Keras 3 ``.weights.h5``, or a
    legacy tf.keras 2 ``.h5`` (whole model or weights), each as Keras maps them."""
    if kind == file_format.KERAS_ARCHIVE:
        require_h5py(f"Loading weights from the Keras archive '{filepath}'")
        with ArchiveReader(filepath, KERAS_MEMBERS, [r"assets/.*"], "weights") as reader:
            if not reader.has(KERAS_WEIGHTS):
                raise ModelFormatError(filepath, f"the Keras archive has no {KERAS_WEIGHTS}.")
            with H5Reader(weights_member(reader), filepath, "Keras weights") as h5:
                optimizer_sets = read_keras_weights(h5, model, skip_mismatch=skip_mismatch)
                restore_optimizer_from(h5, optimizer_sets, getattr(model, "optimizer", None), model)
        return
    with H5Reader(filepath, filepath, "Keras weights") as h5:
        if is_legacy_weights(h5):
            load_legacy_weights(model, h5, skip_mismatch)
        else:
            optimizer_sets = read_keras_weights(h5, model, skip_mismatch=skip_mismatch)
            restore_optimizer_from(h5, optimizer_sets, getattr(model, "optimizer", None), model)


def _check_weights_manifest(reader):
    """Only the format version is used: the arrays' own headers say the rest."""
    manifest = reader.read_json("manifest.json")
    if not isinstance(manifest, dict):
        raise ModelFormatError(reader.path, "manifest.json is not a JSON object.")
    format_version = manifest.get("format_version")
    if type(format_version) is int and format_version > WEIGHTS_FORMAT_VERSION:
        raise ModelFormatError(reader.path, (
            f"weights format version {format_version} is newer than this gradiente reads "
            f"({WEIGHTS_FORMAT_VERSION}); upgrade gradiente."))


def assign_weights(model, reader, names, skip_mismatch):
    """Read every member in ``names`` (each bounded by its own size), then, only if all fit,
    set ``model.weights`` from them in order."""
    variables = loaded_weights(model)
    if len(names) != len(variables):
        raise ValueError(
            f"'{reader.path}' holds {len(names)} weights, but model '{model.name}' has "
            f"{len(variables)} ({', '.join(getattr(v, 'path', v.name) for v in variables[:6])}"
            f"{', ...' if len(variables) > 6 else ''}). Build the same architecture before "
            "loading (call the model on data or model.build(input_shape)).")
    arrays = []
    for i, (name, v) in enumerate(zip(names, variables)):
        array = reader.read_array(name)
        label = getattr(v, "path", v.name)
        if array.shape != v.data.shape:
            message = (f"weight {i} ('{label}') of model '{model.name}' has shape {v.data.shape}, "
                       f"but '{reader.path}' stores shape {array.shape} for it.")
            if not skip_mismatch:
                raise ValueError(message + " Pass skip_mismatch=True to skip such weights.")
            warnings.warn("Skipping: " + message, UserWarning, stacklevel=3)
            array = None
        arrays.append(array)
    for v, array in zip(variables, arrays):
        if array is not None:
            v.data[...] = array
    after_loading(model)


def read_weights_into(reader, entries, variables, prefix):
    """Stream every array straight into its variable, after checking all shapes against
    ``entries`` ([(shape, dtype)] from the checked manifest)."""
    if len(entries) != len(variables):
        raise ModelFormatError(reader.path, (
            f"the architecture has {len(variables)} weights, but the file holds {len(entries)}."))
    for i, ((shape, dtype), v) in enumerate(zip(entries, variables)):
        if shape != v.data.shape or dtype != v.data.dtype:
            raise ModelFormatError(reader.path, (
                f"weight {i} ('{getattr(v, 'path', v.name)}') has shape {v.data.shape} and dtype "
                f"{v.data.dtype} in the architecture, but the file stores shape {shape}, dtype "
                f"{dtype}."))
    bad = []
    for i, v in enumerate(variables):
        reader.read_array(f"{prefix}{i:05d}.npy", v.data.shape, v.data.dtype, out=v.data)
        if v.data.dtype.kind in "fc" and not np.isfinite(v.data).all():
            bad.append(getattr(v, "path", v.name))
    if bad:
        warnings.warn(f"'{reader.path}': the weights {bad} contain NaN or infinite values; the "
                      "model was loaded as saved, but its predictions will contain NaN.",
                      UserWarning, stacklevel=4)


def restore_optimizer(reader, entries, optimizer, model):
    """The optimizer's variables from the ``optimizer/`` members, when they fit the
    optimizer rebuilt for ``model`` (else a warning, and the optimizer starts afresh)."""
    if not entries or optimizer is None:
        return
    if len(entries) > len(optimizer.variables):
        optimizer.build(model.trainable_weights)
    variables = optimizer.variables
    shapes_match = len(variables) == len(entries) and all(
        shape == v.data.shape and dtype == v.data.dtype for (shape, dtype), v in zip(entries, variables))
    if not shapes_match:
        warnings.warn(
            f"'{reader.path}': the saved optimizer state ({len(entries)} variables) does not fit "
            f"the optimizer rebuilt for this model ({len(variables)} variables); training will "
            "restart the optimizer from scratch.", UserWarning, stacklevel=4)
        return
    for i, v in enumerate(variables):
        reader.read_array(f"optimizer/{i:05d}.npy", v.data.shape, v.data.dtype, out=v.data)
