"""Packages whose names load on first use (issue 18): a name -> module table instead of imports.

A package that imports every module it exports pays for all of them on the first
``keras.layers.Dense``. With ``exports`` it keeps a table ({module: names}) and a module
``__getattr__`` imports only the module holding the name asked for, then stores the value in
the package's globals, so later reads are plain attribute reads (nothing lazy on hot paths).

No imports beyond sys (built in): the packages using this sit at every level of the library.
"""
import sys


def import_module(name):
    """``importlib.import_module(name)`` for an absolute name, through the import statement's
    machinery: ``python -X importtime`` times only imports made that way, so modules loaded
    on first use still show in its report (under the module that asked for them)."""
    __import__(name)
    return sys.modules[name]


def exports(namespace, table):
    """Lazy names for the package whose globals are ``namespace``, from ``table`` ({module:
    names}). Returns ``(__getattr__, __dir__, __all__, load_all)`` for the package to bind;
    ``load_all()`` imports every name in the table (for code that enumerates the package)."""
    package = namespace["__name__"]
    where = {name: module for module, names in table.items() for name in names}
    # A name equal to a submodule's (metrics.accuracy, the function in metrics/accuracy.py)
    # must be bound before that submodule loads: importing it sets the package attribute to
    # the module, and __getattr__ is never asked again.
    shadowed = sorted(name for name in where if f"{package}.{name}" in table and name not in namespace)
    if shadowed:
        raise ImportError(f"{package}: import {shadowed} eagerly; each is also a submodule's name")

    def __getattr__(name):
        if name in where:
            value = getattr(import_module(where[name]), name)
            namespace[name] = value
            return value
        if not name.startswith("_"):
            # A submodule not imported yet (``gradiente.layers.recurrent``), as an eager
            # package would have it after importing it.
            try:
                return import_module(f"{package}.{name}")
            except ModuleNotFoundError as error:
                # Only a missing package.<name> means "no such attribute"; a module that
                # exists but fails to import its own dependency must say so.
                if error.name != f"{package}.{name}":
                    raise
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted((set(namespace) - {"TYPE_CHECKING"}) | set(where))

    def load_all():
        return {name: namespace[name] if name in namespace else __getattr__(name) for name in where}

    return __getattr__, __dir__, list(where), load_all
