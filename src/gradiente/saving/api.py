"""``save_model`` / ``load_model`` (``.keras``) and ``to_json`` / ``model_from_json``;
``save_weights`` / ``load_weights`` are in ``weights_file``, ``restore_training`` (a
BackupAndRestore backup) in ``training_state``.

A ``.keras`` file is one zip archive::

    metadata.json          gradiente version, format version, date saved
    config.json            architecture, compile arguments, and the list of weights
                           (path, shape, dtype) the array members must match
    weights/00000.npy ...  model.weights, in order
    optimizer/00000.npy .. optimizer.variables (iterations, learning rate, slots)
    training_state.json    (backups only) epoch, history and random state

Nothing is pickled; loading constructs only built-in or registered classes, and every
bound a file is checked against is in ``limits``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import json
import os
import warnings

from gradiente.saving import bounded_json, file_format, limits, weight_plan
from gradiente.saving.archive import ArchiveWriter
from gradiente.saving.compile_config import compile_from_config, compile_to_config
from gradiente.saving.errors import ModelFormatError
from gradiente.saving.keras_archive import load_keras_archive, save_keras_archive
from gradiente.saving.layout import (
    FORMAT_VERSION, MODEL_MEMBERS, MODEL_PATTERNS, check_manifest, check_metadata, manifest_of,
    metadata, open_archive, read_config, version,
)
from gradiente.saving.legacy_h5 import load_legacy_model, save_legacy_model
from gradiente.saving.model_config import model_from_config, model_to_config
from gradiente.saving.saved_weights import after_loading, loaded_weights, saved_weights
from gradiente.saving.training_state import restore_training  # noqa: F401  (BackupAndRestore's import)
from gradiente.saving.weights_file import (  # noqa: F401  (the public names live here too)
    load_weights, read_weights_into, restore_optimizer, save_weights,
)
from gradiente.utils.atomic import atomic_write

if TYPE_CHECKING:
    from gradiente.models.model import Model


def _check_model(model, what):
    from gradiente.models.model import Model

    if not isinstance(model, Model):
        raise TypeError(f"{what}() needs a keras Model, received {type(model).__name__}.")


# --- .keras -------------------------------------------------------------------------------
def save_model(model: Model, filepath: str | os.PathLike[str], overwrite: bool = True, include_optimizer: bool = True,
               training_state: Any = None, keras_compatible: bool = False) -> None:
    """Write ``model`` (architecture, weights, compile arguments, optimizer state) to
    ``filepath`` (``.keras``) atomically: the old file stays until the new one is complete.

    ``keras_compatible=True`` writes Keras 3's own archive (HDF5 weights, needs h5py),
    which real Keras 3 loads; the default is gradiente's NumPy-only archive.
    ``training_state``: an extra JSON object stored with it (BackupAndRestore's epoch,
    history and random state).
    """
    _check_model(model, "save_model")
    filepath = os.fspath(filepath)
    if keras_compatible:
        if not filepath.endswith(".keras") or training_state is not None:
            raise ValueError(f"save_model('{filepath}', keras_compatible=True) writes a Keras 3 "
                             "archive: give a '.keras' name (and no training_state).")
        return save_keras_archive(model, filepath, overwrite, include_optimizer)
    if filepath.endswith((".h5", ".hdf5")):
        # Keras 3 writes its legacy HDF5 format under these names (h5py needed), warning so.
        warnings.warn(f"'{filepath}': saving in the legacy HDF5 format, as Keras does for an .h5 "
                      "name; prefer the '.keras' format (model.save('my_model.keras')).",
                      UserWarning, stacklevel=3)
        if training_state is not None:
            raise ValueError(f"save_model('{filepath}'): a training state needs a '.keras' name.")
        return save_legacy_model(model, filepath, overwrite, include_optimizer)
    if not filepath.endswith(".keras"):
        raise ValueError(
            f"Invalid filepath extension for saving: '{filepath}'. Add a `.keras` extension "
            "(e.g. 'my_model.keras'); for weights only, use model.save_weights('x.weights.npz')."
        )
    config = model_to_config(model)
    saved = saved_weights(model)
    weights = [v for v, _ in saved]
    optimizer = getattr(model, "optimizer", None) if include_optimizer else None
    compile_config = compile_to_config(model) if include_optimizer else None
    opt_vars = list(optimizer.variables) if optimizer is not None and compile_config else []
    config["compile_config"] = compile_config
    config["weights"] = manifest_of(weights)
    config["optimizer_variables"] = manifest_of(opt_vars)
    with atomic_write(filepath, overwrite=overwrite) as handle:
        writer = ArchiveWriter(handle)
        writer.write_json("metadata.json", metadata("model", FORMAT_VERSION))
        writer.write_json("config.json", config)
        for i, (_, value) in enumerate(saved):
            writer.write_array(f"weights/{i:05d}.npy", value)
        for i, v in enumerate(opt_vars):
            writer.write_array(f"optimizer/{i:05d}.npy", v.data)
        if training_state is not None:
            writer.write_json("training_state.json", training_state)
        writer.close()


def load_model(filepath: str | os.PathLike[str], custom_objects: dict[str, Any] | None = None, compile: bool = True,
               safe_mode: bool = True) -> Model:
    """The model saved in ``filepath`` (a ``.keras`` archive from ``save``), with its
    weights, compile arguments and optimizer state; ``predict`` gives the same values bit
    for bit and ``fit`` continues as the saved model would have.

    ``custom_objects``: {name: class or function} for user objects not registered with
    ``register_keras_serializable``. ``safe_mode=False`` allows Lambda layers' code.
    Keras's own files load too, told apart by their content: Keras 3 ``.keras`` archives
    and legacy tf.keras 2 ``.h5`` models (both need h5py).
    Raises ModelFormatError for any file that is not a valid, safe model archive.
    """
    kind = file_format.detect(filepath)
    if kind == file_format.KERAS_ARCHIVE:
        return load_keras_archive(filepath, custom_objects, compile, safe_mode)
    if kind == file_format.HDF5:
        return load_legacy_model(filepath, custom_objects, compile, safe_mode)
    with open_archive(filepath, MODEL_MEMBERS, MODEL_PATTERNS, "model") as reader:
        return _load(reader, custom_objects, compile, safe_mode)


def _load(reader, custom_objects, compile, safe_mode):
    # training_state.json is a backup's business (training_state.restore_training): a
    # model load never parses it.
    check_metadata(reader, "model", FORMAT_VERSION)
    config = read_config(reader)
    weights = check_manifest(reader, config.get("weights", []), "weights/", "weights")
    optimizer_vars = check_manifest(reader, config.get("optimizer_variables", []), "optimizer/",
                                    "optimizer variables")
    with weight_plan.planned(weights, reader.path):
        model = model_from_config(config, custom_objects, safe_mode, reader.path)
    read_weights_into(reader, weights, loaded_weights(model), "weights/")
    after_loading(model)
    if compile and config.get("compile_config"):
        optimizer = compile_from_config(model, config["compile_config"], custom_objects, reader.path)
        restore_optimizer(reader, optimizer_vars, optimizer, model)
    return model


# --- JSON -----------------------------------------------------------------------------------
def model_to_json(model, **kwargs):
    """The architecture (no weights) as a JSON string; ``kwargs`` go to ``json.dumps``."""
    config = model_to_config(model)
    config["keras_version"] = "3"
    config["gradiente_version"] = version()
    return json.dumps(config, **kwargs)


def model_from_json(json_string, custom_objects=None, safe_mode=True):
    """A model (new weights) from ``to_json``'s output."""
    if isinstance(json_string, str):
        data = json_string.encode("utf-8", "surrogatepass")
    elif isinstance(json_string, bytes):
        data = json_string
    else:
        raise TypeError(f"model_from_json() needs a JSON string, received {type(json_string).__name__}.")
    config = bounded_json.loads(data, limits.json_bound("<json string>"), "<json string>", "the JSON")
    return model_from_config(config, custom_objects, safe_mode, "<json string>")
