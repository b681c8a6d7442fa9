"""``keras.saving.serialize_keras_object`` / ``deserialize_keras_object`` in Keras 3's format.

An object becomes ``{"module", "class_name", "config", "registered_name"}`` (a built layer
adds ``"build_config"``); a function becomes ``{"module": "builtins", "class_name":
"function", "config": <registered name>, "registered_name": "function"}``; NumPy arrays,
tensors, bytes, slices and ``...`` get Keras's ``"__numpy__"``-style records.

Deserializing looks a name up in ``custom_objects``, the active custom object scopes and
the registry, then among the built-in classes and functions; ``module`` only chooses a
table and is never imported, and no string is ever evaluated. ``from_config`` runs inside a
custom object scope holding ``custom_objects``, so nested ``get`` / ``deserialize`` calls
in user code find them too, as in Keras.
"""
import types

import numpy as np

from gradiente.saving import builtins, registry
from gradiente.saving.construct import instantiate
from gradiente.saving.safe_mode import in_safe_mode, safe_mode_scope

_PLAIN = (str, int, float, bool)


class NotSerializable(ValueError):
    """An object (a lambda, an object without get_config) that a config cannot describe."""


class UnknownObjectError(TypeError, ValueError):
    """A config names a class or function that is neither built in nor registered nor
    given in custom_objects. Keras raises TypeError here; gradiente's loaders raised
    ValueError before, so it is both."""


