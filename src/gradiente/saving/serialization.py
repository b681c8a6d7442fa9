"""Compile arguments to JSON-ready configs and back, constructing only allowed classes.

The strict counterpart of ``serialization_lib`` for what ``save`` writes beside the
architecture (the optimizer, losses and metrics given to ``compile``) and for Lambda
layers: a function that is neither built in nor registered is refused here (the caller
then warns or stores code) rather than written by a name nothing may resolve. Loading
resolves ``class_name`` against the fixed built-in tables (``saving.builtins``) and the
registered / ``custom_objects`` entries: ``module`` is only a label, never imported, and
no string is ever evaluated.
"""
import inspect

from gradiente.saving import builtins, registry
from gradiente.saving.errors import ModelFormatError
from gradiente.saving.construct import instantiate
from gradiente.saving.serialization_lib import NotSerializable


# --- built-in tables (fixed: a file cannot add to them) -------------------------------
def builtin_layers():
    return builtins.classes("layers")


def _builtin_table(category):
    if category == "optimizers":
        from gradiente import optimizers

        return {**builtins.classes("optimizers"), **optimizers.ALL}
    return builtins.classes(category)


_FUNCTION_MODULES = ("gradiente.losses", "gradiente.metrics", "gradiente.activations")


def _builtin_functions(module_label):
    """Named functions a config may refer to, per module label."""
    category = builtins.category_of_module(module_label)
    if category in builtins.FUNCTION_CATEGORIES:
        return builtins.functions(category)
    if module_label == "builtins":
        merged = {}
        for category in reversed(builtins.FUNCTION_CATEGORIES):
            merged.update(builtins.functions(category))
        return merged
    return {}


