"""Keras 3's sub-namespaces of ``keras.ops`` (``nn``, ``numpy``, ``math``, ``core``,
``image``), each a module holding Keras's list of its names.

A name resolves on first use to the function gradiente already has (the same object as
``keras.ops.<name>``), so the namespaces never drift from the implementation files and
need no import order: they are filled lazily, after ``gradiente.ops`` has finished
importing. A Keras name gradiente lacks raises AttributeError saying so; a name that is not
in Keras's namespace (``keras.ops.nn.tanh``) is refused as Keras refuses it.
"""
import importlib


def namespace(module_name, keras_names, sources=("gradiente.ops",)):
    """``(__getattr__, __dir__)`` for the namespace module ``module_name``: each of
    ``keras_names`` comes from the first module in ``sources`` that has it."""
    keras_names = tuple(keras_names)
    allowed = frozenset(keras_names)
    public = "keras." + module_name.split(".", 1)[1]  # gradiente.ops.nn -> keras.ops.nn

    def _lookup(name):
        for source in sources:
            value = getattr(importlib.import_module(source), name, None)
            if value is not None:
                return value
        return None

    def __getattr__(name):
        if name == "__all__":  # `from keras.ops.nn import *`: the names gradiente has
            return [n for n in keras_names if _lookup(n) is not None]
        if name not in allowed:
            raise AttributeError(f"module '{public}' has no attribute '{name}' (Keras 3's "
                                 f"{public} has none either).")
        value = _lookup(name)
        if value is None:
            raise AttributeError(f"'{public}.{name}' is a Keras 3 function that gradiente does "
                                 "not implement yet.")
        # Cache it on the module: later look-ups are plain attribute reads.
        setattr(importlib.import_module(module_name), name, value)
        return value

    def __dir__():
        return sorted(n for n in keras_names if _lookup(n) is not None)

    return __getattr__, __dir__
