"""Custom objects: the only user classes and functions a config or model file may name.

Three places hold them, as in Keras 3: the global dict (``register_keras_serializable``
writes "package>name" keys into it; ``get_custom_objects()`` returns it live), the custom
object scopes active in this thread, and the ``custom_objects=`` of one call. Loading
builds built-in classes and these; a file can never make gradiente import a module or
run code.
"""
import threading

_GLOBAL_CUSTOM_OBJECTS = {}   # "Package>Name" (or any key a user writes) -> class or function
_GLOBAL_CUSTOM_NAMES = {}     # class or function -> "Package>Name"
_scope = threading.local()


def get_custom_objects():
    """The global dict of custom objects, live: ``get_custom_objects()["MyLayer"] = MyLayer``
    makes ``MyLayer`` loadable by that name. Objects of a custom object scope are not in it."""
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package="Custom", name=None):
    """Decorator: make a class (with ``get_config``) or function loadable by name.

    ``@register_keras_serializable(package="MyLayers")`` registers ``MyLayers>ClassName``;
    ``name=`` replaces the class or function name in the key.
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(
            f"register_keras_serializable: `package` must be a string without '>', received {package!r}."
        )
    if name is not None and (not isinstance(name, str) or not name):
        raise ValueError(f"register_keras_serializable: `name` must be a non-empty string, received {name!r}.")

    def decorator(obj):
        short = name if name is not None else getattr(obj, "__name__", None)
        if not short:
            raise ValueError(
                f"register_keras_serializable: {obj!r} has no __name__; pass `name=`."
            )
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(
                f"Cannot register {obj.__name__}: a class must define `get_config()` so that "
                "its constructor arguments can be saved."
            )
        key = f"{package}>{short}"
        _GLOBAL_CUSTOM_OBJECTS[key] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = key
        return obj

    return decorator


def get_registered_name(obj):
    """``"Package>Name"`` for a registered class or function, else its ``__name__``."""
    found = registered_name_or_none(obj)
    return found if found is not None else obj.__name__


def registered_name_or_none(obj):
    try:
        return _GLOBAL_CUSTOM_NAMES.get(obj)
    except TypeError:  # unhashable objects are never registered
        return None


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object known under ``name``: in an active custom object scope, the global dict,
    ``custom_objects``, then ``module_objects`` (Keras's order); None when there is none."""
    for table in (scope_objects(), _GLOBAL_CUSTOM_OBJECTS, custom_objects, module_objects):
        if table and name in table:
            return table[name]
    return None


def scope_objects():
    """Every object of the custom object scopes active in this thread (inner ones win)."""
    merged = {}
    for objects in getattr(_scope, "stack", ()):
        merged.update(objects)
    return merged


class CustomObjectScope:
    """``with custom_object_scope({"MyLayer": MyLayer}): load_model(...)``: the objects are
    found by name while the block runs, by loading and by ``from_config`` / ``get`` calls.

    Scopes nest; an inner scope adds to the outer ones (Keras 3 replaces them, so code
    written for Keras sees every name it expects here too). Several dicts may be given.
    """

    def __init__(self, *custom_objects):
        merged = {}
        for objects in custom_objects:
            if objects is None:
                continue
            if not isinstance(objects, dict):
                raise TypeError(
                    f"custom_object_scope expects dicts of {{name: class or function}}, "
                    f"received {type(objects).__name__}: {objects!r:.80}"
                )
            merged.update(objects)
        self.custom_objects = merged

    def __enter__(self):
        stack = getattr(_scope, "stack", None)
        if stack is None:
            stack = _scope.stack = []
        stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc_info):
        _scope.stack.pop()


custom_object_scope = CustomObjectScope


def find_user_object(class_name, registered_name=None, custom_objects=None):
    """A user object named exactly ``registered_name`` or ``class_name`` in
    ``custom_objects``, an active scope or the global dict; None when there is none."""
    keys = [k for k in (registered_name, class_name) if isinstance(k, str) and k]
    for table in (custom_objects, scope_objects(), _GLOBAL_CUSTOM_OBJECTS):
        if table:
            for key in keys:
                if key in table:
                    return table[key]
    return None


def find_by_short_name(name):
    """The registered object whose key is ``"<any package>>name"`` when exactly one is:
    files that stored a bare name (older Keras, older gradiente) still load."""
    if not isinstance(name, str) or ">" in name:
        return None
    found = [obj for key, obj in _GLOBAL_CUSTOM_OBJECTS.items() if key.rpartition(">")[2] == name]
    return found[0] if len(found) == 1 else None


def lookup(class_name, registered_name=None, custom_objects=None):
    """``find_user_object``, then ``find_by_short_name`` on the registered name's last part
    or the class name."""
    found = find_user_object(class_name, registered_name, custom_objects)
    if found is None and isinstance(registered_name, str):
        found = find_by_short_name(registered_name.rpartition(">")[2])
    if found is None:
        found = find_by_short_name(class_name)
    return found


def available_names(custom_objects=None):
    """Every user name loading accepts now, for error messages."""
    names = set(_GLOBAL_CUSTOM_OBJECTS) | set(scope_objects()) | set(custom_objects or {})
    return sorted(str(n) for n in names)
