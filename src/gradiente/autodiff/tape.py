"""Reverse-mode automatic differentiation on a flat tape.

While a GradientTape is active, every primitive op appends one record
``(vjp, output id, output array, input ids, input arrays, needs, params)``.
``gradient`` walks the list once, backwards, calling each record's vector-Jacobian
product for the inputs that need it. Outside a tape nothing is recorded.
"""
import contextlib

import numpy as np

from gradiente.autodiff.tensor import Tensor, Variable
from gradiente.utils.nest import flatten, pack_like

# Tapes currently recording, innermost last. Ops test this list's truth before doing any
# bookkeeping, so code outside a tape pays for one global lookup.
ACTIVE_TAPES = []


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes broadcasting added or stretched, so it has ``shape``.

    The one place broadcasting is undone: the engine calls it for every input gradient
    whose shape differs from its input's, so no VJP has to.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def record(vjp, out, args, arrays, params):
    """Append ``out = op(*args)`` to each active tape that tracks one of ``args``."""
    for tape in ACTIVE_TAPES:
        tracked = tape._tracked
        needs = None
        for i, a in enumerate(args):
            if not isinstance(a, Tensor):
                continue
            key = id(a)
            if key not in tracked:
                if not (tape._watch_variables and isinstance(a, Variable) and a.trainable
                        and a.data.dtype.kind == "f"):
                    continue
                tracked[key] = a
            if needs is None:
                needs = [False] * len(args)
            needs[i] = True
        if needs is None or out.data.dtype.kind not in "fc":
            continue
        tracked[id(out)] = out
        ids = tuple(id(a) for a in args)
        tape._records.append((vjp, id(out), out.data, ids, arrays, needs, params))


class GradientTape:
    """Records operations so that ``gradient(target, sources)`` can differentiate them.

    >>> x = Variable(3.0)
    >>> with GradientTape() as tape:
    ...     y = x * x
    >>> float(tape.gradient(y, x))
    6.0

    Trainable Variables are watched automatically; other tensors need ``tape.watch``.
    A non-persistent tape frees its records after the first ``gradient`` call.
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = bool(persistent)
        self._watch_variables = bool(watch_accessed_variables)
        self._records = []
        self._tracked = {}  # id -> tensor; holding the tensor keeps its id unique
        self._used = False

    def __enter__(self):
        if self._used:
            raise RuntimeError("This GradientTape has already been used; create a new one.")
        ACTIVE_TAPES.append(self)
        return self

    def __exit__(self, *exc):
        if self in ACTIVE_TAPES:
            ACTIVE_TAPES.remove(self)
        return False

    def watch(self, tensor):
        """Track ``tensor`` (or a nested structure of tensors) for differentiation."""
        for t in flatten(tensor):
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"GradientTape.watch expects tensors, got {type(t).__name__}. "
                    "Wrap arrays with gradiente.ops.convert_to_tensor first."
                )
            self._tracked[id(t)] = t

    @contextlib.contextmanager
    def stop_recording(self):
        """Run a block without recording it on this tape."""
        if self not in ACTIVE_TAPES:
            raise RuntimeError("stop_recording() called on a tape that is not recording.")
        position = ACTIVE_TAPES.index(self)
        ACTIVE_TAPES.remove(self)
        try:
            yield
        finally:
            ACTIVE_TAPES.insert(position, self)

    def reset(self):
        """Forget everything recorded so far."""
        self._records.clear()
        self._tracked.clear()

    def watched_variables(self):
        return tuple(t for t in self._tracked.values() if isinstance(t, Variable))

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        """d(sum of target) / d(source) for each source, in the structure of ``sources``.

        A non-scalar target is summed, or weighted by ``output_gradients`` (same shape).
        Sources the target does not depend on get ``None`` (or zeros with
        ``unconnected_gradients="zero"``).
        """
        if self._used:
            raise RuntimeError(
                "A non-persistent GradientTape can compute gradients only once. "
                "Use GradientTape(persistent=True) to call gradient() several times."
            )
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError(
                f"unconnected_gradients must be 'none' or 'zero', received {unconnected_gradients!r}."
            )
        flat_sources = flatten(sources)
        for s in flat_sources:
            if not isinstance(s, Tensor):
                raise TypeError(
                    f"gradient() sources must be tensors or Variables, got {type(s).__name__}."
                )
            if s.data.dtype.kind not in "fc":
                raise TypeError(
                    f"Cannot differentiate with respect to a tensor of dtype {s.data.dtype.name}: "
                    "gradients exist only for floating-point tensors. Cast it with "
                    "gradiente.ops.cast(x, 'float32') before the computation."
                )
        targets = flatten(target)
        if output_gradients is None:
            seeds = [None] * len(targets)
        else:
            seeds = flatten(output_gradients)
            if len(seeds) != len(targets):
                raise ValueError(
                    f"output_gradients has {len(seeds)} entries but there are {len(targets)} targets."
                )
        grads = {}
        for t, seed in zip(targets, seeds):
            if not isinstance(t, Tensor):
                raise TypeError(f"gradient() target must be a tensor, got {type(t).__name__}.")
            if t.data.dtype.kind not in "fc":
                raise TypeError(
                    f"Cannot differentiate a target of dtype {t.data.dtype.name}: "
                    "it must be a floating-point tensor."
                )
            if seed is None:
                g = np.ones_like(t.data)
            else:
                g = np.asarray(seed.data if isinstance(seed, Tensor) else seed, dtype=t.data.dtype)
                if g.shape != t.data.shape:
                    raise ValueError(
                        f"output_gradients has shape {g.shape}, but the target has shape {t.data.shape}."
                    )
            key = id(t)
            grads[key] = g if key not in grads else grads[key] + g

        keep = {id(s) for s in flat_sources}
        for vjp, out_id, ans, in_ids, arrays, needs, params in reversed(self._records):
            g = grads.get(out_id) if out_id in keep else grads.pop(out_id, None)
            if g is None:
                continue
            input_grads = vjp(g, ans, needs, *arrays, **params)
            for i, gi in enumerate(input_grads):
                if gi is None or not needs[i]:
                    continue
                shape = arrays[i].shape
                if gi.shape != shape:
                    gi = unbroadcast(gi, shape)
                key = in_ids[i]
                prev = grads.get(key)
                grads[key] = gi if prev is None else prev + gi

        result = []
        for s in flat_sources:
            g = grads.get(id(s))
            if g is None:
                result.append(Tensor(np.zeros_like(s.data)) if unconnected_gradients == "zero" else None)
                continue
            if g.dtype != s.data.dtype:
                g = g.astype(s.data.dtype)
            result.append(Tensor(g))
        if not self._persistent:
            self._used = True
            self.reset()
            if self in ACTIVE_TAPES:
                ACTIVE_TAPES.remove(self)
        return pack_like(sources, result)


def stop_gradient(x):
    """The same value, but no gradient flows back through it."""
    return Tensor(x.data if isinstance(x, Tensor) else np.asarray(x))
