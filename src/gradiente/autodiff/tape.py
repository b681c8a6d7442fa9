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


def result_array(out, arrays):
    """An array for a forward's result. NumPy 1.x promotes arithmetic between 0-d float32
    values and Python numbers to float64 (NumPy 2 does not); a 0-d result keeps the widest
    float dtype of the op's float inputs instead, so a float32 loss stays float32."""
    out = np.asarray(out)
    if out.ndim == 0 and out.dtype == np.float64:
        floats = [a.dtype for a in arrays if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
        if floats and np.float64 not in floats:
            out = out.astype(np.result_type(*floats))
    return out


def record(vjp, out, args, arrays, params):
    """Append ``out = op(*args)`` to each active tape that tracks one of ``args``."""
    if out.data.dtype.kind not in "fc":  # integer and boolean results carry no gradient
        return
    # Tracked tensors are kept alive by their tape, so no other live object shares their id.
    ids = tuple(map(id, args))
    for tape in ACTIVE_TAPES:
        tracked = tape._tracked
        needs = [key in tracked for key in ids]
        if tape._watch_variables:
            for i, a in enumerate(args):
                # Trainable Variables are watched on first use.
                if not needs[i] and isinstance(a, Variable) and a.trainable and a.data.dtype.kind == "f":
                    tracked[ids[i]] = a
                    needs[i] = True
        if True in needs:
            tracked[id(out)] = out
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
        single = isinstance(sources, Tensor)
        plain_list = type(sources) is list  # the training loop's case: no nesting to rebuild
        flat_sources = [sources] if single else sources if plain_list else flatten(sources)
        for s in flat_sources:
            if not isinstance(s, Tensor) or s.data.dtype.kind not in "fc":
                _check_differentiable(s, "sources")
        grads = _seed(target, output_gradients)
        keep = {id(s) for s in flat_sources}
        _backward(self._records, grads, keep)
        result = _hand_out(flat_sources, grads, unconnected_gradients == "zero")
        if not self._persistent:
            self._used = True
            self.reset()
            if self in ACTIVE_TAPES:
                ACTIVE_TAPES.remove(self)
        if single:
            return result[0]
        if plain_list and all(isinstance(s, Tensor) for s in sources):
            return result
        return pack_like(sources, result)


def _check_differentiable(t, role):
    if not isinstance(t, Tensor):
        raise TypeError(f"gradient() {role} must be tensors or Variables, got {type(t).__name__}.")
    if t.data.dtype.kind not in "fc":
        raise TypeError(
            f"Cannot differentiate with respect to a tensor of dtype {t.data.dtype.name}: "
            "gradients exist only for floating-point tensors. Cast it with "
            "gradiente.ops.cast(x, 'float32') before the computation."
        )


# Read-only ones for scalar targets (a loss), by dtype: np.ones costs a microsecond, and
# _hand_out copies read-only arrays, so sharing them between calls is safe.
_SCALAR_ONES = {}


def _seed(target, output_gradients):
    """{id(target): d(result)/d(target)} for each target: ones or ``output_gradients``."""
    targets = [target] if isinstance(target, Tensor) else flatten(target)
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
            g = _SCALAR_ONES.get(t.data.dtype) if t.data.ndim == 0 else None
            if g is None:
                g = np.ones(t.data.shape, t.data.dtype)
                if g.ndim == 0:
                    g.flags.writeable = False
                    _SCALAR_ONES[t.data.dtype] = g
        else:
            # A copy, so a gradient handed back can never be the caller's own array.
            g = np.array(seed.data if isinstance(seed, Tensor) else seed, dtype=t.data.dtype)
            if g.shape != t.data.shape:
                raise ValueError(
                    f"output_gradients has shape {g.shape}, but the target has shape {t.data.shape}."
                )
        key = id(t)
        grads[key] = g if key not in grads else grads[key] + g
    return grads


def _backward(records, grads, keep):
    """Walk the records newest first, turning output gradients into input gradients.

    ``grads`` maps tensor ids to gradients and is updated in place; gradients of tensors
    not in ``keep`` are dropped as soon as they have been used, so memory stays bounded.
    """
    pop, get = grads.pop, grads.get
    for vjp, out_id, ans, in_ids, arrays, needs, params in reversed(records):
        g = get(out_id) if out_id in keep else pop(out_id, None)
        if g is None:
            continue
        for i, gi in enumerate(vjp(g, ans, needs, *arrays, **params)):
            if gi is None or not needs[i]:
                continue
            shape = arrays[i].shape
            if gi.shape != shape:
                gi = unbroadcast(gi, shape)
            if gi.dtype != arrays[i].dtype:  # a gradient has its input's dtype (NumPy 1.x 0-d promotion)
                gi = gi.astype(arrays[i].dtype)
            key = in_ids[i]
            prev = get(key)
            grads[key] = gi if prev is None else prev + gi


def _hand_out(sources, grads, zeros_if_unconnected):
    """One Tensor (or None) per source, each an array the caller may update in place."""
    result, handed_out = [], set()
    for s in sources:
        g = grads.get(id(s))
        if g is None:
            result.append(Tensor(np.zeros_like(s.data)) if zeros_if_unconnected else None)
            continue
        # VJPs may pass one array to two inputs (add) or return views (reshape, a sum's
        # broadcast), and seeds may be shared: copy those.
        if (g.base is not None or type(g) is not np.ndarray or g.dtype != s.data.dtype
                or id(g) in handed_out or g.ndim == 0):
            g = np.array(g, dtype=s.data.dtype)
        handed_out.add(id(g))
        result.append(Tensor(g))
    return result


def stop_gradient(x):
    """The same value, but no gradient flows back through it."""
    return Tensor(x.data if isinstance(x, Tensor) else np.asarray(x))
