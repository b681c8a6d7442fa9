"""``save_model`` / ``load_model`` (``.keras``), ``save_weights`` / ``load_weights``
(``.weights.npz``) and ``to_json`` / ``model_from_json``.

A ``.keras`` file is one zip archive::

    metadata.json          gradiente version, format version, date saved
    config.json            architecture, compile arguments, and the list of weights
                           (path, shape, dtype) the array members must match
    weights/00000.npy ...  model.weights, in order
    optimizer/00000.npy .. optimizer.variables (iterations, learning rate, slots)

Nothing is pickled; loading constructs only built-in or registered classes.
"""
import datetime
import json
import os
import warnings

import numpy as np

from gradiente.saving.archive import ArchiveReader, ArchiveWriter
from gradiente.utils.atomic import atomic_write
from gradiente.saving.compile_config import compile_from_config, compile_to_config
from gradiente.saving.errors import ModelFormatError
from gradiente.saving.model_config import model_from_config, model_to_config

FORMAT_VERSION = 1
WEIGHTS_FORMAT_VERSION = 1
_MODEL_MEMBERS = {"config.json", "metadata.json", "training_state.json"}
_MODEL_PATTERNS = [r"weights/\d{5}\.npy", r"optimizer/\d{5}\.npy"]
_WEIGHTS_MEMBERS = {"manifest.json"}
_WEIGHTS_PATTERNS = [r"arr_\d+\.npy"]


def _version():
    from gradiente import __version__

    return __version__


def _manifest(variables):
    return [{"path": getattr(v, "path", None) or v.name, "shape": list(v.data.shape),
             "dtype": v.data.dtype.name} for v in variables]


