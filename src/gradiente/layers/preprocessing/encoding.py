"""Categorical encodings shared by the lookup, hashing, discretization and category
layers: integer indices -> one_hot / multi_hot / count (optionally weighted) arrays.

Keras's rules: ``one_hot`` encodes every element (a trailing axis of size 1 is replaced
by the encoding); ``multi_hot`` and ``count`` encode each sample, the last axis being the
sample, so (batch, n) -> (batch, depth) and a 1-D input is one sample -> (depth,).
Negative indices are left out (the lookups mark masked tokens so), as TensorFlow's
bincount leaves out values past ``depth``.
"""
import numpy as np

MODES = ("int", "one_hot", "multi_hot", "count")


def bincount_rows(indices, row_ids, n_rows, depth, binary, weights=None, dtype="float32"):
    """(n_rows, depth) counts of each row's indices: 1-D ``indices`` and their ``row_ids``."""
    keep = (indices >= 0) & (indices < depth)
    flat = row_ids[keep] * depth + indices[keep]
    w = None if weights is None else np.asarray(weights, dtype=np.float64)[keep]
    counts = np.bincount(flat, weights=w, minlength=n_rows * depth).reshape(n_rows, depth)
    if binary:
        counts = counts > 0
    return counts.astype(dtype)


def encode(indices, output_mode, depth, dtype="float32", count_weights=None, where="layer"):
    """Encode an integer array as ``output_mode`` with ``depth`` classes (see module doc)."""
    indices = np.asarray(indices)
    if output_mode == "int":
        return indices.astype(dtype)
    if indices.ndim == 0:
        indices = indices.reshape(1)
        if count_weights is not None:
            count_weights = np.reshape(count_weights, (1,))
    if output_mode == "one_hot":
        if indices.ndim > 1 and indices.shape[-1] == 1:
            indices = indices[..., 0]
        flat = indices.reshape(-1)
        out = bincount_rows(flat, np.arange(flat.size), flat.size, depth, True, dtype=dtype)
        return out.reshape(indices.shape + (depth,))
    if indices.ndim > 2:
        raise ValueError(
            f"{where}: output_mode='{output_mode}' encodes inputs of rank 1 or 2 (one sample, or "
            f"a batch of samples), as Keras; received shape {indices.shape}."
        )
    rows = indices.reshape(1, -1) if indices.ndim == 1 else indices
    row_ids = np.repeat(np.arange(rows.shape[0]), rows.shape[1])
    weights = None
    if count_weights is not None:
        weights = np.asarray(count_weights).reshape(-1)
        if weights.size != rows.size:
            raise ValueError(
                f"{where}: `count_weights` must have the inputs' shape {indices.shape}, received "
                f"shape {np.shape(count_weights)}."
            )
    out = bincount_rows(rows.reshape(-1), row_ids, rows.shape[0], depth,
                        output_mode == "multi_hot", weights, dtype)
    return out[0] if indices.ndim == 1 else out


def output_shape(input_shape, output_mode, depth):
    """The encoded shape for ``input_shape`` (batch axis included)."""
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if not input_shape:
        return (depth,)
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    return input_shape[:-1] + (depth,)


def check_mode(output_mode, allowed, where):
    if output_mode not in allowed:
        raise ValueError(
            f"{where}: invalid `output_mode`; expected one of {allowed}. Received: "
            f"output_mode={output_mode!r}"
        )
