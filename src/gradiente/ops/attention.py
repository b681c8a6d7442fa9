"""Scaled dot-product attention as one primitive, memory-efficient in its backward pass.

The forward keeps only each softmax row's maximum and sum; the VJP recomputes the
probabilities from them instead of holding a (batch, heads, T, S) tensor between the two
passes. Inside, heads move in front of the sequence axes so every product is a batched
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


def _logits(q, k, bias, mask, scale, is_causal):
    """Scaled, biased, masked logits viewed as (B, N, T, S), and the keep-mask (or None)."""
    b, t, n, _ = q.shape
    s = k.shape[1]
    qg, kt, _ = _grouped(q, k, k)
    logits = np.matmul(qg, kt)
    logits *= np.asarray(scale, dtype=logits.dtype)
    logits = logits.reshape(b, n, t, s)
    if bias is not None:
        logits += bias
    keep = None
    if mask is not None:
        keep = np.asarray(mask, dtype=bool)
    if is_causal:
        causal = np.tri(t, s, dtype=bool)
        keep = causal if keep is None else keep & causal
    if keep is not None:
        logits = np.where(keep, logits, _large_negative(logits.dtype))
    return logits, keep


@primitive(promote="float", operands=slice(0, 3))
def _attention(query, key, value, bias, mask, scale=1.0, is_causal=False, cache=None):
    b, t, n, h = query.shape
    if bias is not None:
        bias = bias.astype(query.dtype, copy=False)
    logits, _ = _logits(query, key, bias, mask, scale, is_causal)
    row_max = logits.max(axis=-1, keepdims=True)
    probs = logits
    probs -= row_max
    np.exp(probs, out=probs)
    row_sum = probs.sum(axis=-1, keepdims=True)
    probs /= row_sum
    kh, s = key.shape[2], key.shape[1]
    _, _, vt = _grouped(query, key, value)
    out = np.matmul(probs.reshape(b, kh, -1, s), vt)  # (B, K, G*T, Hv)
    cache["row_max"], cache["row_sum"] = row_max, row_sum
    hv = value.shape[-1]
    return out.reshape(b, kh, n // kh, t, hv).transpose(0, 3, 1, 2, 4).reshape(b, t, n, hv)


@_attention.defvjp
def _(g, ans, needs, query, key, value, bias, mask, scale=1.0, is_causal=False, cache=None):
    b, t, n, h = query.shape
    s, kh, hv = key.shape[1], key.shape[2], value.shape[-1]
    if bias is not None:
        bias = bias.astype(query.dtype, copy=False)
    logits, keep = _logits(query, key, bias, mask, scale, is_causal)
    probs = logits
    probs -= cache["row_max"]
    np.exp(probs, out=probs)
    probs /= cache["row_sum"]  # (B, N, T, S)
    qg, kt, vt = _grouped(query, key, value)

    def heads_first(x, d):  # (B, T, N, d) -> (B, K, G*T, d)
        return x.reshape(b, t, kh, n // kh, d).transpose(0, 2, 3, 1, 4).reshape(b, kh, -1, d)

    gg = heads_first(g, hv)
    pg = probs.reshape(b, kh, -1, s)
    gv = None
    if needs[2]:
        gv = np.matmul(pg.transpose(0, 1, 3, 2), gg).transpose(0, 2, 1, 3)  # (B, S, K, Hv)
    if not (needs[0] or needs[1] or needs[3]):
        return None, None, gv, None, None
    # d logits = P * (dP - rowsum(dO * O)), the softmax VJP with rowsum(P * dP) = rowsum(dO * O).
    dp = np.matmul(gg, vt.transpose(0, 1, 3, 2)).reshape(b, n, t, s)
    row_dot = np.einsum("btnd,btnd->bnt", g, ans)[..., None]
    dp -= row_dot
    dp *= probs
    if keep is not None:
        dp *= keep  # a masked logit is replaced by a constant: no gradient flows to it
    gbias = dp if needs[3] else None
    ds = dp.reshape(b, kh, -1, s) * np.asarray(scale, dtype=dp.dtype)
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