def _metadata(kind, format_version):
    return {"library": "gradiente", "gradiente_version": _version(), "keras_version": "3",
            "format": kind, "format_version": format_version,
            "date_saved": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def _check_model(model, what):
    from gradiente.models.model import Model

    if not isinstance(model, Model):
        raise TypeError(f"{what}() needs a keras Model, received {type(model).__name__}.")


# --- .keras -------------------------------------------------------------------------------
def save_model(model, filepath, overwrite=True, include_optimizer=True, training_state=None):
    """Write ``model`` (architecture, weights, compile arguments, optimizer state) to
    ``filepath`` (``.keras``) atomically: the old file stays until the new one is complete.

    ``training_state``: an extra JSON object stored with it (BackupAndRestore's epoch,
    history and random state).
    """
    _check_model(model, "save_model")
    filepath = os.fspath(filepath)
    if filepath.endswith((".h5", ".hdf5")):
        warnings.warn(f"'{filepath}': gradiente writes its own .keras zip format (no HDF5); the "
                      "file will load with gradiente's load_model only. Prefer a .keras name.",
                      UserWarning, stacklevel=3)
    elif not filepath.endswith(".keras"):
        raise ValueError(
            f"Invalid filepath extension for saving: '{filepath}'. Add a `.keras` extension "
            "(e.g. 'my_model.keras'); for weights only, use model.save_weights('x.weights.npz')."
        )
    config = model_to_config(model)
    weights = model.weights
    optimizer = getattr(model, "optimizer", None) if include_optimizer else None
    compile_config = compile_to_config(model) if include_optimizer else None
    opt_vars = list(optimizer.variables) if optimizer is not None and compile_config else []
    config["compile_config"] = compile_config
    config["weights"] = _manifest(weights)
    config["optimizer_variables"] = _manifest(opt_vars)
    with atomic_write(filepath, overwrite=overwrite) as handle:
        writer = ArchiveWriter(handle)
        writer.write_json("metadata.json", _metadata("model", FORMAT_VERSION))
        writer.write_json("config.json", config)
        for i, v in enumerate(weights):
            writer.write_array(f"weights/{i:05d}.npy", v.data)
        for i, v in enumerate(opt_vars):
            writer.write_array(f"optimizer/{i:05d}.npy", v.data)
        if training_state is not None:
            writer.write_json("training_state.json", training_state)
        writer.close()


def _open(filepath, members, patterns, what):
    filepath = os.fspath(filepath)
    if os.path.isdir(filepath):
        raise ModelFormatError(filepath, "it is a folder (a TensorFlow SavedModel?), not a "
                                         f"{what} file.")
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file: '{filepath}'. Check the path (the current folder "
                                f"is '{os.getcwd()}').")
    return ArchiveReader(filepath, members, patterns, what)


def _check_metadata(reader, kind, supported):
    meta = reader.read_json("metadata.json") if reader.has("metadata.json") else None
    if not isinstance(meta, dict):
        raise ModelFormatError(reader.path, "metadata.json is missing or not a JSON object: "
                                            "this is not a gradiente archive.")
    version = meta.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFormatError(reader.path, f"metadata.json has no valid format_version ({version!r}).")
    if version > supported:
        raise ModelFormatError(reader.path, (
            f"it was written in format version {version} (by gradiente "
            f"{meta.get('gradiente_version', '?')}), but this gradiente {_version()} reads "
            f"versions up to {supported}. Upgrade gradiente to load it."))
    if meta.get("format", kind) != kind:
        raise ModelFormatError(reader.path, f"it holds {meta.get('format')!r}, not a {kind}.")
    return meta


def _check_manifest(reader, manifest, prefix, what):
    """The manifest is a list of {path, shape, dtype} with exactly one member each."""
    if not isinstance(manifest, list):
        raise ModelFormatError(reader.path, f"config.json: `{what}` is not a list.")
    names = {n for n in reader.members if n.startswith(prefix)}
    expected = {f"{prefix}{i:05d}.npy" for i in range(len(manifest))}
    if names != expected:
        raise ModelFormatError(reader.path, (
            f"config.json lists {len(manifest)} {what}, but the archive holds the members "
            f"{sorted(names)[:5]}{'...' if len(names) > 5 else ''} ({len(names)})."))
    for i, entry in enumerate(manifest):
        ok = (isinstance(entry, dict) and isinstance(entry.get("shape"), list)
              and all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in entry["shape"])
              and isinstance(entry.get("dtype"), str))
        if not ok:
            raise ModelFormatError(reader.path, f"config.json: entry {i} of `{what}` is malformed: "
                                                f"{str(entry)[:100]}.")
        try:
            dtype = np.dtype(entry["dtype"])
        except TypeError:
            raise ModelFormatError(reader.path, f"config.json: {what} entry {i} has an unknown "
                                                f"dtype {entry['dtype']!r}.") from None
        if dtype.kind not in "biufc" or dtype.fields is not None:
            raise ModelFormatError(reader.path, f"config.json: {what} entry {i} has the non-numeric "
                                                f"dtype {dtype}.")
        info = reader.members[f"{prefix}{i:05d}.npy"]
        nbytes = int(np.prod(entry["shape"], dtype=object)) * dtype.itemsize
        if nbytes > info.file_size:
            raise ModelFormatError(reader.path, (
                f"{what} entry {i} ('{entry.get('path')}') declares shape {tuple(entry['shape'])} "
                f"({nbytes} bytes), but its member holds only {info.file_size} bytes."))


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """The model saved in ``filepath`` (a ``.keras`` archive from ``save``), with its
    weights, compile arguments and optimizer state; ``predict`` gives the same values bit
    for bit and ``fit`` continues as the saved model would have.

    ``custom_objects``: {name: class or function} for user objects not registered with
    ``register_keras_serializable``. ``safe_mode=False`` allows Lambda layers' code.
    Raises ModelFormatError for any file that is not a valid, safe model archive.
    """
    with _open(filepath, _MODEL_MEMBERS, _MODEL_PATTERNS, "model") as reader:
        model, _ = _load(reader, custom_objects, compile, safe_mode)
    return model


