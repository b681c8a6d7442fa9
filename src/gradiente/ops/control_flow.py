"""Keras 3's control flow (``keras.ops.cond``, ``while_loop``, ``fori_loop``, ``scan``,
``map``, ``associative_scan``, ``switch``, ``vectorized_map``), run eagerly in Python as
Keras's NumPy backend runs it. The tape records the ops each iteration runs, so gradients
flow through every branch taken and every step; results are stacked with ``ops.stack``.
"""
import builtins

import numpy as np

from gradiente.autodiff.tensor import Tensor, convert_to_tensor
from gradiente.ops.shape import concatenate, flip, getitem, reshape, stack
from gradiente.utils.nest import flatten, map_structure, pack_like


def _is_nested(x):
    return isinstance(x, (list, tuple, dict))


def _check_callable(f, name="f"):
    if not callable(f):
        raise TypeError(f"`{name}` should be a callable. Received: {name}={f!r}")


def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()``; ``pred`` a bool or a scalar tensor."""
    return true_fn() if bool(pred) else false_fn()


def switch(index, branches, *operands):
    """``branches[index](*operands)``, with ``index`` clipped into range as Keras does."""
    i = builtins.min(builtins.max(int(index), 0), len(branches) - 1)
    return branches[i](*operands)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Repeat ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (and fewer than
    ``maximum_iterations`` steps have run). A tuple or list of loop variables is passed
    as separate arguments, anything else (a tensor, a dict) as one."""
    several = isinstance(loop_vars, (tuple, list))
    state = tuple(loop_vars) if several else (loop_vars,)
    state = map_structure(_as_tensor, state)
    steps = 0
    while (maximum_iterations is None or steps < maximum_iterations) and bool(cond(*state)):
        state = body(*state)
        state = tuple(state) if isinstance(state, (tuple, list)) else (state,)
        steps += 1
    return state if several else state[0]


def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for i in range(lower, upper)."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def _as_tensor(x):
    return x if isinstance(x, Tensor) or x is None else convert_to_tensor(x)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """``carry, y = f(carry, x)`` over the leading axis of ``xs`` (or ``length`` times with
    x None); returns the last carry and the ys stacked (zeros like init where f gives None)."""
    _check_callable(f)
    if isinstance(unroll, bool) is False and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"`unroll` must be an positive integer or boolean. Received: unroll={unroll}")
    if xs is None and length is None:
        raise ValueError("scan: got no `xs` to scan over and `length` not provided.")
    xs_flat = [] if xs is None else [_as_tensor(x) for x in flatten(xs)]
    n = int(length) if length is not None else xs_flat[0].shape[0]
    carry = map_structure(_as_tensor, init)
    ys = []
    for i in (reversed(range(n)) if reverse else range(n)):
        x = pack_like(xs, [getitem(t, i) for t in xs_flat]) if xs is not None else None
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys:
        return carry, None
    if all(y is None for y in ys):
        zeros = [Tensor(np.zeros_like(t.data)) for t in flatten(carry)]
        return carry, pack_like(carry, [stack([z] * n) for z in zeros])
    flat = [flatten(y) for y in ys]
    stacked = [stack([_as_tensor(row[k]) for row in flat]) for k in range(len(flat[0]))]
    return carry, pack_like(ys[0], stacked)


def map(f, xs):
    """``f`` applied to each slice along the leading axis of ``xs`` (nested allowed); the
    results stacked."""
    _check_callable(f)
    return scan(lambda carry, x: (carry, f(x)), (), xs)[1]


def vectorized_map(function, elements):
    """``function`` on each slice of ``elements`` along axis 0 (a list or tuple of tensors
    is sliced together and passed as a list), results stacked."""
    if isinstance(elements, (list, tuple)):
        tensors = [_as_tensor(e) for e in elements]
        results = [function([getitem(t, i) for t in tensors]) for i in range(tensors[0].shape[0])]
    else:
        t = _as_tensor(elements)
        results = [function(getitem(t, i)) for i in range(t.shape[0])]
    flat = [flatten(r) for r in results]
    return pack_like(results[0], [stack([_as_tensor(row[k]) for row in flat]) for k in range(len(flat[0]))])


# --- associative_scan -------------------------------------------------------------------
def _along(x, axis, start=None, stop=None, step=None):
    key = (slice(None),) * axis + (slice(start, stop, step),)
    return getitem(x, key)


def _interleave(evens, odds, axis):
    """[e0, o0, e1, o1, ...] along ``axis``; ``evens`` may be one longer than ``odds``."""
    extra = evens.shape[axis] - odds.shape[axis]
    head = _along(evens, axis, 0, odds.shape[axis])
    pairs = stack([head, odds], axis=axis + 1)
    shape = tuple(head.shape)
    merged = reshape(pairs, shape[:axis] + (2 * shape[axis],) + shape[axis + 1:])
    return concatenate([merged, _along(evens, axis, -1)], axis=axis) if extra else merged


def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive scan of ``elems`` (nested allowed) along ``axis`` with an associative
    ``f(a, b)``: [x0, f(x0, x1), f(f(x0, x1), x2), ...], by the parallel prefix algorithm
    (about 2·log2(n) calls of ``f`` on whole slices)."""
    _check_callable(f)
    flat = [_as_tensor(e) for e in flatten(elems)]
    n = flat[0].shape[axis]
    if any(t.shape[axis] != n for t in flat[1:]):
        raise ValueError(
            "associative_scan: array inputs must have the same first dimension (the scan axis). "
            f"(saw: {[tuple(t.shape) for t in flat]})"
        )
    if reverse:
        flat = [flip(t, axis) for t in flat]

    def combine(a, b):
        return flatten(f(pack_like(elems, a), pack_like(elems, b)))

    def prefix(ts):
        length = ts[0].shape[axis]
        if length < 2:
            return ts
        odds = prefix(combine([_along(t, axis, 0, -1, 2) for t in ts], [_along(t, axis, 1, None, 2) for t in ts]))
        if length % 2 == 0:
            rest = combine([_along(o, axis, 0, -1) for o in odds], [_along(t, axis, 2, None, 2) for t in ts])
        else:
            rest = combine(odds, [_along(t, axis, 2, None, 2) for t in ts])
        evens = [concatenate([_along(t, axis, 0, 1), r], axis=axis) for t, r in zip(ts, rest)]
        return [_interleave(e, o, axis) for e, o in zip(evens, odds)]

    out = prefix(flat)
    if reverse:
        out = [flip(t, axis) for t in out]
    return pack_like(elems, out)
