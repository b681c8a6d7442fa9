"""Which arguments of a layer call are tensors, and the shapes ``build`` receives.

Keras 3 lets ``call`` take several tensors (``call(self, x, y)``, ``call(self, query,
value, key=None)``). The first positional argument is the layer's *inputs*; any other
argument holding tensors is a *tensor argument*. A ``build`` with one parameter gets the
shape of the first; one with several ``<name>_shape`` parameters gets each by name, as
Keras aligns them. Signatures are inspected once per class.
"""
import inspect

import numpy as np

from gradiente.autodiff.tensor import Tensor
from gradiente.layers.node import KerasTensor
from gradiente.utils.nest import flatten, map_structure


def call_signature(cls):
    """(accepts ``training``, accepts ``mask``) for ``cls.call``, computed once per class."""
    cached = cls.__dict__.get("_call_args_cache")
    if cached is None:
        params = _parameters(cls, "call")
        var_kw = any(p.kind is p.VAR_KEYWORD for p in params)
        names = {p.name for p in params}
        cached = ("training" in names or var_kw, "mask" in names or var_kw)
        cls._call_args_cache = cached
    return cached


def _parameters(cls, method):
    """Parameters of ``cls.<method>`` without ``self``, cached per class."""
    key = f"_{method}_params_cache"
    cached = cls.__dict__.get(key)
    if cached is None:
        cached = list(inspect.signature(getattr(cls, method)).parameters.values())[1:]
        setattr(cls, key, cached)
    return cached


def first_parameter(layer):
    """The name ``call`` gives its first argument (``inputs``, ``query``, ...)."""
    for p in _parameters(type(layer), "call"):
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            return p.name
    return None


def is_tensor_like(value):
    return isinstance(value, (Tensor, KerasTensor, np.ndarray))


def holds_tensors(value):
    """True for a tensor, or a list/tuple/dict whose leaves include one."""
    if is_tensor_like(value):
        return True
    if isinstance(value, (list, tuple, dict)) and value:
        return any(is_tensor_like(v) for v in flatten(value))
    return False


def has_tensor_arguments(args, kwargs):
    """Whether a call passes tensors beyond its first argument (``mask`` aside)."""
    if args and any(holds_tensors(a) for a in args):
        return True
    return any(k != "mask" and holds_tensors(v) for k, v in kwargs.items())


def tensor_arguments(layer, inputs, args, kwargs):
    """{argument name: value} for every argument of the call that holds tensors, the
    first argument first (named as ``call`` names it)."""
    params = _parameters(type(layer), "call")
    try:
        bound = inspect.Signature(params).bind(inputs, *args, **kwargs)
    except TypeError as err:
        names = ", ".join(p.name for p in params)
        raise TypeError(
            f"Layer '{layer.name}' ({type(layer).__name__}) was called with arguments that its "
            f"`call({names})` does not accept: {err}."
        ) from None
    out = {}
    for i, (name, value) in enumerate(bound.arguments.items()):
        kind = bound.signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            for j, v in enumerate(value):
                if holds_tensors(v):
                    out[f"{name}_{j}"] = v
        elif kind is inspect.Parameter.VAR_KEYWORD:
            out.update((k, v) for k, v in value.items() if holds_tensors(v))
        elif i == 0 or holds_tensors(value):
            out[name] = value
    return out


def shape_of(value):
    return None if value is None else tuple(value.shape)


def shapes_of(structure):
    if isinstance(structure, (Tensor, KerasTensor, np.ndarray)):
        return tuple(structure.shape)
    return map_structure(shape_of, structure)


def shapes_for(layer, method, tensor_args):
    """Keyword arguments for ``build`` or ``compute_output_shape`` from the call's tensor
    arguments: one parameter takes the first shape; several must be ``<arg>_shape``."""
    params = [p for p in _parameters(type(layer), method)
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    shapes = {name: shapes_of(value) for name, value in tensor_args.items() if name != "mask"}
    if len(params) <= 1:
        first = next(iter(shapes.values()), None)
        return {params[0].name: first} if params else {}
    call_names = {p.name for p in _parameters(type(layer), "call")}
    out = {}
    for p in params:
        arg = p.name[:-len("_shape")]
        if not p.name.endswith("_shape") or arg not in call_names:
            raise ValueError(
                f"Layer '{layer.name}' ({type(layer).__name__}): `{method}()` takes several "
                f"arguments, so each must be named after an argument of `call()` with a `_shape` "
                f"suffix (e.g. `{method}(self, x_shape, y_shape)` for `call(self, x, y)`); "
                f"`{p.name}` is not. `call()` takes {sorted(call_names)}."
            )
        if arg in shapes:  # an optional tensor argument left out keeps build's default
            out[p.name] = shapes[arg]
    return out