# --- serializing ----------------------------------------------------------------------
def serialize_keras_object(obj):
    """A JSON-ready description of ``obj``, which ``deserialize_keras_object`` turns back
    into an equal object. Lists, tuples and dicts keep their shape."""
    if obj is None or isinstance(obj, _PLAIN):
        return obj
    if isinstance(obj, (list, tuple)):
        items = [serialize_keras_object(v) for v in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        return {key: serialize_keras_object(value) for key, value in obj.items()}
    special = _serialize_special(obj)
    if special is not None:
        return special
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        return _serialize_function(obj)
    if isinstance(obj, type):
        raise NotSerializable(f"Cannot serialize the class {obj.__name__} itself; serialize an "
                              "instance of it (classes are found by name when loading).")
    if hasattr(obj, "get_config"):
        return _serialize_instance(obj)
    raise NotSerializable(
        f"Cannot serialize {obj!r:.80} of type {type(obj).__name__}: to be serializable, its "
        "class must implement get_config() (and be registered with "
        "@keras.saving.register_keras_serializable() to load without custom_objects)."
    )


def _serialize_special(obj):
    from gradiente.autodiff.tensor import Tensor

    if isinstance(obj, Tensor):
        return {"class_name": "__tensor__",
                "config": {"value": obj.data.tolist(), "dtype": obj.data.dtype.name}}
    if isinstance(obj, np.ndarray):
        if obj.ndim == 0:
            return obj.item()
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(), "dtype": obj.dtype.name}}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.dtype):
        return obj.name
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, slice):
        return {"class_name": "__slice__", "config": {
            "start": serialize_keras_object(obj.start), "stop": serialize_keras_object(obj.stop),
            "step": serialize_keras_object(obj.step)}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    return None


def _serialize_function(fn):
    name = registry.get_registered_name(fn)
    if name == "<lambda>":
        raise NotSerializable(
            "Cannot serialize a lambda: gradiente never stores Python code outside a Lambda "
            "layer. Use a named function decorated with @keras.saving.register_keras_serializable()."
        )
    return {"module": "builtins", "class_name": "function", "config": name, "registered_name": "function"}


def _serialize_instance(obj):
    from gradiente.layers.layer import Layer

    config = obj.get_config()
    if not isinstance(config, dict):
        raise TypeError(f"{type(obj).__name__}.get_config() must return a dict, but it returned "
                        f"{type(config).__name__}: {config!r:.80}")
    cls = type(obj)
    module = builtins.module_label(cls)
    if module is not None:
        registered = "Functional" if cls.__name__ == "Functional" else None
    else:
        module, registered = cls.__module__, registry.get_registered_name(cls)
        if module == "__main__":
            module = None  # Keras records no module for a class defined in the script itself
    out = {"module": module, "class_name": cls.__name__,
           "config": serialize_keras_object(config), "registered_name": registered}
    shape = getattr(obj, "_build_input_shape", None)
    shapes = getattr(obj, "_build_shapes_dict", None)  # build(query_shape, value_shape, ...)
    if isinstance(obj, Layer) and obj.built and shapes is not None:
        out["build_config"] = {"shapes_dict": serialize_keras_object(shapes)}
    elif isinstance(obj, Layer) and obj.built and shape is not None:
        out["build_config"] = {"input_shape": serialize_keras_object(shape)}
    return out


def layer_entry(layer):
    """A layer's entry in a Sequential or Functional config (Keras's record, without the
    build config: the model builds its layers when it wires them)."""
    entry = serialize_keras_object(layer)
    entry.pop("build_config", None)
    return entry


# --- deserializing --------------------------------------------------------------------
def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object ``config`` describes (the inverse of ``serialize_keras_object``).

    ``custom_objects``: {name: class or function} for user objects that are not registered.
    ``safe_mode=False`` lets Lambda layers rebuild stored Python code (trusted configs only).
    ``module_objects`` (keyword): an extra {name: object} table, looked up last.
    """
    module_objects = kwargs.pop("module_objects", None)
    if kwargs:
        raise TypeError(f"deserialize_keras_object() got unexpected keyword argument(s) {sorted(kwargs)}.")
    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise TypeError(f"custom_objects must be a dict of {{name: class or function}}, received "
                        f"{type(custom_objects).__name__}.")
    return _deserialize(config, dict(custom_objects or {}), module_objects, safe_mode)


def _deserialize(config, custom, module_objects, safe_mode):
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        found = registry.get_registered_object(config, custom, module_objects)
        return config if found is None else found
    if isinstance(config, (list, tuple)):
        return [_deserialize(v, custom, module_objects, safe_mode) for v in config]
    if not isinstance(config, dict):
        return _already_built(config)
    if "class_name" not in config or "config" not in config:
        return {key: _deserialize(v, custom, module_objects, safe_mode) for key, v in config.items()}
    class_name = config["class_name"]
    inner = {} if config["config"] is None else config["config"]
    if isinstance(class_name, str) and class_name.startswith("__") and class_name.endswith("__"):
        return _deserialize_special(class_name, inner, custom, module_objects, safe_mode)
    if class_name == "function":
        return resolve_function(inner, config.get("module"), custom, module_objects)
    if not isinstance(inner, dict):
        raise TypeError(f"Expected 'config' to be a dict for {class_name!r}, received "
                        f"{type(inner).__name__}: {inner!r:.80}")
    cls = resolve_class(class_name, config.get("registered_name"), config.get("module"), custom,
                        module_objects)
    if not isinstance(cls, type):
        return cls  # a name registered for a function
    if not hasattr(cls, "from_config"):
        raise TypeError(f"Cannot rebuild {class_name!r}: the class {cls.__name__} has no from_config().")
    with registry.CustomObjectScope(custom), safe_mode_scope(safe_mode):
        instance = instantiate(cls, inner, custom)
        _restore_build(instance, config.get("build_config"))
    return instance


def _already_built(obj):
    """A from_config given get_config()'s live values (not a record) gets them back, as
    long as sharing them is harmless; Keras refuses every such value with a TypeError.
    Layers, metrics and optimizers hold state, so a rebuilt object must not share them."""
    from gradiente.layers.layer import Layer
    from gradiente.metrics import Metric
    from gradiente.optimizers import Optimizer

    if isinstance(obj, (Layer, Metric, Optimizer)):
        raise TypeError(
            f"Could not parse config: deserialize_keras_object was given the {type(obj).__name__} "
            f"object {getattr(obj, 'name', obj)!r} itself, not its record. Rebuilding would share "
            "its state; return keras.saving.serialize_keras_object(obj) from get_config() (Keras "
            "models do this for their layers), or rebuild it in from_config."
        )
    return obj


def _deserialize_special(class_name, inner, custom, module_objects, safe_mode):
    from gradiente.autodiff.tensor import Tensor

    if not isinstance(inner, dict):
        raise TypeError(f"Expected 'config' to be a dict for {class_name!r}, received {inner!r:.80}")
    if class_name in ("__numpy__", "__tensor__"):
        dtype = np.dtype(inner.get("dtype"))
        if dtype.kind not in "biufcU":
            raise TypeError(f"{class_name}: refusing the non-numeric dtype {dtype}.")
        value = np.array(inner.get("value"), dtype=dtype)
        return value if class_name == "__numpy__" else Tensor(value)
    if class_name == "__bytes__":
        return str(inner.get("value", "")).encode("utf-8")
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__slice__":
        parts = (_deserialize(inner.get(k), custom, module_objects, safe_mode) for k in ("start", "stop", "step"))
        return slice(*parts)
    if class_name == "__lambda__":
        if in_safe_mode(safe_mode):
            raise ValueError(
                "Requested the deserialization of a Python lambda: rebuilding it would allow "
                "arbitrary code execution, so it is refused in safe mode.")
        raise ValueError("gradiente rebuilds stored Python code only inside a Lambda layer's "
                         "config (load_model(..., safe_mode=False)); register a named function instead.")
    raise TypeError(f"Unknown special object {class_name!r} in a config.")


def resolve_class(class_name, registered_name=None, module=None, custom_objects=None, module_objects=None):
    """The class (or registered function) a config names: user objects first, then the
    built-in table ``module`` labels, then a registered object with that short name.
    Raises TypeError naming what is available when there is none."""
    if not isinstance(class_name, str) or not class_name:
        raise TypeError(f"A config has no valid class_name ({class_name!r}).")
    registered = registered_name if isinstance(registered_name, str) else None
    found = registry.find_user_object(class_name, registered, custom_objects)
    if found is None and module_objects and class_name in module_objects:
        found = module_objects[class_name]
    if found is not None:
        return found
    cls, candidates = builtins.find_class(class_name, module)
    if cls is not None:
        return cls
    found = registry.lookup(class_name, registered, custom_objects)
    if found is not None:
        return found
    if len(candidates) > 1:
        raise TypeError(f"The class name {class_name!r} is ambiguous without a module: it may be "
                        f"{' or '.join(candidates)}. Give the config a 'module' key.")
    raise UnknownObjectError(missing_message("class", registered or class_name, class_name, custom_objects))


def resolve_function(name, module=None, custom_objects=None, module_objects=None):
    """The function a ``{"class_name": "function", "config": name}`` record names."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"Expected 'config' to be a non-null str naming a function, received {name!r}.")
    found = registry.find_user_object(name, None, custom_objects)
    if found is None and module_objects and name in module_objects:
        found = module_objects[name]
    if found is None:
        found = builtins.find_function(name, module)
    if found is None:
        found = registry.find_by_short_name(name.rpartition(">")[2])
    if found is None:
        raise UnknownObjectError(missing_message("function", name, name.rpartition(">")[2], custom_objects))
    return found


def missing_message(kind, shown, short, custom_objects):
    if short == "<lambda>":
        return ("Could not locate function '<lambda>': a lambda cannot be found by name. Use a "
                "named function decorated with @keras.saving.register_keras_serializable().")
    names = registry.available_names(custom_objects)
    return (f"Could not locate {kind} '{shown}': it is neither built in nor a registered or "
            f"custom object. Registered/custom objects now: {', '.join(names) if names else 'none'}. "
            f"Decorate it with @keras.saving.register_keras_serializable() (and import it before "
            f"loading), or pass custom_objects={{'{short}': {short}}}. Loading never imports code "
            "named in a config.")


def _restore_build(instance, build_config):
    from gradiente.layers.layer import Layer

    if not isinstance(instance, Layer) or instance.built or not isinstance(build_config, dict):
        return
    shape = build_config.get("input_shape")
    shapes = build_config.get("shapes_dict")
    if shape is not None:
        instance.build(_as_shape(shape))
    elif isinstance(shapes, dict) and all(isinstance(k, str) and k.endswith("_shape") for k in shapes):
        # Keras's record for a build with several shape arguments, by parameter name.
        instance.build(**{k: _as_shape(v) for k, v in shapes.items()})


def _as_shape(value):
    if isinstance(value, (list, tuple)) and all(d is None or isinstance(d, int) for d in value):
        return tuple(value)
    if isinstance(value, (list, tuple)):
        return [_as_shape(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_shape(v) for k, v in value.items()}
    return value


# --- user components of layers (initializers, regularizers, constraints) -------------
def user_component(identifier, kind):
    """The object a name or record that is not built in describes, among user objects
    (registry, active scopes); a class is instantiated with no arguments, as Keras's
    ``get`` does. None when a name is unknown; an unknown record raises."""
    if isinstance(identifier, str):
        obj = registry.lookup(identifier.rpartition(">")[2], identifier if ">" in identifier else None)
        if obj is None:
            return None
    else:
        obj = deserialize_keras_object(identifier)
    if isinstance(obj, type):
        obj = obj()
    if not callable(obj):
        raise ValueError(f"Could not interpret {kind} identifier {identifier!r:.120}: it gave "
                         f"{type(obj).__name__}, which is not callable.")
    return obj


def component_record(obj, builtin_classes, kind):
    """``serialize`` for initializers, regularizers and constraints: the compact record
    ``{"class_name", "config"}`` for a built-in instance, Keras's full record (with the
    registered name) for a user instance or function."""
    if builtin_classes.get(type(obj).__name__) is type(obj):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    if hasattr(obj, "get_config") or isinstance(obj, types.FunctionType):
        return serialize_keras_object(obj)
    raise ValueError(f"Cannot serialize the {kind} {obj!r:.80}: give its class a get_config(), "
                     "or use a named function.")


# --- model entries ---------------------------------------------------------------
def deserialize_layer(entry, custom_objects=None):
    """A layer (or model) from an entry of a Sequential or Functional config. An entry whose
    ``config`` has no name (a custom get_config() that skipped the base config) keeps the
    entry's name, so the rebuilt graph has the layer names it was saved with."""
    from gradiente.layers.layer import Layer

    if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str):
        raise ValueError(f"A layer entry must be a dict with a 'class_name', received {entry!r:.80}.")
    cls = resolve_class(entry["class_name"], entry.get("registered_name"), entry.get("module"),
                        custom_objects)
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise TypeError(f"The layer entry {entry['class_name']!r} names {cls!r:.60}, which is not a Layer class.")
    inner = entry.get("config") or {}
    if not isinstance(inner, dict):
        raise TypeError(f"The config of layer entry {entry['class_name']!r} is not a dict.")
    with registry.CustomObjectScope(custom_objects):
        layer = instantiate(cls, inner, custom_objects)
    if "name" not in inner and isinstance(entry.get("name"), str):
        layer.name = entry["name"]
    return layer
