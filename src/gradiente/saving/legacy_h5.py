"""Legacy Keras 2 / tf.keras HDF5 files: whole models (``model.save("m.h5")``: the
architecture as the JSON attribute ``model_config``, compile arguments as
``training_config``, weights under ``model_weights``) and weight files
(``save_weights("w.h5")``: the same weights group at the root).

Weights are grouped per layer: the group's ``layer_names`` attribute lists the layers, each
layer's group lists its ``weight_names`` in the layer's weight order (trainable weights,
then non-trainable ones), and each name is a dataset path inside the layer's group. A whole
model's layers are matched by name; a weights file's by order of the layers that hold
weights, as Keras does. Keras 2's config format is translated to Keras 3's first.
"""
import json
import warnings

import numpy as np

from gradiente.saving import bounded_json, limits, weight_plan
from gradiente.saving.errors import ModelFormatError
from gradiente.saving.h5_file import H5Reader
from gradiente.saving.keras_config import translate

_MODEL_CLASSES = {"Model": "Functional"}
# Keras 2 arguments that tuned speed or memory only (results are the same for every value),
# or that Keras 3 itself drops when it reads a Keras 2 file.
_KERAS2_ONLY = ("implementation", "time_major", "fused", "input_length")


def load_legacy_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """The model in a legacy Keras ``.h5`` file, with its weights and compile arguments
    (the optimizer's state is not restored: Keras 2 stored it by TensorFlow's names)."""
    path = str(filepath)
    with H5Reader(filepath, path, "a Keras .h5 model") as h5:
        text = h5.attribute(h5.file, "model_config", "the file")
        if text is None:
            kind = ("a weights file (save_weights): build the model and call model.load_weights"
                    if h5.attribute(h5.file, "layer_names", "the file") is not None or
                    h5.group("layers", required=False) is not None
                    else "not a Keras model file")
            raise ModelFormatError(path, f"the HDF5 file has no model_config attribute: it is {kind}.")
        config = keras2_config(_json(text, path, "model_config"), path)
        weights_group = h5.group("model_weights")
        layers = _weight_groups(h5, weights_group, "model_weights")
        entries = [h5.check_dataset(d, where) for _, items in layers for where, d in items]
        from gradiente.saving.model_config import model_from_config

        with weight_plan.planned(entries, path, any_int=True):
            model = model_from_config(config, custom_objects, safe_mode, path)
        try:
            _assign(h5, model, layers, by_name=True)
        except ModelFormatError:
            raise
        except ValueError as err:  # the file's weights do not fit its own architecture
            raise ModelFormatError(path, str(err)) from None
        training = h5.attribute(h5.file, "training_config", "the file")
        if compile and training is not None:
            _compile(model, _json(training, path, "training_config"), custom_objects, path)
    return model


def load_legacy_weights(model, reader, skip_mismatch=False):
    """Set ``model``'s weights from a legacy weights file (an open ``H5Reader``)."""
    group = reader.group("model_weights", required=False) or reader.file
    _assign(reader, model, _weight_groups(reader, group, "the file"), by_name=False,
            skip_mismatch=skip_mismatch)


def is_legacy_weights(reader):
    return (reader.attribute(reader.file, "layer_names", "the file") is not None
            or reader.attribute(reader.file, "model_config", "the file") is not None)


def _json(text, path, name):
    if not isinstance(text, str):
        raise ModelFormatError(path, f"the attribute {name} is not JSON text.")
    data = text.encode("utf-8")
    return bounded_json.loads(data, limits.json_bound("<json string>"), path, name)


def save_legacy_model(model, filepath, overwrite=True, include_optimizer=True):
    """Write ``model`` as a legacy ``.h5`` file, as Keras 3's ``model.save("m.h5")`` does:
    ``model_config``, ``training_config`` and the ``model_weights`` group (the optimizer's
    state is not written). Needs h5py."""
    from gradiente.saving.h5_file import require_h5py
    from gradiente.saving.keras_archive import KERAS_VERSION, keras_model_config
    from gradiente.utils.atomic import atomic_write

    h5py = require_h5py(f"Saving '{filepath}' (HDF5)")
    full = keras_model_config(model, include_optimizer)
    training = full.get("compile_config")
    if training:
        training = {k: v for k, v in training.items() if k != "optimizer"}
        optimizer = full["compile_config"]["optimizer"]
        training["optimizer_config"] = {"class_name": optimizer["class_name"],
                                        "config": optimizer["config"]}
    with atomic_write(filepath, overwrite=overwrite) as handle, h5py.File(handle, "w") as f:
        f.attrs["keras_version"] = KERAS_VERSION
        f.attrs["backend"] = "gradiente"
        f.attrs["model_config"] = json.dumps(
            {"class_name": full["class_name"], "config": full["config"]}).encode("utf-8")
        if training:
            f.attrs["training_config"] = json.dumps(training).encode("utf-8")
        _write_weights(f.create_group("model_weights"), model)


