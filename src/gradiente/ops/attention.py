"""Scaled dot-product attention as one primitive, memory-efficient in its backward pass.

The forward keeps each softmax row's maximum and sum, and the unnormalized probabilities
while they are small (``CACHE_LIMIT``); above that the VJP recomputes them from the maxima
instead of holding a (batch, heads, T, S) tensor between the two passes. Dividing by the row
sums happens on the (T, Hv) side of each product, never on the (T, S) probabilities. Inside, heads move in front of the sequence axes so every product is a batched
matmul over contiguous (T, H) x (H, S) blocks. Grouped-query attention (fewer key/value
heads than query heads) folds each group's query heads into the rows of one matmul.
"""
import numpy as np

from gradiente.ops.primitive import primitive

# Keras fills masked logits with 0.7 x the largest float32 (65500 for float16), so a fully
# masked row still gets a uniform softmax instead of NaNs.
_LARGE_NEGATIVE = {np.dtype(np.float16): -0.7 * 65500.0}


def _large_negative(dtype):
    return np.asarray(_LARGE_NEGATIVE.get(np.dtype(dtype), -0.7 * 3.38953e38), dtype=dtype)


def _grouped(q, k, v):
    """(B, T, N, H), (B, S, K, H) x2 -> q as (B, K, G*T, H), k as (B, K, H, S), v as (B, K, S, H)."""
    b, t, n, h = q.shape
    kh = k.shape[2]
    qg = q.reshape(b, t, kh, n // kh, h).transpose(0, 2, 3, 1, 4).reshape(b, kh, -1, h)
    return qg, k.transpose(0, 2, 3, 1), v.transpose(0, 2, 1, 3)


def _keep(mask, is_causal, t, s):
    """The boolean keep-mask (broadcastable to (B, N, T, S)), or None."""
    keep = None if mask is None else np.asarray(mask, dtype=bool)
    if is_causal:
        causal = np.tri(t, s, dtype=bool)
        keep = causal if keep is None else keep & causal
    return keep


def _logits(q, k, bias, mask, scale, is_causal):
    """Scaled, biased, masked logits as (B, N, T, S), and the keep-mask (or None)."""
    b, t, n, _ = q.shape
    s = k.shape[1]
    # Scaling the queries costs a quarter of scaling the (T, S) logits when S = 4 H.
    qg, kt, _ = _grouped(q * np.asarray(scale, dtype=q.dtype), k, k)
    if k.shape[2] == n:
        # Computed as (S, T) blocks and viewed as (T, S): the softmax's max over S then runs
        # across contiguous rows, ~2x faster in NumPy than along a short contiguous axis.
        # (Grouped heads keep (G*T, S) blocks: their (S, G*T) ones would not view as (N, T, S).)
        logits = np.matmul(kt.transpose(0, 1, 3, 2), qg.transpose(0, 1, 3, 2)).transpose(0, 1, 3, 2)
    else:
        logits = np.matmul(qg, kt).reshape(b, n, t, s)
    if bias is not None:
        logits += bias
    keep = _keep(mask, is_causal, t, s)
    if keep is not None:
        np.copyto(logits, _large_negative(logits.dtype), where=~keep)
    return logits, keep


def _row_sums(a):
    """Sums over the last axis, (..., S) -> (..., 1), as a matrix-vector product: NumPy's
    reduction along a short contiguous axis is several times slower (S = 64: 40 us, not 300)."""
    return np.matmul(a, np.ones((a.shape[-1], 1), dtype=a.dtype))


# The unnormalized probabilities exp(logits - max) are kept for the VJP up to this many
# elements (64 MB in float32); above it the VJP recomputes them from the row maxima, so
# memory between the passes stays O(B·N·T) for long sequences.
CACHE_LIMIT = 1 << 24


@primitive(promote="float", operands=slice(0, 3))
def _attention(query, key, value, bias, mask, scale=1.0, is_causal=False, cache=None):
    b, t, n, h = query.shape
    if bias is not None:
        bias = bias.astype(query.dtype, copy=False)
    logits, _ = _logits(query, key, bias, mask, scale, is_causal)
    row_max = logits.max(axis=-1, keepdims=True)
    e = logits
    e -= row_max
    np.exp(e, out=e)
    row_sum = _row_sums(e)  # >= 1: the row's maximum contributes exp(0)
    kh, s = key.shape[2], key.shape[1]
    _, _, vt = _grouped(query, key, value)
    # Normalizing the (T, Hv) output instead of the (T, S) probabilities saves a pass.
    out = np.matmul(e.reshape(b, kh, -1, s), vt)  # (B, K, G*T, Hv)
    out /= row_sum.reshape(b, kh, -1, 1)
    cache["row_max"], cache["row_sum"] = row_max, row_sum
    cache["exp"] = e if e.size <= CACHE_LIMIT else None
    hv = value.shape[-1]
    return out.reshape(b, kh, n // kh, t, hv).transpose(0, 3, 1, 2, 4).reshape(b, t, n, hv)


@_attention.defvjp
def _(g, ans, needs, query, key, value, bias, mask, scale=1.0, is_causal=False, cache=None):
    b, t, n, h = query.shape
    s, kh, hv = key.shape[1], key.shape[2], value.shape[-1]
    e = cache.get("exp")
    if e is None or e.shape != (b, n, t, s):
        if bias is not None:
            bias = bias.astype(query.dtype, copy=False)
        e, keep = _logits(query, key, bias, mask, scale, is_causal)
        e -= cache["row_max"]
        np.exp(e, out=e)
    else:
        keep = _keep(mask, is_causal, t, s)
    qg, kt, vt = _grouped(query, key, value)

    def heads_first(x, d):  # (B, T, N, d) -> (B, K, G*T, d)
        return x.reshape(b, t, kh, n // kh, d).transpose(0, 2, 3, 1, 4).reshape(b, kh, -1, d)

    # With P = E / l (E = exp(logits - max), l its row sums) every product below uses E and
    # the upstream gradient divided by l: (T, Hv) and (T, 1) arrays, not (T, S) ones.
    inv_l = 1.0 / cache["row_sum"]  # (B, N, T, 1)
    gs = heads_first(g, hv) * inv_l.reshape(b, kh, -1, 1)
    eg = e.reshape(b, kh, -1, s)
    gv = None
    if needs[2]:
        gv = np.matmul(eg.transpose(0, 1, 3, 2), gs).transpose(0, 2, 1, 3)  # (B, S, K, Hv)
    if not (needs[0] or needs[1] or needs[3]):
        return None, None, gv, None, None
    # d logits = P * (dP - rowsum(dO * O)), the softmax VJP with rowsum(P * dP) = rowsum(dO * O).
    if kh == n:  # in E's (S, T) memory order, so the products with E below run in step
        dp = np.matmul(vt, gs.transpose(0, 1, 3, 2)).transpose(0, 1, 3, 2)
    else:
        dp = np.matmul(gs, vt.transpose(0, 1, 3, 2)).reshape(b, n, t, s)
    row_dot = np.einsum("btnd,btnd->bnt", g, ans)[..., None]
    dp -= row_dot * inv_l
    dp *= e
    if keep is not None:
        dp *= keep  # a masked logit is replaced by a constant: no gradient flows to it
    gbias = dp if needs[3] else None
    ds = dp.reshape(b, kh, -1, s)
    if needs[3]:
        ds = ds * np.asarray(scale, dtype=dp.dtype)
    else:
        ds *= np.asarray(scale, dtype=dp.dtype)
    gq = gk = None
    if needs[0]:
        gq = np.matmul(ds, kt.transpose(0, 1, 3, 2))  # (B, K, G*T, H)
        gq = gq.reshape(b, kh, n // kh, t, h).transpose(0, 3, 1, 2, 4).reshape(b, t, n, h)
    if needs[1]:
        gk = np.matmul(ds.transpose(0, 1, 3, 2), qg).transpose(0, 2, 1, 3)  # (B, S, K, H)
    return gq, gk, gv, gbias, None


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """softmax(Q K^T * scale + bias, masked) V over query (B, T, N, H), key (B, S, K, H) and
    value (B, S, K, Hv), K dividing N (grouped-query attention when K < N) -> (B, T, N, Hv).

    ``mask`` is boolean, True where attention is allowed, broadcastable to (B, N, T, S) as is
    ``bias``; ``is_causal`` keeps key positions s <= t; ``scale`` defaults to 1/sqrt(H).
    """
    if attn_logits_soft_cap is not None:
        raise ValueError("dot_product_attention: attn_logits_soft_cap is only supported by Keras's "
                         "JAX backend on TPU; set attn_logits_soft_cap=None.")
    if flash_attention:
        raise ValueError("dot_product_attention: flash attention is not supported by gradiente "
                         "(as by Keras's NumPy backend); the standard computation is already "
                         "memory-efficient. Use flash_attention=None or False.")
    shapes = [np.shape(getattr(x, "data", x)) for x in (query, key, value)]
    if any(len(s) != 4 for s in shapes):
        raise ValueError("dot_product_attention only supports 4D inputs (batch, seq, heads, dim). "
                         f"Received: query.shape={shapes[0]}, key.shape={shapes[1]}, value.shape={shapes[2]}.")
    (b, t, n, h), (bk, s, kh, hk), vshape = shapes
    if vshape[:3] != (bk, s, kh) or bk != b or hk != h:
        raise ValueError(f"dot_product_attention: incompatible shapes query {shapes[0]}, key {shapes[1]}, "
                         f"value {shapes[2]}: key must be (batch, S, K, {h}) and value (batch, S, K, Hv).")
    if n % kh:
        raise ValueError(f"dot_product_attention: the {n} query heads must be a multiple of the "
                         f"{kh} key/value heads.")
    target = (b, n, t, s)
    for name, x in (("bias", bias), ("mask", mask)):
        if x is not None:
            try:
                np.broadcast_shapes(np.shape(getattr(x, "data", x)), target)
            except ValueError:
                raise ValueError(f"dot_product_attention: {name} of shape {np.shape(getattr(x, 'data', x))} "
                                 f"does not broadcast to (batch, heads, T, S) = {target}.") from None
    scale = 1.0 / float(np.sqrt(h)) if scale is None else float(scale)
    return _attention(query, key, value, bias, mask, scale=scale, is_causal=bool(is_causal), cache={})
