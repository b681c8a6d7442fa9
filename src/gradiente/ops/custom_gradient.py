"""``keras.ops.custom_gradient``: a function that returns ``(output, grad_fn)`` becomes
one op whose gradient is ``grad_fn(upstream)``, not the gradient of the ops it ran.

The call is one primitive (``custom_gradient``): its forward runs the function with tapes
and traces paused (so its inner ops are not differentiated) and keeps ``grad_fn`` in the
call's cache for the VJP; a replayed training step runs the function again, as every
forward does. Several outputs are packed (``ops.multi_output``) and ``grad_fn`` receives
one upstream gradient per output, as TensorFlow passes them.
"""
import contextlib
import functools

import numpy as np

from gradiente.autodiff import tape as _tape
from gradiente.autodiff import trace as _trace
from gradiente.autodiff.tensor import Tensor, to_array
from gradiente.ops.multi_output import pack, split, unpack
from gradiente.ops.primitive import primitive
from gradiente.utils.nest import flatten, pack_like


@contextlib.contextmanager
def _unrecorded():
    # The lists are shared with every primitive's dispatcher: empty them in place.
    saved = [list(_tape.ACTIVE_TAPES), list(_trace.ACTIVE_TRACES)]
    _tape.ACTIVE_TAPES.clear()
    _trace.ACTIVE_TRACES.clear()
    try:
        yield
    finally:
        _tape.ACTIVE_TAPES.extend(saved[0])
        _trace.ACTIVE_TRACES.extend(saved[1])


def _array(x):
    return np.asarray(x.data if isinstance(x, Tensor) else to_array(x))


@primitive(name="custom_gradient")
def _custom(*inputs, call=None, cache=None):
    with _unrecorded():
        result = call(*[Tensor(a) for a in inputs])
        if not (isinstance(result, (tuple, list)) and len(result) == 2 and callable(result[1])):
            raise TypeError(
                "custom_gradient: the decorated function must return (output, grad_fn), "
                f"received {type(result).__name__}."
            )
        output, grad_fn = result
    flat = [_array(o) for o in flatten(output)]
    cache.update(grad_fn=grad_fn, structure=output, shapes=[a.shape for a in flat])
    if len(flat) == 1:
        return flat[0]
    return pack([a.astype(np.result_type(*flat), copy=False) for a in flat], ())


@_custom.defvjp
def _(g, ans, needs, *inputs, call=None, cache=None):
    shapes = cache["shapes"]
    upstream = [g] if len(shapes) == 1 else split(g, shapes)
    with _unrecorded():
        grads = cache["grad_fn"](*[Tensor(u) for u in upstream])
    grads = list(grads) if isinstance(grads, (tuple, list)) else [grads]
    if len(grads) != len(inputs):
        raise ValueError(
            f"custom_gradient: grad_fn returned {len(grads)} gradients for {len(inputs)} tensor inputs."
        )
    return tuple(None if gi is None else _array(gi) for gi in grads)


def custom_gradient(f):
    """Decorator: ``f(*args)`` returns ``(output, grad_fn)``; the decorated function returns
    ``output``, and gradients with respect to its tensor arguments are ``grad_fn(upstream)``
    (one upstream per output; return one gradient per tensor argument, or None)."""

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        slots = [i for i, a in enumerate(args) if isinstance(a, (Tensor, np.ndarray, float))]
        fixed = list(args)

        def call(*tensors):
            full = list(fixed)
            for i, t in zip(slots, tensors):
                full[i] = args[i] if isinstance(args[i], Tensor) and args[i].data is t.data else t
            return f(*full, **kwargs)

        cache = {}
        out = _custom(*[args[i] if isinstance(args[i], Tensor) else Tensor(to_array(args[i])) for i in slots],
                      call=call, cache=cache)
        shapes = cache["shapes"]
        if len(shapes) == 1:
            return pack_like(cache["structure"], [out])
        return pack_like(cache["structure"], list(unpack(out, shapes)))

    return wrapped
