"""Products: matmul, dot, tensordot, einsum. The VJPs are products with the gradient."""
import numpy as np

from gradiente.ops.arithmetic import multiply
from gradiente.ops.primitive import primitive

# string.ascii_letters, without importing string (~0.5 ms at import, for two einsum helpers).
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@primitive
def matmul(x1, x2):
    return np.matmul(x1, x2)


@matmul.defvjp
def _(g, ans, needs, a, b):
    if a.ndim == 1 and b.ndim == 1:  # inner product: g is a scalar
        return g * b, g * a
    # Promote vectors to matrices as NumPy's matmul does, so one rule covers every rank;
    # the engine sums away any batch broadcasting afterwards.
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = g
    if a.ndim == 1:
        g2 = np.expand_dims(g2, -2)
    if b.ndim == 1:
        g2 = np.expand_dims(g2, -1)
    ga = gb = None
    if needs[0]:
        ga = np.matmul(g2, np.swapaxes(b2, -1, -2))
        if a.ndim == 1:
            ga = ga.reshape(-1, a.shape[0]).sum(axis=0)
    if needs[1]:
        gb = np.matmul(np.swapaxes(a2, -1, -2), g2)
        if b.ndim == 1:
            gb = gb.reshape(-1, b.shape[0]).sum(axis=0)
    return ga, gb


def dot(x1, x2):
    """NumPy's ``dot``: a product with a scalar, an inner product of vectors, a matrix
    product, or a sum over the last axis of ``x1`` and the second-to-last of ``x2``."""
    n1, n2 = np.ndim(x1), np.ndim(x2)
    if n1 == 0 or n2 == 0:
        return multiply(x1, x2)
    if n1 <= 2 and n2 <= 2:
        return matmul(x1, x2)
    return tensordot(x1, x2, axes=([n1 - 1], [max(n2 - 2, 0)]))


def _tensordot_subscripts(ndim_a, ndim_b, axes):
    if isinstance(axes, int):
        a_axes = list(range(ndim_a - axes, ndim_a))
        b_axes = list(range(axes))
    else:
        a_axes, b_axes = ([axes[0]] if np.isscalar(axes[0]) else list(axes[0]),
                          [axes[1]] if np.isscalar(axes[1]) else list(axes[1]))
    a_axes = [ax % ndim_a for ax in a_axes]
    b_axes = [ax % ndim_b for ax in b_axes]
    letters = iter(_LETTERS)
    sa = [next(letters) for _ in range(ndim_a)]
    sb = [next(letters) for _ in range(ndim_b)]
    for i, j in zip(a_axes, b_axes):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in a_axes] + [c for j, c in enumerate(sb) if j not in b_axes]
    return "".join(sa), "".join(sb), "".join(out)


@primitive
def tensordot(x1, x2, axes=2):
    return np.tensordot(x1, x2, axes=axes)


@tensordot.defvjp
def _(g, ans, needs, a, b, axes=2):
    sa, sb, so = _tensordot_subscripts(a.ndim, b.ndim, axes)
    ga = np.einsum(f"{so},{sb}->{sa}", g, b, optimize=True) if needs[0] else None
    gb = np.einsum(f"{sa},{so}->{sb}", a, g, optimize=True) if needs[1] else None
    return ga, gb


def _explicit_einsum(subscripts, shapes):
    """Rewrite einsum subscripts with no ellipsis and an explicit output."""
    subscripts = subscripts.replace(" ", "")
    inputs, _, output = subscripts.partition("->")
    operands = inputs.split(",")
    if len(operands) != len(shapes):
        raise ValueError(f"einsum: {len(operands)} subscripts for {len(shapes)} operands.")
    used = set(subscripts) - set(".,->")
    spare = iter(c for c in _LETTERS if c not in used)
    ell_ndim = max((len(s) - (len(sub) - 3) for sub, s in zip(operands, shapes) if "..." in sub), default=0)
    ell = "".join(next(spare) for _ in range(ell_ndim))
    fixed = []
    for sub, shape in zip(operands, shapes):
        if "..." in sub:
            k = len(shape) - (len(sub) - 3)
            sub = sub.replace("...", ell[ell_ndim - k:] if k else "")
        fixed.append(sub)
    if "->" in subscripts:
        output = output.replace("...", ell)
    else:
        counts = {}
        for c in "".join(fixed):
            counts[c] = counts.get(c, 0) + 1
        output = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    return fixed, output


@primitive
def _einsum(subscripts, *operands):
    # NumPy's planned path (optimize) hands a two-operand contraction to BLAS: ~2-3x faster on
    # large operands (attention scores), ~10 us of planning on small ones, so only then.
    large = sum(np.size(o) for o in operands) > _PLAN_ABOVE
    return np.einsum(subscripts, *operands, optimize=len(operands) > 2 or large)


_PLAN_ABOVE = 1 << 16  # elements in all operands together


@_einsum.defvjp
def _(g, ans, needs, subscripts, *operands):
    subs, out = _explicit_einsum(subscripts, [op.shape for op in operands])
    grads = [None]
    for i, op in enumerate(operands):
        if not needs[i + 1]:
            grads.append(None)
            continue
        others = [s for j, s in enumerate(subs) if j != i]
        available = set(out).union(*others) if others else set(out)
        unique = "".join(dict.fromkeys(subs[i]))  # repeated letters = a diagonal
        present = "".join(c for c in unique if c in available)
        spec = ",".join([out] + others) + "->" + present
        partial = np.einsum(spec, g, *[o for j, o in enumerate(operands) if j != i], optimize=True)
        # Letters summed inside this operand alone: the gradient is constant along them.
        sizes = {c: n for c, n in zip(subs[i], op.shape)}
        # Ellipsis axes of length 1 that einsum broadcast against another operand.
        stretched = tuple(k for k, c in enumerate(present) if sizes[c] == 1 and partial.shape[k] != 1)
        if stretched:
            partial = partial.sum(axis=stretched, keepdims=True)
        expanded = partial.reshape([sizes[c] if c in present else 1 for c in unique])
        grad = np.zeros(op.shape, dtype=np.result_type(g, op))
        view = np.einsum(f"{subs[i]}->{unique}", grad) if unique != subs[i] else grad
        view[...] = expanded
        grads.append(grad)
    return tuple(grads)


def einsum(subscripts, *operands):
    """Einstein summation, as ``numpy.einsum``; differentiable in every operand."""
    subs, out = _explicit_einsum(subscripts, [np.shape(getattr(o, "data", o)) for o in operands])
    return _einsum(",".join(subs) + "->" + out, *operands)