# --- serializing ----------------------------------------------------------------------
def serialize_compile_arg(obj):
    """A JSON-ready description of a compile argument: plain values stay as they are,
    built-in and registered functions become ``{"class_name": "function", "config":
    name}``, objects with ``get_config`` become Keras's ``{"module", "class_name",
    "config", "registered_name"}``; anything else raises NotSerializable."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_compile_arg(v) for v in obj]
    if isinstance(obj, dict):
        return {"__per_output__": {str(k): serialize_compile_arg(v) for k, v in obj.items()}}
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return _serialize_function(obj)
    if hasattr(obj, "get_config"):
        registered = registry.registered_name_or_none(type(obj))
        return {
            "module": type(obj).__module__.split(".")[0] + "." + _category_of(obj),
            "class_name": type(obj).__name__,
            "config": _jsonable(obj.get_config(), obj),
            "registered_name": registered,
        }
    raise NotSerializable(
        f"{obj!r} ({type(obj).__name__}) cannot be saved: it has no get_config(). "
        "Give its class a get_config() and register it with "
        "@keras.saving.register_keras_serializable()."
    )


# The name layers/lambda_layer.py imports: a Lambda's function is stored by name only when
# it is built in or registered, else as code (refused in safe mode).
serialize_keras_object = serialize_compile_arg


def _serialize_function(fn):
    registered = registry.registered_name_or_none(fn)
    if registered:
        return {"module": "custom", "class_name": "function", "config": registered,
                "registered_name": registered}
    name = getattr(fn, "__name__", "")
    for label in _FUNCTION_MODULES:
        if _builtin_functions(label).get(name) is fn:
            return {"module": label, "class_name": "function", "config": name,
                    "registered_name": None}
    raise NotSerializable(
        f"The function {name or fn!r} cannot be saved by name: it is not a gradiente function "
        "and is not registered. Decorate it with @keras.saving.register_keras_serializable() "
        "(and pass it in custom_objects= or keep it registered when loading)."
    )


def _category_of(obj):
    from gradiente.layers.layer import Layer
    from gradiente.losses import Loss
    from gradiente.metrics import Metric
    from gradiente.optimizers import Optimizer

    for base, label in ((Layer, "layers"), (Optimizer, "optimizers"), (Loss, "losses"),
                        (Metric, "metrics")):
        if isinstance(obj, base):
            return label
    return "objects"


def _jsonable(value, owner):
    """Configs may hold tuples, NumPy scalars or nested objects; make them JSON values."""
    import numpy as np

    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, owner) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v, owner) for k, v in value.items()}
    if isinstance(value, np.ndarray) and value.size <= 10_000:
        return value.tolist()
    return serialize_compile_arg(value)


# --- deserializing --------------------------------------------------------------------
def resolve_class(class_name, registered_name, category, custom_objects, path="<config>"):
    """The class a config names: user objects first (``custom_objects``, scopes, the
    registry), then the built-in table of ``category``. Unknown names raise
    ModelFormatError listing what is available."""
    if not isinstance(class_name, str) or not class_name:
        raise ModelFormatError(path, f"an object in the config has no valid class_name ({class_name!r}).")
    registered = registered_name if isinstance(registered_name, str) else None
    user = registry.find_user_object(class_name, registered, custom_objects)
    if user is not None:
        return user
    table = _builtin_table(category)
    if class_name in table:
        return table[class_name]
    user = registry.lookup(class_name, registered, custom_objects)
    if user is not None:
        return user
    raise ModelFormatError(path, unknown_class_message(class_name, registered_name, category,
                                                       custom_objects))


def unknown_class_message(class_name, registered_name, category, custom_objects):
    user = registry.available_names(custom_objects)
    shown = f"'{registered_name}'" if registered_name else repr(class_name)
    return (
        f"the config names the class {shown}, which is neither a built-in {category[:-1]} "
        f"nor a registered custom object. Registered/custom objects now: "
        f"{', '.join(user) if user else 'none'}. If it is your class, decorate it with "
        f"@keras.saving.register_keras_serializable() or pass custom_objects={{'{class_name}': "
        f"{class_name}}} to load_model. (Loading never imports code named in a file.)"
    )


def deserialize_compile_arg(config, category, custom_objects=None, path="<config>"):
    """The inverse of ``serialize_keras_object`` for compile arguments (``category``:
    "optimizers", "losses" or "metrics"). Strings (``"mse"``) and plain values are
    returned as they are; compile() resolves names itself."""
    if config is None or isinstance(config, (bool, int, float, str)):
        return config
    if isinstance(config, list):
        return [deserialize_compile_arg(v, category, custom_objects, path) for v in config]
    if not isinstance(config, dict):
        raise ModelFormatError(path, f"unexpected value {config!r} in the compile config.")
    if set(config) == {"__per_output__"} and isinstance(config["__per_output__"], dict):
        return {k: deserialize_compile_arg(v, category, custom_objects, path)
                for k, v in config["__per_output__"].items()}
    class_name = config.get("class_name")
    registered_name = config.get("registered_name")
    if class_name == "function":
        return _deserialize_function(config, custom_objects, path)
    cls = resolve_class(class_name, registered_name, category, custom_objects, path)
    if not isinstance(cls, type):
        raise ModelFormatError(path, f"{class_name!r} names a function where a class is needed.")
    inner = config.get("config", {})
    if not isinstance(inner, dict):
        raise ModelFormatError(path, f"the config of {class_name!r} is not a JSON object.")
    return call_from_config(cls, inner, custom_objects, path)


def _deserialize_function(config, custom_objects, path):
    name = config.get("config")
    if not isinstance(name, str):
        raise ModelFormatError(path, f"a function reference has no name ({name!r}).")
    short = name.rpartition(">")[2]
    fn = registry.find_user_object(short, name, custom_objects)
    if fn is None:
        fn = _builtin_functions(config.get("module")).get(name)
    if fn is None:
        fn = registry.find_by_short_name(short)
    if fn is None:
        raise ModelFormatError(path, unknown_class_message(name, config.get("registered_name"),
                                                           "functions", custom_objects))
    return fn


def call_from_config(cls, config, custom_objects, path):
    """``serialization_lib.instantiate`` inside a custom object scope holding
    ``custom_objects``; a config the class rejects becomes a ModelFormatError naming it."""
    try:
        with registry.CustomObjectScope(custom_objects):
            return instantiate(cls, config, custom_objects)
    except ModelFormatError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, OverflowError) as err:
        raise ModelFormatError(
            path, f"{cls.__name__}.from_config() rejected the saved config: {err}"
        ) from err
