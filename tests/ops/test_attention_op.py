"""dot_product_attention (gradiente/ops/attention.py): a per-position NumPy loop as the
reference for masks, bias, causal masks, scale and grouped heads; Keras's errors; float64
gradient checks of query, key, value and bias, with the probabilities kept for the backward
and (above CACHE_LIMIT) recomputed from saved row statistics, both giving the same gradients."""
import math

import numpy as np
import pytest

from gradiente import ops
from gradiente.autodiff import GradientTape, Tensor
from gradiente.ops import attention as attention_op

from ops_testlib import gradcheck, rand

GRADIENT_CHECKED = {"_attention"}
NOT_DIFFERENTIABLE = set()


def loop_attention(q, k, v, bias=None, mask=None, scale=None, is_causal=False):
    """One query position and head at a time, the softmax written out."""
    b, t, n, h = q.shape
    s, kh = k.shape[1], k.shape[2]
    scale = 1 / math.sqrt(h) if scale is None else scale
    bias = np.broadcast_to(0.0 if bias is None else bias, (b, n, t, s))
    mask = np.broadcast_to(True if mask is None else mask, (b, n, t, s))
    out = np.zeros((b, t, n, v.shape[-1]))
    for bi in range(b):
        for head in range(n):
            kv = head // (n // kh)
            for ti in range(t):
                logits = np.array([q[bi, ti, head] @ k[bi, si, kv] * scale + bias[bi, head, ti, si]
                                   for si in range(s)])
                allowed = mask[bi, head, ti] & (np.arange(s) <= ti if is_causal else True)
                logits = np.where(allowed, logits, -0.7 * 3.38953e38)
                p = np.exp(logits - logits.max())
                p /= p.sum()
                out[bi, ti, head] = p @ v[bi, :, kv]
    return out


def _qkv(t=3, s=3, n=4, kh=4, h=8, seed=0):
    return rand(2, t, n, h, seed=seed), rand(2, s, kh, h, seed=seed + 1), rand(2, s, kh, h, seed=seed + 2)


@pytest.mark.parametrize("use_bias", [False, True])
@pytest.mark.parametrize("scale", [None, 1.0])
@pytest.mark.parametrize("mask_causal", [(False, False), (True, False), (False, True)])
def test_matches_loop_as_keras_cases(use_bias, scale, mask_causal):
    # Keras's nn_test grid: (2, 3, 4, 8) inputs, a (2, 4, 3, 3) bias, a tiled lower-triangular mask.
    use_mask, is_causal = mask_causal
    q, k, v = _qkv()
    bias = rand(2, 4, 3, 3, seed=9) if use_bias else None
    mask = np.tile(np.tri(3, dtype=bool)[None, None], (2, 4, 1, 1)) if use_mask else None
    out = ops.dot_product_attention(q, k, v, bias=bias, mask=mask, scale=scale, is_causal=is_causal)
    np.testing.assert_allclose(out.data, loop_attention(q, k, v, bias, mask, scale, is_causal), atol=1e-12)


def test_keras_arange_inputs_stay_finite():
    # Keras's test feeds arange values: logits in the thousands must not overflow.
    q = np.arange(2 * 3 * 4 * 8, dtype=float).reshape(2, 3, 4, 8)
    out = ops.dot_product_attention(q, q, q, is_causal=True)
    np.testing.assert_allclose(out.data, loop_attention(q, q, q, is_causal=True), rtol=1e-12)


def test_cross_attention_grouped_heads_and_broadcast_mask():
    q, k, v = _qkv(t=4, s=6, n=4, kh=2)
    v = rand(2, 6, 2, 5, seed=7)  # value depth differs from key depth
    mask = rand(2, 1, 1, 6, seed=4) > -1.0  # a padding mask over keys
    mask[1, ..., 3:] = False
    out = ops.dot_product_attention(q, k, v, mask=mask)
    assert out.shape == (2, 4, 4, 5)
    np.testing.assert_allclose(out.data, loop_attention(q, k, v, mask=mask), atol=1e-12)


def test_fully_masked_row_is_uniform_and_dtype_kept():
    q, k, v = (x.astype(np.float32) for x in _qkv())
    out = ops.dot_product_attention(q, k, v, mask=np.zeros((1, 1, 3, 3), bool))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, np.broadcast_to(v.mean(1, keepdims=True), v.shape), rtol=1e-5)


def test_errors():
    q, k, v = _qkv()
    with pytest.raises(ValueError, match="4D"):
        ops.dot_product_attention(q[0], k[0], v[0])
    with pytest.raises(ValueError, match="soft_cap"):
        ops.dot_product_attention(q, k, v, attn_logits_soft_cap=50.0)
    with pytest.raises(ValueError, match="flash"):
        ops.dot_product_attention(q, k, v, flash_attention=True)
    with pytest.raises(ValueError, match="multiple"):
        ops.dot_product_attention(rand(2, 3, 3, 8), rand(2, 3, 2, 8), rand(2, 3, 2, 8))
    with pytest.raises(ValueError, match="broadcast"):
        ops.dot_product_attention(q, k, v, mask=np.ones((2, 4, 3, 5), bool))
    with pytest.raises(ValueError, match="incompatible"):
        ops.dot_product_attention(q, k, rand(2, 4, 4, 8))


@pytest.mark.parametrize("cached", [True, False])
@pytest.mark.parametrize("kh,is_causal,use_mask", [(4, False, False), (4, True, True), (2, True, False)])
def test_gradients(kh, is_causal, use_mask, cached, monkeypatch):
    if not cached:  # the long-sequence path: probabilities recomputed from the row maxima
        monkeypatch.setattr(attention_op, "CACHE_LIMIT", 0)
    q, k, v = _qkv(t=3, s=4, n=4, kh=kh, h=3)
    bias = rand(1, 4, 3, 4, seed=5)
    mask = np.ones((2, 1, 3, 4), bool)
    if use_mask:
        mask[0, 0, :, 2:] = False
        mask[1, 0, 1, :] = False  # a fully masked row: gradients must still be exact
    gradcheck("_attention",
              lambda q, k, v, bias: ops.dot_product_attention(q, k, v, bias=bias, mask=mask,
                                                              is_causal=is_causal, scale=0.7),
              q, k, v, bias)


def _cache_of_one_call(q, k, v):
    with GradientTape() as tape:
        tape.watch([q, k, v])
        out = ops.dot_product_attention(q, k, v)
        record = tape._records[-1]
    return out, tape, record[-1]["cache"]


def test_backward_keeps_small_probabilities_and_recomputes_large_ones(monkeypatch):
    q, k, v = (Tensor(x) for x in _qkv(t=5, s=7))
    out, tape, cache = _cache_of_one_call(q, k, v)
    assert cache["row_max"].shape == cache["row_sum"].shape == (2, 4, 5, 1)
    assert cache["exp"].shape == (2, 4, 5, 7)  # unnormalized: each row's largest entry is 1
    np.testing.assert_allclose(cache["exp"].max(-1), 1.0)
    kept = tape.gradient(out, [q, k, v])
    monkeypatch.setattr(attention_op, "CACHE_LIMIT", 2 * 4 * 5 * 7 - 1)  # one element too many
    out, tape, cache = _cache_of_one_call(q, k, v)
    assert cache["exp"] is None
    for a, b in zip(kept, tape.gradient(out, [q, k, v])):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-14)
