"""``keras.utils.pad_sequences``: a list of variable-length sequences as one padded array."""
import numpy as np


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Pad (or cut) each sequence to ``maxlen`` (default: the longest).

    ``sequences``: ``n`` sequences, each of length ``len_i`` with items of one shape ``s``.
    Returns an array ``(n, maxlen) + s`` of ``dtype``. ``padding``/``truncating`` "pre" pad or
    cut at the start, "post" at the end; pads hold ``value``.

    >>> pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2)
    array([[0, 1],
           [2, 3],
           [5, 6]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    for name, mode in (("padding", padding), ("truncating", truncating)):
        if mode not in ("pre", "post"):
            raise ValueError(
                f'{name.capitalize()} type "{mode}" not understood: `{name}` must be "pre" or "post".')
    lengths, sample_shape = [], None
    for i, seq in enumerate(sequences):
        try:
            lengths.append(len(seq))
        except TypeError:
            raise ValueError(
                f"`sequences` must be a list of iterables. Found non-iterable: {seq!s} (at position {i})."
            ) from None
        if sample_shape is None and len(seq):  # the items' shape, from the first non-empty one
            sample_shape = np.asarray(seq).shape[1:]
    sample_shape = sample_shape or ()
    if maxlen is None:
        if not lengths:
            raise ValueError("pad_sequences: `sequences` is empty, so `maxlen` cannot be inferred; pass maxlen.")
        maxlen = max(lengths)
    elif isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or maxlen < 1:
        raise ValueError(f"pad_sequences: `maxlen` must be a positive integer or None; received maxlen={maxlen!r}.")
    is_text_dtype = dtype is not object and np.issubdtype(np.dtype(dtype), np.character)
    if isinstance(value, str) and dtype is not object and not is_text_dtype:
        raise ValueError(
            f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
            f"You should set `dtype=object` for variable length strings.")
    out = np.full((len(lengths), maxlen) + sample_shape, value, dtype=dtype)
    for i, seq in enumerate(sequences):
        if not len(seq):
            continue
        kept = seq[-maxlen:] if truncating == "pre" else seq[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(
                f"Shape of sample {kept.shape[1:]} of sequence at position {i} is different from "
                f"expected shape {sample_shape}")
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, maxlen - len(kept):] = kept
    return out