def _load(reader, custom_objects, compile, safe_mode):
    _check_metadata(reader, "model", FORMAT_VERSION)
    if not reader.has("config.json"):
        raise ModelFormatError(reader.path, "the archive has no config.json (no architecture).")
    config = reader.read_json("config.json")
    if not isinstance(config, dict):
        raise ModelFormatError(reader.path, "config.json is not a JSON object.")
    _check_manifest(reader, config.get("weights", []), "weights/", "weights")
    _check_manifest(reader, config.get("optimizer_variables", []), "optimizer/", "optimizer variables")
    model = model_from_config(config, custom_objects, safe_mode, reader.path)
    _read_weights_into(reader, config["weights"] if "weights" in config else [], model.weights,
                       "weights/")
    if compile and config.get("compile_config"):
        optimizer = compile_from_config(model, config["compile_config"], custom_objects, reader.path)
        _restore_optimizer(reader, config.get("optimizer_variables", []), optimizer, model)
    training_state = reader.read_json("training_state.json") if reader.has("training_state.json") else None
    return model, training_state


def _read_weights_into(reader, manifest, variables, prefix):
    """Stream every array straight into its variable, after checking all shapes."""
    if len(manifest) != len(variables):
        raise ModelFormatError(reader.path, (
            f"the architecture has {len(variables)} weights, but the file holds {len(manifest)}."))
    for i, (entry, v) in enumerate(zip(manifest, variables)):
        name = getattr(v, "path", v.name)
        if tuple(entry["shape"]) != v.data.shape or np.dtype(entry["dtype"]) != v.data.dtype:
            raise ModelFormatError(reader.path, (
                f"weight {i} ('{name}') has shape {v.data.shape} and dtype {v.data.dtype} in the "
                f"architecture, but the file stores shape {tuple(entry['shape'])}, dtype {entry['dtype']}."))
    bad = []
    for i, v in enumerate(variables):
        reader.read_array(f"{prefix}{i:05d}.npy", v.data.shape, v.data.dtype, out=v.data)
        if v.data.dtype.kind in "fc" and not np.isfinite(v.data).all():
            bad.append(getattr(v, "path", v.name))
    if bad:
        warnings.warn(f"'{reader.path}': the weights {bad} contain NaN or infinite values; the "
                      "model was loaded as saved, but its predictions will contain NaN.",
                      UserWarning, stacklevel=4)


def _restore_optimizer(reader, manifest, optimizer, model):
    if not manifest or optimizer is None:
        return
    if len(manifest) > len(optimizer.variables):
        optimizer.build(model.trainable_weights)
    variables = optimizer.variables
    shapes_match = len(variables) == len(manifest) and all(
        tuple(e["shape"]) == v.data.shape and np.dtype(e["dtype"]) == v.data.dtype
        for e, v in zip(manifest, variables))
    if not shapes_match:
        warnings.warn(
            f"'{reader.path}': the saved optimizer state ({len(manifest)} variables) does not fit "
            f"the optimizer rebuilt for this model ({len(variables)} variables); training will "
            "restart the optimizer from scratch.", UserWarning, stacklevel=4)
        return
    for i, v in enumerate(variables):
        reader.read_array(f"optimizer/{i:05d}.npy", v.data.shape, v.data.dtype, out=v.data)


# --- weights only -------------------------------------------------------------------------
def save_weights(model, filepath, overwrite=True):
    """``model.weights`` to ``filepath`` (``.weights.npz``: a NumPy-readable zip with
    ``arr_0.npy``, ... and a ``manifest.json`` of paths, shapes and dtypes), atomically."""
    filepath = os.fspath(filepath)
    if filepath.endswith(".keras"):
        raise ValueError(f"save_weights('{filepath}'): a .keras file holds a whole model; use "
                         "model.save() for it, or a '.weights.npz' name for weights only.")
    weights = model.weights
    manifest = {"library": "gradiente", "gradiente_version": _version(), "format": "weights",
                "format_version": WEIGHTS_FORMAT_VERSION, "weights": _manifest(weights)}
    with atomic_write(filepath, overwrite=overwrite) as handle:
        writer = ArchiveWriter(handle)
        writer.write_json("manifest.json", manifest)
        for i, v in enumerate(weights):
            writer.write_array(f"arr_{i}.npy", v.data)
        writer.close()


