"""Custom objects: the only user classes and functions a model file may name.

Loading builds built-in classes and those registered here (or passed as
``custom_objects=``); a file can never make gradiente import a module or run code.
"""
import contextlib
import threading

_REGISTERED = {}        # "Package>Name" -> class or function
_NAME_OF = {}           # id(object) -> "Package>Name"
_scope = threading.local()


def register_keras_serializable(package="Custom", name=None):
    """Decorator: make a class (with ``get_config``) or function loadable by name.

    ``@register_keras_serializable(package="MyLayers")`` registers ``MyLayers>ClassName``.
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(
            f"register_keras_serializable: `package` must be a string without '>', received {package!r}."
        )

    def decorator(obj):
        short = name or getattr(obj, "__name__", None)
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
        _REGISTERED[key] = obj
        _NAME_OF[id(obj)] = key
        return obj

    return decorator


def get_registered_name(obj):
    """``"Package>Name"`` for a registered object, else its ``__name__``."""
    return _NAME_OF.get(id(obj)) or getattr(obj, "__name__", type(obj).__name__)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered (or passed in ``custom_objects`` / a custom object scope, or in
    ``module_objects``) under ``name``; None when there is none."""
    for table in (custom_objects, _scope_objects(), _REGISTERED, module_objects):
        if table and name in table:
            return table[name]
    return None


def registered_objects():
    """A copy of the registry: {"Package>Name": object}."""
    return dict(_REGISTERED)


def _scope_objects():
    merged = {}
    for objects in getattr(_scope, "stack", ()):
        merged.update(objects)
    return merged


@contextlib.contextmanager
def custom_object_scope(*custom_objects):
    """``with custom_object_scope({"MyLayer": MyLayer}): load_model(...)``."""
    stack = getattr(_scope, "stack", None)
    if stack is None:
        stack = _scope.stack = []
    merged = {}
    for objects in custom_objects:
        if objects:
            merged.update(objects)
    stack.append(merged)
    try:
        yield merged
    finally:
        stack.pop()


CustomObjectScope = custom_object_scope


def lookup(class_name, registered_name=None, custom_objects=None):
    """A user object by the names a file gives it: ``custom_objects`` and scopes by either
    name, then the registry by registered name, then by short name when only one
    registered object has it."""
    tables = [custom_objects or {}, _scope_objects()]
    for table in tables:
        for key in (registered_name, class_name):
            if key and key in table:
                return table[key]
    if registered_name and registered_name in _REGISTERED:
        return _REGISTERED[registered_name]
    if class_name in _REGISTERED:
        return _REGISTERED[class_name]
    found = [obj for key, obj in _REGISTERED.items() if key.split(">", 1)[1] == class_name]
    return found[0] if len(found) == 1 else None


def available_names(custom_objects=None):
    """Every user name loading accepts now, for error messages."""
    names = set(_REGISTERED) | set(_scope_objects()) | set(custom_objects or {})
    return sorted(names)
