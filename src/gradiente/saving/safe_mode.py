"""Safe mode: whether loading may rebuild Python code stored in a file (Lambda layers).

Off only inside ``load_model(..., safe_mode=False)`` / ``deserialize_keras_object(...,
safe_mode=False)`` or after ``keras.config.enable_unsafe_deserialization()``. As in Keras,
the outermost call decides: a nested deserialization (a custom ``from_config`` calling
``keras.layers.deserialize``) inherits it.
"""
import contextlib
import contextvars

_scope_safe_mode = contextvars.ContextVar("gradiente_safe_mode", default=None)
_unsafe_everywhere = [False]


def enable_unsafe_deserialization():
    """Allow Lambda layers' stored bytecode everywhere in this process (only for files
    you trust), as ``keras.config.enable_unsafe_deserialization``."""
    _unsafe_everywhere[0] = True


def in_safe_mode(default=True):
    """The safe mode in force: False once enabled globally, else the outermost scope's,
    else ``default``."""
    if _unsafe_everywhere[0]:
        return False
    scoped = _scope_safe_mode.get()
    return bool(default) if scoped is None else scoped


def unsafe_deserialization_allowed():
    """True where Lambda layers may rebuild stored code."""
    return not in_safe_mode(default=True)


@contextlib.contextmanager
def safe_mode_scope(safe_mode):
    """Set the safe mode for the block, unless an outer block already set it."""
    if _scope_safe_mode.get() is not None:
        yield
        return
    token = _scope_safe_mode.set(bool(safe_mode))
    try:
        yield
    finally:
        _scope_safe_mode.reset(token)
