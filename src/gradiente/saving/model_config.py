"""A model's architecture as JSON, and a model back from it (safely).

``model_to_config`` gives Keras's top-level layout: ``{"module", "class_name", "config",
"registered_name", "build_config"}``. ``model_from_config`` checks every class the config
names before constructing anything: built-in layers and models, or user classes that are
registered or passed in ``custom_objects``; a Lambda layer's Python code is refused
unless ``safe_mode=False``.
"""
import contextlib
import contextvars

from gradiente.saving import registry
from gradiente.saving.errors import ModelFormatError
from gradiente.saving.serialization import (
    _deserialize_function, _jsonable, builtin_layers, call_from_config, unknown_class_message,
)

_unsafe_allowed = contextvars.ContextVar("gradiente_unsafe_deserialization", default=False)
_unsafe_everywhere = [False]


def enable_unsafe_deserialization():
    """Allow Lambda layers' stored bytecode everywhere in this process (only for files
    you trust), as ``keras.config.enable_unsafe_deserialization``."""
    _unsafe_everywhere[0] = True


def unsafe_deserialization_allowed():
    """True inside ``load_model(..., safe_mode=False)`` (or after
    ``enable_unsafe_deserialization()``): Lambda layers may rebuild code."""
    return _unsafe_everywhere[0] or _unsafe_allowed.get()


@contextlib.contextmanager
def safe_mode_scope(safe_mode):
    token = _unsafe_allowed.set(not safe_mode)
    try:
        yield
    finally:
        _unsafe_allowed.reset(token)


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
        "registered_name": registry._NAME_OF.get(id(type(model))),
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
        with safe_mode_scope(safe_mode):
            if issubclass(cls, Functional):
                model = call_from_config(cls, inner, resolved, path)
            else:
                model = call_from_config(cls, inner, None, path)
            build = config.get("build_config") or {}
            if not model.built and build.get("input_shape") is not None:
                try:
                    model.build(_shape(build["input_shape"]))
                except (TypeError, ValueError) as err:
                    raise ModelFormatError(path, f"building the model for input shape "
                                                 f"{build['input_shape']} failed: {err}") from err
    except MemoryError:
        raise ModelFormatError(path, "the architecture declares weights too large for memory.") from None
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
    user = registry.lookup(class_name, registered_name if isinstance(registered_name, str) else None,
                           custom_objects)
    if user is not None:
        if not (isinstance(user, type) and issubclass(user, Layer)):
            raise ModelFormatError(path, f"the custom object {class_name!r} is not a Layer class.")
        resolved[class_name] = user
        return user
    table = builtin_layers()
    if class_name in table:
        return table[class_name]
    raise ModelFormatError(path, unknown_class_message(class_name, registered_name, "layers",
                                                       custom_objects))


class _Walker:
    """Checks every class a layer config names, replacing references to user objects
    (custom activations, initializers, regularizers, constraints) by the objects."""

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
        for key, value in list(config.items()):
            if key == "layers" and isinstance(value, list):
                for entry in value:
                    self.layer_entry(entry)
            elif key in ("layer", "backward_layer", "cell") and isinstance(value, dict) and "class_name" in value:
                self.layer_entry(value)
            elif isinstance(value, dict) and value.get("class_name") == "__lambda__":
                continue  # Lambda bytecode: allowed (or refused) by _check_lambda
            elif isinstance(value, dict) and "class_name" in value and "config" in value:
                config[key] = self._nested_object(key, value)
            elif isinstance(value, str) and key.endswith("activation"):
                config[key] = self._activation(key, value)
        self.depth -= 1

    def _nested_object(self, key, value):
        from gradiente import constraints, initializers, regularizers

        class_name = value.get("class_name")
        registered_name = value.get("registered_name")
        if class_name == "function":  # a function reference, e.g. a registered activation
            name = value.get("config")
            user = registry.lookup(str(name).split(">")[-1], name if ">" in str(name) else None,
                                   self.custom_objects) if isinstance(name, str) else None
            if user is None:
                if key.endswith("activation") and isinstance(name, str):
                    return self._activation(key, name)
                return _deserialize_function(value, self.custom_objects, self.path)
            return user
        user = registry.lookup(class_name, registered_name if isinstance(registered_name, str) else None,
                               self.custom_objects) if isinstance(class_name, str) else None
        if user is not None:
            inner = value.get("config") or {}
            if isinstance(user, type):
                return call_from_config(user, inner, self.custom_objects, self.path)
            return user
        known = (set(initializers._CLASSES) | set(initializers._ALIASES) | set(regularizers._NAMES)
                 | set(constraints._NAMES))
        if class_name in known or key in ("dtype", "config"):
            return value
        raise ModelFormatError(self.path, unknown_class_message(
            str(class_name), registered_name, "objects", self.custom_objects))

    def _activation(self, key, name):
        from gradiente import activations

        if name in activations.ALL or name in activations._ALIASES:
            return name
        user = registry.lookup(name.split(">")[-1], name if ">" in name else None, self.custom_objects)
        if user is not None:
            return user
        raise ModelFormatError(self.path, (
            f"unknown activation {name!r} in `{key}`: it is neither a built-in activation nor a "
            f"registered custom function. Registered/custom objects now: "
            f"{', '.join(registry.available_names(self.custom_objects)) or 'none'}. Register it "
            "with @keras.saving.register_keras_serializable() or pass custom_objects="
            f"{{'{name}': {name}}}."))

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
