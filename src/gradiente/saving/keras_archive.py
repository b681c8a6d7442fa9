"""Keras 3's ``.keras`` archive, read and written: a zip of ``metadata.json``
(``keras_version``, ``date_saved``), ``config.json`` (Keras's serialized model, with its
``compile_config``) and ``model.weights.h5`` (the variables by Keras's object tree, see
``keras_weights_h5``), plus ``assets/`` files: the adapted vocabularies of lookup layers
(see ``keras_assets``).

Reading needs h5py; the architecture goes through the same checks as our own format
(bounded JSON, only built-in or registered classes, Lambda code refused in safe mode) and
every weight the architecture creates must match an array the file holds, before it is
allocated. Writing produces an archive real Keras 3 loads with ``keras.saving.load_model``.
"""
import datetime
import io
import json
import os
import zipfile

from gradiente.saving import builtins, keras_assets, weight_plan
from gradiente.saving.archive import ArchiveReader
from gradiente.saving.compile_config import compile_from_config, compile_to_config
from gradiente.saving.errors import ModelFormatError
from gradiente.saving.h5_file import H5Reader, require_h5py
from gradiente.saving.keras_config import keras_call_records, translate
from gradiente.saving.keras_weights_h5 import (
    keras_objects, read_keras_weights, restore_optimizer_from, write_keras_weights,
)
from gradiente.saving.model_config import model_from_config, model_to_config
from gradiente.utils.atomic import atomic_write

WEIGHTS_MEMBER = "model.weights.h5"
MEMBERS = {"config.json", "metadata.json", WEIGHTS_MEMBER}
# The Keras version written into metadata.json: the release whose format this follows.
KERAS_VERSION = "3.15.1"


def is_keras_archive(names):
    """Whether a zip's member names are Keras 3's layout (not gradiente's own)."""
    return "config.json" in names and any(
        n in (WEIGHTS_MEMBER, "model.weights.npz") or n.startswith("assets/") for n in names)


def _refuse_unsupported(path):
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    if "model.weights.npz" in names:
        raise ModelFormatError(path, "its weights are stored as model.weights.npz (Keras's "
                                     "weights_format='npz'); gradiente reads the default "
                                     "model.weights.h5. Re-save it with Keras's default format.")


