"""CTC prefix beam search for ``keras.ops.ctc_decode(strategy="beam_search")``.

Works on NumPy arrays only: decoding picks labels and has no gradient. Every batch item
keeps ``beam_width`` slots, each a distinct label prefix with two log probabilities: of
the alignments that end in a label ("emit") and of those that end in the blank. All items
advance together, one time step at a time; items whose sequence has ended keep their beams.
"""
import numpy as np

_PAD = -1  # how Keras marks "no label" in decoded paths


def _log_softmax(x):
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _order_keys(rows, classes):
    """Pack label rows into int64 words that compare as Keras orders prefixes.

    Keras (NumPy and JAX backends) breaks ties between equal scores by the prefixes'
    lexicographic order with the padding lowest and smaller labels ranking higher; ties
    are common (uniform inputs) and must resolve the same way for the same paths to come
    out. Packing several labels per word keeps the sort to a few integer keys per row."""
    key = np.where(rows >= 0, classes - rows, 0).astype(np.int64)  # pad 0, label c -> classes - c
    bits = int(classes).bit_length()
    per_word = max(1, 63 // bits)
    steps = rows.shape[-1]
    words = -(-steps // per_word)
    key = np.pad(key, [(0, 0)] * (key.ndim - 1) + [(0, words * per_word - steps)])
    key = key.reshape(key.shape[:-1] + (words, per_word))
    shifts = bits * np.arange(per_word - 1, -1, -1, dtype=np.int64)
    return (key << shifts).sum(axis=-1)  # (..., words), word 0 most significant


def _ranked(total, keys):
    """Indices sorting each batch row ascending by total, ties by prefix order."""
    columns = [keys[..., w] for w in range(keys.shape[-1] - 1, -1, -1)]
    return np.lexsort(columns + [total], axis=-1)


def _step(state, logp, mask_index, classes, first):
    """One time step: extend every live prefix by every class, merge equal prefixes,
    keep the ``beam_width`` most probable. ``logp`` is (batch, classes)."""
    prefix, length, emit, blank = state
    batch, width, steps = prefix.shape
    rows = np.arange(batch)[:, None]
    total = np.logaddexp(emit, blank)
    live = total > -np.inf
    last = np.where(length > 0, np.take_along_axis(prefix, np.maximum(length - 1, 0)[..., None], -1)[..., 0],
                    _PAD)

    # Staying on the same prefix: a blank after anything, or the last label again after
    # a label (CTC collapses the repeat).
    last_logp = np.where(last >= 0, np.take_along_axis(logp, np.maximum(last, 0), -1), -np.inf)
    stay_emit = emit + last_logp
    stay_blank = total + logp[:, mask_index][:, None]
    # Growing by class c: a repeat of the last label only counts after a blank.
    is_last = np.arange(classes) == last[..., None]
    grow_emit = np.where(is_last, blank[..., None], total[..., None]) + logp[:, None, :]
    grow_emit[..., mask_index] = -np.inf

    # Prefix i grown by label c may already be in the beam as prefix j (j minus its last
    # label equals i): its probability joins j's instead of making a duplicate.
    parent = prefix.copy()
    has_label = length > 0
    b, j = np.nonzero(has_label)
    parent[b, j, length[b, j] - 1] = _PAD
    match = (parent[:, None, :, :] == prefix[:, :, None, :]).all(-1)  # (batch, i, j)
    match &= live[:, :, None] & (live & has_label)[:, None, :]
    merged = match.any(axis=1)
    b, j = np.nonzero(merged)
    i = match.argmax(axis=1)[b, j]
    stay_emit[b, j] = np.logaddexp(stay_emit[b, j], grow_emit[b, i, last[b, j]])
    grow_emit[b, i, last[b, j]] = -np.inf

    # Candidates: the ``width`` stayed prefixes, then the ``width * classes`` grown ones.
    grown = np.repeat(prefix[:, :, None, :], classes, axis=2)
    # A prefix has at most t labels before step t < steps, so this clamp never bites; it
    # only keeps the index in range.
    at_end = np.minimum(length, steps - 1)
    grown[np.arange(batch)[:, None, None], np.arange(width)[None, :, None], np.arange(classes),
          at_end[..., None]] = np.arange(classes)
    cand = np.concatenate([prefix, grown.reshape(batch, width * classes, steps)], axis=1)
    cand_length = np.concatenate([length, np.repeat(length + 1, classes, axis=1)], axis=1)
    cand_emit = np.concatenate([stay_emit, grow_emit.reshape(batch, -1)], axis=1)
    cand_blank = np.concatenate([stay_blank, np.full((batch, width * classes), -np.inf)], axis=1)
    cand_total = np.logaddexp(cand_emit, cand_blank)

    keys = _order_keys(cand, classes)
    if first:
        # Keras's first step ranks the classes themselves, so the blank (the empty
        # prefix) competes in ties as its class index, not as the lowest prefix.
        keys[:, :width] = 0
        keys[:, 0, 0] = _order_keys(np.array([mask_index]), classes)[0]
    keep = _ranked(cand_total, keys)[:, -width:]
    return (cand[rows, keep], cand_length[rows, keep], cand_emit[rows, keep], cand_blank[rows, keep])


def ctc_beam_search_decode(scores, lengths, beam_width, top_paths, mask_index):
    """``scores`` (batch, steps, classes) unnormalised logits, ``lengths`` (batch,).

    Returns paths (top_paths, batch, steps) int32, labels first and -1 after, and their
    log probabilities (batch, top_paths), best first, as float64."""
    batch, steps, classes = scores.shape
    logp = _log_softmax(scores.astype(np.float64))
    width = beam_width
    # Before any step every item has one beam: the empty prefix, certainly (log 1 = 0)
    # ending in "blank" so that a first label is never taken for a repeat.
    prefix = np.full((batch, width, steps), _PAD, dtype=np.int64)
    length = np.zeros((batch, width), dtype=np.int64)
    emit = np.full((batch, width), -np.inf)
    blank = np.full((batch, width), -np.inf)
    blank[:, 0] = 0.0
    state = (prefix, length, emit, blank)
    for t in range(steps):
        active = t < lengths
        if not active.any():
            break
        new = _step(state, logp[:, t], mask_index, classes, first=t == 0)
        state = tuple(np.where(active.reshape((batch,) + (1,) * (old.ndim - 1)), n, old)
                      for n, old in zip(new, state))
    prefix, length, emit, blank = state
    total = np.logaddexp(emit, blank)
    best = _ranked(total, _order_keys(prefix, classes))[:, ::-1][:, :top_paths]
    rows = np.arange(batch)[:, None]
    paths, log_probs = prefix[rows, best], total[rows, best]
    # Slots never filled (fewer distinct prefixes than top_paths) hold no path.
    paths = np.where((log_probs > -np.inf)[..., None], paths, _PAD)
    return paths.transpose(1, 0, 2).astype(np.int32), log_probs