def _write_weights(group, model):
    from gradiente.saving.saved_weights import saved_weights

    stored = {id(v): value for v, value in saved_weights(model)}
    group.attrs["layer_names"] = [layer.name.encode("utf-8") for layer in model.layers]
    group.attrs["backend"] = b"gradiente"
    # Keras writes the groups in name order, so no group name is a prefix written later.
    for layer in sorted(model.layers, key=lambda la: la.name):
        layer_group = group.create_group(layer.name)
        weights = [v for v in _layer_weights(layer) if id(v) in stored]
        names, taken = [], set()
        for v in weights:
            name = base = f"{layer.name}/{getattr(v, 'name', 'weight')}"
            n = 0
            while name in taken:  # a wrapper's two cells both hold a "kernel"
                n += 1
                name = f"{base}_{n}"
            taken.add(name)
            names.append(name)
            layer_group.create_dataset(name, data=np.asarray(stored[id(v)]))
        layer_group.attrs["weight_names"] = [n.encode("utf-8") for n in names]
    group.create_group("top_level_model_weights").attrs["weight_names"] = []


# --- weights ------------------------------------------------------------------------------
def _names(value):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if len(value) else []


def _weight_groups(h5, group, where):
    """[(layer name, [(dataset path, dataset)])] in the file's ``layer_names`` order."""
    out = []
    for layer_name in _names(h5.attribute(group, "layer_names", where)):
        layer_group = h5.child(group, layer_name, f"{where}/{layer_name}")
        if layer_group is None or not hasattr(layer_group, "keys"):
            raise ModelFormatError(h5.path, f"layer '{layer_name}' is listed but has no group.")
        items = []
        for weight_name in _names(h5.attribute(layer_group, "weight_names", layer_name)):
            dataset = layer_group
            for part in weight_name.split("/"):
                dataset = h5.child(dataset, part, f"{layer_name}/{weight_name}") if dataset is not None else None
            if dataset is None or hasattr(dataset, "keys"):
                raise ModelFormatError(h5.path, f"weight '{weight_name}' of layer '{layer_name}' is "
                                                "listed but not stored.")
            items.append((f"{layer_name}/{weight_name}", dataset))
        out.append((layer_name, items))
    return out


def _layer_weights(layer):
    """A layer's weights in Keras 2's order: trainable ones, then the others."""
    weights = layer.weights
    return [v for v in weights if v.trainable] + [v for v in weights if not v.trainable]


def _assign(h5, model, groups, by_name, skip_mismatch=False):
    from gradiente.saving.saved_weights import after_loading

    layers = [layer for layer in model.layers if _layer_weights(layer)]
    stored = [(name, items) for name, items in groups if items]
    if by_name:
        index = {layer.name: layer for layer in layers}
        missing = [name for name, _ in stored if name not in index]
        if missing or len(stored) != len(layers):
            raise ModelFormatError(h5.path, (
                f"the file holds weights for the layers {[n for n, _ in stored][:8]}, but the "
                f"architecture's layers with weights are {[la.name for la in layers][:8]}."))
        pairs = [(index[name], items) for name, items in stored]
    else:
        if len(stored) != len(layers):
            raise ValueError(
                f"'{h5.path}' holds weights for {len(stored)} layers "
                f"({', '.join(n for n, _ in stored[:6])}), but model '{model.name}' has "
                f"{len(layers)} layers with weights ({', '.join(la.name for la in layers[:6])}).")
        pairs = list(zip(layers, (items for _, items in stored)))
    plan = []
    for layer, items in pairs:
        variables = _layer_weights(layer)
        if len(items) != len(variables):
            raise ValueError(f"'{h5.path}': layer '{layer.name}' has {len(variables)} weights, but "
                             f"the file stores {len(items)} for it ({items[0][0]}, ...).")
        for v, (where, dataset) in zip(variables, items):
            shape, _ = h5.check_dataset(dataset, where)
            if shape != tuple(v.data.shape):
                message = (f"weight '{where}' has shape {shape} in the file, but layer "
                           f"'{layer.name}' needs {tuple(v.data.shape)}.")
                if not skip_mismatch:
                    raise ValueError(f"'{h5.path}': {message}")
                warnings.warn("Skipping: " + message, UserWarning, stacklevel=4)
                continue
            plan.append((v, where, dataset))
    values = [(v, h5.read(dataset, where)) for v, where, dataset in plan]
    for v, value in values:
        v.data[...] = value
    after_loading(model)


