"""A model's architecture as JSON, and a model back from it (safely).

``model_to_config`` gives Keras's top-level layout: ``{"module", "class_name", "config",
"registered_name", "build_config"}``. ``model_from_config`` checks every class the config
names before constructing anything: built-in layers and models, or user classes that are
registered or passed in ``custom_objects``; a Lambda layer's Python code is refused
unless ``safe_mode=False``.
"""
from gradiente.saving import builtins, registry, weight_plan
from gradiente.saving.errors import ModelFormatError
from gradiente.saving.safe_mode import _unsafe_everywhere, safe_mode_scope
from gradiente.saving.safe_mode import unsafe_deserialization_allowed  # noqa: F401  (lambda_layer imports it here)
from gradiente.saving.serialization import (
    _deserialize_function, _jsonable, call_from_config, unknown_class_message,
)

_SPECIAL_RECORDS = ("__numpy__", "__tensor__", "__bytes__", "__ellipsis__", "__slice__")


def model_to_config(model):
    """The architecture of ``model`` (a Sequential, Functional or registered subclass)."""
    try:
        config = model.get_config()
    except NotImplementedError as err:
        raise ValueError(
            f"Model '{model.name}' ({type(model).__name__}) cannot be saved: {err}"
        ) from None
    out = {
        "module": "gradiente.models" if type(model).__module__.startswith("gradiente.") else "custom",
        "class_name": type(model).__name__,
        "config": _jsonable(config, model),
        "registered_name": registry.registered_name_or_none(type(model)),
    }
    shape = getattr(model, "_build_input_shape", None)
    if model.built and shape is not None:
        out["build_config"] = {"input_shape": _jsonable(shape, model)}
    return out


def model_from_config(config, custom_objects=None, safe_mode=True, path="<config>"):
    """A new model (fresh weights) from ``model_to_config``'s output."""
    from gradiente import backend
    from gradiente.layers.layer import Layer
    from gradiente.models.functional import Functional

    if not isinstance(config, dict) or "class_name" not in config:
        raise ModelFormatError(path, "the architecture is not a {'class_name', 'config'} object.")
    resolved = dict(custom_objects or {})
    cls = _layer_class(config, resolved, custom_objects, path)
    inner = config.get("config")
    if not isinstance(inner, dict):
        raise ModelFormatError(path, f"the config of the model ({config['class_name']!r}) is not a JSON object.")
    _Walker(resolved, custom_objects, safe_mode, path).layer_config(inner)
    if not issubclass(cls, Layer):
        raise ModelFormatError(path, f"{config['class_name']!r} is not a layer or model class.")
    # Building draws initial weights from the library's generator; loading must not
    # change the random stream the user's code sees next.
    generator = backend.rng()
    state = generator.bit_generator.state
    try:
        # The scope lets nested get()/deserialize() calls in user code find custom_objects;
        # the weight plan (the archive's arrays, set by load_model) is checked by every
        # add_weight before it allocates.
        with safe_mode_scope(safe_mode), registry.CustomObjectScope(custom_objects), \
                weight_plan.planned(None, path):
            model = call_from_config(cls, inner, resolved if issubclass(cls, Functional) else None, path)
            build = config.get("build_config") or {}
            if not model.built and build.get("input_shape") is not None:
                try:
                    model.build(_shape(build["input_shape"]))
                except (TypeError, ValueError) as err:
                    raise ModelFormatError(path, f"building the model for input shape "
                                                 f"{build['input_shape']} failed: {err}") from err
    except (MemoryError, OverflowError) as err:
        raise ModelFormatError(path, "the architecture declares sizes too large for memory "
                                     f"({type(err).__name__}: {err}).") from None
    except RecursionError:
        raise ModelFormatError(path, "the architecture is nested too deeply.") from None
    finally:
        generator.bit_generator.state = state
    return model


def _shape(value):
    if isinstance(value, list) and all(d is None or isinstance(d, int) for d in value):
        return tuple(value)
    if isinstance(value, list):
        return [_shape(v) for v in value]
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    return value


def _layer_class(entry, resolved, custom_objects, path):
    """The class of a layer entry ``{"class_name", "config"}``; user classes found are
    added to ``resolved`` (the table Functional.from_config looks names up in)."""
    from gradiente.layers.layer import Layer

    if not isinstance(entry, dict):
        raise ModelFormatError(path, f"a layer entry is not a JSON object: {str(entry)[:80]!r}.")
    class_name = entry.get("class_name")
    registered_name = entry.get("registered_name")
    if not isinstance(class_name, str):
        raise ModelFormatError(path, f"a layer entry has no class_name: {str(entry)[:80]!r}.")
    registered = registered_name if isinstance(registered_name, str) else None
    user = registry.find_user_object(class_name, registered, custom_objects)
    table = builtins.classes("layers")
    if user is None and class_name not in table:
        user = registry.lookup(class_name, registered, custom_objects)
    if user is not None:
        if not (isinstance(user, type) and issubclass(user, Layer)):
            raise ModelFormatError(path, f"the custom object {class_name!r} is not a Layer class.")
        resolved[class_name] = user
        return user
    if class_name in table:
        return table[class_name]
    raise ModelFormatError(path, unknown_class_message(class_name, registered_name, "layers",
                                                       custom_objects))