def load_weights(model, filepath, skip_mismatch=False):
    """Set ``model.weights`` from a ``.weights.npz`` (or a ``.keras`` file's weights),
    matched by order. Every shape is checked before any weight changes, so a mismatch
    leaves the model as it was. ``skip_mismatch=True`` skips (with a warning) weights
    whose shape differs instead of raising."""
    filepath = os.fspath(filepath)
    members = _WEIGHTS_MEMBERS | _MODEL_MEMBERS
    with _open(filepath, members, _WEIGHTS_PATTERNS + _MODEL_PATTERNS, "weights") as reader:
        if reader.has("config.json"):
            _check_metadata(reader, "model", FORMAT_VERSION)
            config = reader.read_json("config.json")
            manifest = config.get("weights", []) if isinstance(config, dict) else None
            _check_manifest(reader, manifest, "weights/", "weights")
            names = [f"weights/{i:05d}.npy" for i in range(len(manifest))]
        else:
            names = sorted((n for n in reader.members if n.startswith("arr_")),
                           key=lambda n: int(n[4:-4]))
            if reader.has("manifest.json"):
                manifest = reader.read_json("manifest.json")
                if not isinstance(manifest, dict):
                    raise ModelFormatError(filepath, "manifest.json is not a JSON object.")
                version = manifest.get("format_version")
                if isinstance(version, int) and version > WEIGHTS_FORMAT_VERSION:
                    raise ModelFormatError(filepath, (
                        f"weights format version {version} is newer than this gradiente reads "
                        f"({WEIGHTS_FORMAT_VERSION}); upgrade gradiente."))
            if names != [f"arr_{i}.npy" for i in range(len(names))]:
                raise ModelFormatError(filepath, "the weight members are not numbered arr_0, arr_1, ... "
                                                 "without gaps.")
        _assign_weights(model, reader, names, skip_mismatch)


def _assign_weights(model, reader, names, skip_mismatch):
    variables = model.weights
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


# --- JSON -----------------------------------------------------------------------------------
def model_to_json(model, **kwargs):
    """The architecture (no weights) as a JSON string; ``kwargs`` go to ``json.dumps``."""
    config = model_to_config(model)
    config["keras_version"] = "3"
    config["gradiente_version"] = _version()
    return json.dumps(config, **kwargs)


def model_from_json(json_string, custom_objects=None, safe_mode=True):
    """A model (new weights) from ``to_json``'s output."""
    if not isinstance(json_string, (str, bytes)):
        raise TypeError(f"model_from_json() needs a JSON string, received {type(json_string).__name__}.")
    try:
        config = json.loads(json_string)
    except RecursionError:
        raise ModelFormatError("<json string>", "the JSON is nested too deeply.") from None
    except ValueError as err:
        raise ModelFormatError("<json string>", f"it is not valid JSON ({err}).") from None
    return model_from_config(config, custom_objects, safe_mode, "<json string>")


# --- resuming (BackupAndRestore) --------------------------------------------------------------
def restore_training(model, filepath):
    """Load weights, optimizer state and the stored training state of a backup written by
    ``save_model(..., training_state=...)`` into ``model`` (same architecture, compiled).
    Returns the training state."""
    with _open(filepath, _MODEL_MEMBERS, _MODEL_PATTERNS, "backup") as reader:
        _check_metadata(reader, "model", FORMAT_VERSION)
        config = reader.read_json("config.json")
        if not isinstance(config, dict):
            raise ModelFormatError(reader.path, "config.json is not a JSON object.")
        manifest = config.get("weights", [])
        _check_manifest(reader, manifest, "weights/", "weights")
        opt_manifest = config.get("optimizer_variables", [])
        _check_manifest(reader, opt_manifest, "optimizer/", "optimizer variables")
        _assign_weights(model, reader, [f"weights/{i:05d}.npy" for i in range(len(manifest))], False)
        _restore_optimizer(reader, opt_manifest, getattr(model, "optimizer", None), model)
        state = reader.read_json("training_state.json") if reader.has("training_state.json") else None
    if not isinstance(state, dict):
        raise ModelFormatError(filepath, "the backup holds no training_state.json.")
    return state
