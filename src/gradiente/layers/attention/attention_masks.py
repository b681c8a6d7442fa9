"""Masks shared by MultiHeadAttention and GroupedQueryAttention, as Keras 3 builds them.

Everything is made with ops (or from shapes only), so a traced ``fit`` step replays it with
the next batch's masks instead of baking this batch's in as constants.
"""
import contextlib

import numpy as np

from gradiente import ops


def combine_attention_mask(query_len, value_len, query_mask=None, value_mask=None, key_mask=None,
                           attention_mask=None, causal=False, sliding_window=None):
    """Keras's rule, True where attention is allowed: query mask (B, T, 1) & value and key
    masks (B, 1, S) & causal (1, T, S) & sliding band |t - s| < window (1, T, S) &
    ``attention_mask`` (B, T, S). Returns a boolean Tensor, or None when there is no mask."""
    parts = []
    if query_mask is not None:
        parts.append(ops.expand_dims(ops.cast(query_mask, "bool"), -1))
    for m in (value_mask, key_mask):
        if m is not None:
            parts.append(ops.expand_dims(ops.cast(m, "bool"), -2))
    # Shape-only masks: fixed for a batch signature, so constants are safe in a replay.
    band = None
    if causal:
        band = np.tri(query_len, value_len, dtype=bool)
    if sliding_window is not None:
        rows, cols = np.arange(query_len)[:, None], np.arange(value_len)[None]
        window = np.abs(rows - cols) < sliding_window
        band = window if band is None else band & window
    if band is not None:
        parts.append(ops.convert_to_tensor(band[None]))
    if attention_mask is not None:
        parts.insert(0, ops.cast(attention_mask, "bool"))
    if not parts:
        return None
    mask = parts[0]
    for part in parts[1:]:
        mask = ops.logical_and(mask, part)
    return mask


def expand_for_scores(mask, scores_ndim, attention_axes=1):
    """Insert the heads axis (and any other missing axes) before the attention axes, as
    Keras does, so a (B, T, S) mask lines up with (B, N, T, S) scores."""
    axis = -2 * attention_axes - 1
    for _ in range(scores_ndim - mask.ndim):
        mask = ops.expand_dims(mask, axis)
    return mask


def masked_softmax(scores, mask=None, axis=-1):
    """Keras's Softmax layer with a mask: masked logits become -1e9 (-3e4 in float16), and
    masked probabilities are exactly 0 afterwards, even in a fully masked row."""
    if mask is None:
        return ops.softmax(scores, axis=axis)
    large = -3e4 if scores.dtype == np.float16 else -1e9
    scores = ops.where(mask, scores, np.asarray(large, dtype=scores.dtype))
    if isinstance(axis, tuple) and len(axis) > 1:
        probs = ops.exp(ops.subtract(scores, ops.logsumexp(scores, axis=axis, keepdims=True)))
    else:
        probs = ops.softmax(scores, axis=axis[0] if isinstance(axis, tuple) else axis)
    return ops.where(mask, probs, np.zeros((), dtype=probs.dtype))


@contextlib.contextmanager
def masks_detached(*tensors):
    """Calls the projections without the inputs' masks: the layer has already combined them
    into its attention mask, as Keras takes them off before projecting (so the projection
    layers warn about no dropped mask). Restored afterwards, so the caller's tensors keep
    theirs (Keras clears them for good; a later layer reading the same tensor would then see
    no mask, a side effect not worth copying)."""
    saved = [(t, t._keras_mask) for t in tensors if getattr(t, "_keras_mask", None) is not None]
    for t, _ in saved:
        t._keras_mask = None
    try:
        yield
    finally:
        for t, m in saved:
            t._keras_mask = m