class _Walker:
    """Checks every class and function a layer config names before anything is built.

    It only reads: objects nested in a config stay dicts for the owner's ``from_config``
    to deserialize, as in Keras (which finds user objects through the custom object scope
    ``model_from_config`` holds open)."""

    def __init__(self, resolved, custom_objects, safe_mode, path):
        self.resolved = resolved
        self.custom_objects = custom_objects
        self.safe_mode = safe_mode
        self.path = path
        self.depth = 0

    def layer_entry(self, entry):
        cls = _layer_class(entry, self.resolved, self.custom_objects, self.path)
        inner = entry.get("config")
        if not isinstance(inner, dict):
            raise ModelFormatError(self.path, f"the config of layer entry {entry.get('class_name')!r} "
                                              "is not a JSON object.")
        if cls.__name__ == "Lambda" and cls.__module__.startswith("gradiente."):
            self._check_lambda(inner)
        self.layer_config(inner)

    def layer_config(self, config):
        self.depth += 1
        if self.depth > 200:
            raise ModelFormatError(self.path, "the architecture is nested too deeply.")
        for key, value in config.items():
            if key == "layers" and isinstance(value, list):
                for entry in value:
                    self.layer_entry(entry)
            elif key in ("layer", "backward_layer", "cell") and isinstance(value, dict) and "class_name" in value:
                self.layer_entry(value)
            elif isinstance(value, dict) and value.get("class_name") == "__lambda__":
                continue  # Lambda bytecode: allowed (or refused) by _check_lambda
            elif isinstance(value, dict) and "class_name" in value and "config" in value:
                self._check_object(key, value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, dict) and "class_name" in item and "config" in item:
                        self._check_object(key, item)
            elif isinstance(value, str) and key.endswith("activation"):
                self._activation(key, value)
        self.depth -= 1

    def _check_object(self, key, value):
        """A nested ``{"class_name", "config"}`` record must name a function, a built-in
        class or a user class; a class's own config is checked in turn."""
        from gradiente.layers.layer import Layer

        class_name = value.get("class_name")
        registered_name = value.get("registered_name")
        if class_name == "function":
            name = value.get("config")
            if key.endswith("activation") and isinstance(name, str):
                self._activation(key, name, value.get("module"))
            else:
                _deserialize_function(value, self.custom_objects, self.path)
            return
        if class_name in _SPECIAL_RECORDS or key in ("dtype", "config"):
            return
        registered = registered_name if isinstance(registered_name, str) else None
        found = None
        if isinstance(class_name, str):
            found = registry.find_user_object(class_name, registered, self.custom_objects)
            if found is None:
                found, _ = builtins.find_class(class_name, value.get("module"))
            if found is None:
                found = registry.lookup(class_name, registered, self.custom_objects)
        if found is None:
            raise ModelFormatError(self.path, unknown_class_message(
                str(class_name), registered_name, "objects", self.custom_objects))
        if isinstance(found, type) and issubclass(found, Layer):
            self.layer_entry(value)
        elif isinstance(value["config"], dict):
            self.layer_config(value["config"])

    def _activation(self, key, name, module=None):
        from gradiente import activations

        if name in activations.ALL or name in activations._ALIASES:
            return
        short = name.rpartition(">")[2]
        if registry.find_user_object(short, name, self.custom_objects) is not None:
            return
        if module not in (None, "builtins") and builtins.find_function(name, module) is not None:
            return
        if registry.find_by_short_name(short) is not None:
            return
        raise ModelFormatError(self.path, (
            f"unknown activation {name!r} in `{key}`: it is neither a built-in activation nor a "
            f"registered custom function. Registered/custom objects now: "
            f"{', '.join(registry.available_names(self.custom_objects)) or 'none'}. Register it "
            "with @keras.saving.register_keras_serializable() or pass custom_objects="
            f"{{'{short}': {short}}}."))

    def _check_lambda(self, config):
        function = config.get("function")
        if (isinstance(function, dict) and function.get("class_name") == "__lambda__"
                and self.safe_mode and not _unsafe_everywhere[0]):
            raise ModelFormatError(self.path, lambda_refusal(config.get("name")))


def lambda_refusal(name):
    return (f"the model contains a Lambda layer ('{name}') whose function is stored as Python "
            "bytecode. Loading it would run arbitrary code from the file, so it is refused in "
            "safe mode. If you trust the file's source, pass safe_mode=False to load_model "
            "(or register the function with @keras.saving.register_keras_serializable() so "
            "it is saved by name instead of as code).")