# --- Keras 2 configs ----------------------------------------------------------------------
def keras2_config(config, path):
    """A Keras 2 model config in Keras 3's form (then translated as Keras 3's)."""
    return translate(_upgrade(config, path, 0), path)


def _upgrade(value, path, depth):
    if depth > 400:
        raise ModelFormatError(path, "the architecture is nested too deeply.")
    if isinstance(value, list):
        return [_upgrade(v, path, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    value = {k: _upgrade(v, path, depth + 1) for k, v in value.items()}
    class_name = value.get("class_name")
    inner = value.get("config")
    if not isinstance(class_name, str) or not isinstance(inner, dict):
        return value
    if class_name in _MODEL_CLASSES and "layers" in inner:
        value["class_name"] = _MODEL_CLASSES[class_name]
    for key in _KERAS2_ONLY:
        inner.pop(key, None)
    if class_name == "Lambda" and "function_type" in inner:
        _keras2_lambda(inner, path)
    if class_name == "InputLayer" and "batch_input_shape" in inner:
        inner["batch_shape"] = inner.pop("batch_input_shape")
    if class_name == "Sequential" and isinstance(inner.get("layers"), list):
        _input_layer_first(inner, path)
    return value


def _keras2_lambda(config, path):
    """Keras 2 stored a Lambda's function either by name (kept: a registered function
    resolves) or as marshalled bytecode, which is never run here."""
    kind = config.pop("function_type")
    for key in ("module", "output_shape_type", "output_shape_module"):
        config.pop(key, None)
    if kind != "function" or not isinstance(config.get("function"), str):
        raise ModelFormatError(path, (
            f"the model contains a Lambda layer ('{config.get('name')}') whose function Keras 2 "
            "stored as marshalled Python bytecode. gradiente never runs code from a file (nor "
            "could bytecode from another Python version load): rebuild the model in code and "
            "use model.load_weights() on this file."))
    config["function"] = {"class_name": "function", "config": config["function"]}


def _input_layer_first(config, path):
    """Keras 2 kept a Sequential's input shape on its first layer (``batch_input_shape``);
    Keras 3 (and we) keep it on an InputLayer."""
    layers = config["layers"]
    for entry in layers:
        inner = entry.get("config") if isinstance(entry, dict) else None
        if isinstance(inner, dict) and "batch_input_shape" in inner:
            shape = inner.pop("batch_input_shape")
            if entry is layers[0] and entry.get("class_name") != "InputLayer":
                layers.insert(0, {"class_name": "InputLayer", "config": {
                    "batch_shape": shape, "dtype": inner.get("dtype", "float32"),
                    "name": f"{inner.get('name', 'input')}_input"}})


def _compile(model, training, custom_objects, path):
    from gradiente.saving.compile_config import compile_from_config

    if not isinstance(training, dict):
        raise ModelFormatError(path, "training_config is not a JSON object.")
    config = {"optimizer": training.get("optimizer_config"), "loss": training.get("loss"),
              "metrics": training.get("metrics"),
              "weighted_metrics": training.get("weighted_metrics"),
              "loss_weights": training.get("loss_weights")}
    try:
        if isinstance(config["optimizer"], dict):
            config["optimizer"] = _keras2_optimizer(config["optimizer"], path)
        compile_from_config(model, translate(config, path), custom_objects, path)
    except (ValueError, TypeError) as err:  # as Keras 3, whose compile() raises here
        reason = err.reason if isinstance(err, ModelFormatError) else str(err)
        raise ModelFormatError(path, f"its compile arguments cannot be restored ({reason}); "
                                     "pass compile=False to load the model without them.") from None


def _keras2_optimizer(record, path):
    name = record.get("class_name")
    config = dict(record.get("config") or {})
    if isinstance(name, str) and name.startswith("Custom>"):
        name = name[len("Custom>"):]  # tf.keras 2.11+ registered its built-ins so
    for key in ("jit_compile", "is_legacy_optimizer"):
        config.pop(key, None)
    if "lr" in config and "learning_rate" not in config:
        config["learning_rate"] = config.pop("lr")
    if config.get("decay", 0) not in (0, 0.0, None):
        raise ModelFormatError(path, f"the optimizer uses Keras 2's decay={config['decay']}, which "
                                     "Keras 3 (and gradiente) replaced by learning-rate schedules.")
    config.pop("decay", None)
    if isinstance(config.get("name"), str):
        config["name"] = config["name"].lower()
    return {"class_name": name, "config": config}