def load_keras_archive(filepath, custom_objects=None, compile=True, safe_mode=True):
    """The model in a Keras 3 ``.keras`` archive, with its weights (and, with ``compile``,
    its compile arguments and optimizer state)."""
    path = os.fspath(filepath)
    require_h5py(f"Loading the Keras archive '{path}'")
    try:
        _refuse_unsupported(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise ModelFormatError(path, f"the zip archive cannot be read ({err}).") from None
    with ArchiveReader(path, MEMBERS, [r"assets/.*"], "model") as reader:
        for name in MEMBERS:
            if not reader.has(name):
                raise ModelFormatError(path, f"the Keras archive has no {name}.")
        _check_metadata(reader.read_json("metadata.json"), path)
        raw = reader.read_json("config.json")
        if not isinstance(raw, dict):
            raise ModelFormatError(path, "config.json is not a JSON object.")
        config = translate(raw, path)
        with H5Reader(weights_member(reader), path, "Keras weights") as h5:
            datasets = h5.datasets_under("")
            entries = [h5.check_dataset(d, k) for k, d in datasets.items()
                       if not k.startswith("optimizer/")]
            with weight_plan.planned(entries, path, any_int=True):
                model = model_from_config(config, custom_objects, safe_mode, path)
            state = {}
            try:
                optimizer_sets = read_keras_weights(h5, model, check_names=True, state=state)
            except ModelFormatError:
                raise
            except ValueError as err:  # a shape the archive's own architecture does not fit
                raise ModelFormatError(path, str(err)) from None
            keras_assets.load_assets(reader, keras_objects(model), state)
            if compile and config.get("compile_config"):
                optimizer = compile_from_config(model, config["compile_config"], custom_objects, path)
                restore_optimizer_from(h5, optimizer_sets, optimizer, model)
    return model


def weights_member(reader):
    """The bytes of ``model.weights.h5`` (its declared size was checked when the archive
    was opened): HDF5 needs random access, and its heaps are checked on the bytes."""
    info = reader.members[WEIGHTS_MEMBER]
    with reader._reading(WEIGHTS_MEMBER), reader.zip.open(info) as member:
        data = member.read(info.file_size + 1)
    if len(data) != info.file_size:
        raise ModelFormatError(reader.path, f"{WEIGHTS_MEMBER} holds {len(data)} bytes, not the "
                                            f"{info.file_size} its header declares.")
    return data


def _check_metadata(meta, path):
    if not isinstance(meta, dict):
        raise ModelFormatError(path, "metadata.json is not a JSON object.")
    version = meta.get("keras_version")
    if not isinstance(version, str) or not version.split(".")[0].isdigit():
        raise ModelFormatError(path, f"metadata.json has no valid keras_version "
                                     f"({str(version)[:40]!r}).")
    if int(version.split(".")[0]) != 3:
        raise ModelFormatError(path, f"it was written by Keras {version[:20]}; gradiente reads "
                                     "Keras 3 archives (and legacy .h5 files).")


# --- writing ------------------------------------------------------------------------------
def keras_model_config(model, include_optimizer=True):
    """``config.json`` as Keras 3 writes it for ``model``."""
    from gradiente.models.functional import Functional
    from gradiente.models.sequential import Sequential

    for layer in model._flatten_layers():
        if type(layer).__name__ == "OpLayer" and type(layer).__module__.startswith("gradiente."):
            raise ValueError(
                f"Model '{model.name}' cannot be written for Keras: layer '{layer.name}' applies "
                f"keras.ops.{getattr(layer, 'op_name', '?')} to symbolic tensors, which Keras 3 "
                "records in a form gradiente does not write. Use a layer (keras.layers.Add, "
                "Concatenate, ...) in its place, or save in gradiente's format.")
    config = model_to_config(model)
    if isinstance(model, Functional) and not isinstance(model, Sequential):
        keras_call_records(model, config["config"])
    config["compile_config"] = _keras_labels(compile_to_config(model)) if include_optimizer else None
    return keras_assets.keras_preprocessing_configs(_keras_labels(config))


# Our class names that Keras registers under another name.
_KERAS_CLASS_NAMES = {"GroupedQueryAttention": "GroupQueryAttention"}


def _keras_labels(value):
    """Our module labels as Keras's (Keras resolves a built-in class by them) and our
    per-output marker as the plain dict Keras writes."""
    if isinstance(value, list):
        return [_keras_labels(v) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"__per_output__"}:
        return _keras_labels(value["__per_output__"])
    out = {k: _keras_labels(v) for k, v in value.items()}
    if ("module" not in out and isinstance(out.get("class_name"), str)
            and isinstance(out.get("config"), dict) and out["class_name"] in builtins.classes("layers")):
        # A wrapped layer (Bidirectional's, TimeDistributed's) written without its labels:
        # Keras resolves a record without a module only among registered custom objects.
        out = {"module": "keras.layers", **out, "registered_name": None}
    if out.get("module") == "keras.layers" and out.get("class_name") in _KERAS_CLASS_NAMES:
        out["class_name"] = _KERAS_CLASS_NAMES[out["class_name"]]
    module = out.get("module")
    if isinstance(module, str) and module.startswith("gradiente"):
        out["module"] = "keras" + module[len("gradiente"):]
        if out["module"] == "keras.models":
            # Keras files Sequential under "keras" and Functional under its source module.
            functional = out.get("class_name") == "Functional"
            out["module"] = "keras.src.models.functional" if functional else "keras"
    return out


def save_keras_archive(model, filepath, overwrite=True, include_optimizer=True):
    """Write ``model`` as a Keras 3 ``.keras`` archive (needs h5py), atomically."""
    h5py = require_h5py(f"Writing the Keras archive '{os.fspath(filepath)}'")
    config = keras_model_config(model, include_optimizer)
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        write_keras_weights(h5, model, include_optimizer and bool(config["compile_config"]))
    assets = keras_assets.asset_files(keras_objects(model))
    with atomic_write(filepath, overwrite=overwrite) as handle:
        with zipfile.ZipFile(handle, "w") as archive:
            archive.writestr("metadata.json", json.dumps(metadata))
            archive.writestr("config.json", json.dumps(config))
            archive.writestr(WEIGHTS_MEMBER, buffer.getvalue())
            for name, data in assets.items():
                archive.writestr(name, data)
