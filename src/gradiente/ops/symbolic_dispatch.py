"""``keras.ops`` functions called on symbolic tensors (KerasTensors of a Functional graph).

In Keras 3 an op given a KerasTensor computes its output spec and records a node instead of
computing. Here every public function of ``gradiente.ops`` is wrapped once (``install``) by a
check for symbolic arguments; on real data the wrapper only passes the call through. The
symbolic types and what to do with them are registered from above (``register``): the
layers level owns KerasTensor and the layer that records an op in a graph, and ops must not
import it.

``WRAPPED`` (public name -> wrapper) is also the allow-list a saved graph's op names are
resolved against: a config can only name a function of ``gradiente.ops``.
"""
import functools
import types

WRAPPED = {}
_TYPES = frozenset()
_CONTAINERS = frozenset({list, tuple, dict})
_SCAN = _CONTAINERS  # the argument types worth a closer look: symbolic ones and containers
_HANDLER = None

# Public functions that describe or convert a value rather than compute one, or that build
# ops themselves: they keep their plain behaviour on KerasTensors (``ops.shape(x)`` is the
# symbolic shape, as in Keras).
_NOT_OPS = frozenset({
    "convert_to_tensor", "convert_to_numpy", "is_tensor", "dtype", "result_type", "shape",
    "ndim", "custom_gradient", "primitive", "stop_gradient",
})
# The name a graph records when gradiente's function name is not Keras's.
_KERAS_NAME = {"getitem": "get_item"}


def register(symbolic_types, handler):
    """``handler(name, fn, args, kwargs)`` answers a call of op ``name`` that holds a value of
    one of ``symbolic_types`` (also inside a list, tuple or dict argument)."""
    global _TYPES, _SCAN, _HANDLER
    _TYPES = frozenset(symbolic_types)
    _SCAN = _TYPES | _CONTAINERS
    _HANDLER = handler


def _holds_symbolic(value, depth=0):
    kind = type(value)
    if kind in _TYPES:
        return True
    if depth < 3:
        if kind is list or kind is tuple:
            return any(_holds_symbolic(v, depth + 1) for v in value)
        if kind is dict:
            return any(_holds_symbolic(v, depth + 1) for v in value.values())
    return False


def has_symbolic(args, kwargs):
    if not _TYPES:
        return False
    for value in args:
        if _holds_symbolic(value):
            return True
    if kwargs:
        for value in kwargs.values():
            if _holds_symbolic(value):
                return True
    return False


def _wrap(fn, name):
    @functools.wraps(fn)
    def op(*args, **kwargs):
        # The eager path stays cheap: one set look-up per argument (Tensors, arrays and
        # numbers are neither symbolic nor containers); only a container or a symbolic
        # value leads to the full scan.
        scan = _SCAN
        for value in args:
            if type(value) in scan:
                break
        else:
            if not kwargs:
                return fn(*args)
            for value in kwargs.values():
                if type(value) in scan:
                    break
            else:
                return fn(*args, **kwargs)
        if has_symbolic(args, kwargs):
            return _HANDLER(name, fn, args, kwargs)
        return fn(*args, **kwargs)

    return op


def wrap(fn, name):
    """``fn`` (a function of an ops sub-namespace, ``ops.image.resize``) made symbolic-aware,
    recorded in graphs as ``name`` (Keras's op name) and allowed in saved graphs."""
    WRAPPED[name] = wrapper = _wrap(fn, name)
    return wrapper


def install(namespace, modules=()):
    """Replace each public function of the ``namespace`` dict (``gradiente.ops``'s globals)
    by its symbolic-aware wrapper. Aliases (``true_divide = divide``) stay one object, named
    after the function itself when that is public; eager sub-namespace ``modules``
    (``ops.linalg``) get the same wrappers, so ``ops.linalg.norm is ops.norm`` still."""
    by_function = {}
    original = dict(namespace)
    names = [n for n, v in original.items()
             if not n.startswith("_") and n not in _NOT_OPS and isinstance(v, types.FunctionType)]
    for name in names:
        fn = original[name]
        if id(fn) not in by_function:
            own = fn.__name__ if original.get(fn.__name__) is fn else name
            own = _KERAS_NAME.get(own, own)
            by_function[id(fn)] = (own, _wrap(fn, own))
        own, wrapper = by_function[id(fn)]
        namespace[name] = wrapper
        WRAPPED[name] = wrapper
    for module in modules:
        for name, value in list(vars(module).items()):
            if not name.startswith("_") and id(value) in by_function and original.get(name) is value:
                setattr(module, name, by_function[id(value)][1])
