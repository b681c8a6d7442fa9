"""The remaining ``keras.ops.nn`` functions: batch_normalization, normalize, psnr,
multi_hot and ctc_decode, composed from differentiable ops where Keras's backends
differentiate them (batch_normalization, normalize, psnr); multi_hot and ctc_decode give
labels and have no gradient."""
import numpy as np

from gradiente import backend
from gradiente.autodiff.tensor import Tensor, to_array
from gradiente.ops.ctc_beam_search import ctc_beam_search_decode
from gradiente.ops.exponential import log10, rsqrt
from gradiente.ops.arithmetic import divide, maximum, multiply, square, subtract
from gradiente.ops.neural import one_hot
from gradiente.ops.norms import norm
from gradiente.ops.reduction import mean, sum as reduce_sum
from gradiente.ops.shape import expand_dims, reshape


def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(to_array(x))


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon) · scale + offset, with the 1-D statistics
    (C,) laid along ``axis`` of x."""
    x = _tensor(x)
    axis = axis % x.ndim
    shape = [1] * x.ndim
    shape[axis] = -1

    def along(v):
        return reshape(_tensor(v), tuple(shape))

    inv = rsqrt(along(variance) + epsilon)
    if scale is not None:
        inv = multiply(inv, along(scale))
    shift = -along(mean) * inv  # x·inv + (offset - mean·inv): one multiply-add over x
    if offset is not None:
        shift = shift + along(offset)
    return x * inv + shift


def normalize(x, axis=-1, order=2, epsilon=None):
    """x divided by its ``order``-norm along ``axis`` (at least ``epsilon``, default the
    backend's): an L2-normalized zero vector stays zero with a finite gradient."""
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise ValueError(f"normalize: Argument `order` must be an int >= 1. Received: order={order}")
    x = _tensor(x)
    if x.ndim == 0:
        x = expand_dims(x, 0)
    epsilon = backend.epsilon() if epsilon is None else epsilon
    if order == 2:
        # The square sum is clamped before rsqrt, so a zero vector's gradient is 1/epsilon, not NaN.
        squares = reduce_sum(square(x), axis=axis, keepdims=True)
        return x * rsqrt(maximum(squares, epsilon * epsilon))
    return divide(x, maximum(norm(x, ord=order, axis=axis, keepdims=True), epsilon))


def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio in dB: 20·log10(max_val) - 10·log10(mean((x1 - x2)²))."""
    x1, x2 = _tensor(x1), _tensor(x2)
    if tuple(x1.shape) != tuple(x2.shape):
        raise ValueError(f"psnr: input shapes {tuple(x1.shape)} and {tuple(x2.shape)} must match for PSNR calculation.")
    peak = np.asarray(max_val, dtype=x2.data.dtype)
    mse = mean(square(subtract(x1, x2)))
    return subtract(20 * log10(Tensor(peak)), 10 * log10(mse))


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Integer labels -> multi-hot vectors: the one-hot encodings (placed on ``axis``)
    reduced by maximum over axis 1 (axis 0 for 1-D input), as Keras does."""
    if num_classes is None and "num_tokens" in kwargs:
        num_classes = kwargs.pop("num_tokens")
    if num_classes is None:
        raise ValueError("multi_hot: Argument `num_classes` must be specified.")
    if sparse:
        raise ValueError("multi_hot: sparse=True is not supported: gradiente has no sparse tensors.")
    labels = np.asarray(getattr(inputs, "data", inputs)).astype(np.int32)
    encoded = one_hot(labels, num_classes, axis=axis, dtype=dtype).data
    return Tensor(encoded.max(axis=1 if labels.ndim > 1 else 0))


def _greedy(scores, lengths, merge_repeated, mask_index):
    batch, steps, _ = scores.shape
    labels = np.argmax(scores, axis=-1).astype(np.int32)
    best = np.max(scores, axis=-1)
    past_end = np.arange(steps)[None, :] >= lengths[:, None]
    labels = np.where(past_end, mask_index, labels)
    best = np.where(past_end, 0, best)
    if merge_repeated:
        repeats = np.pad(labels[:, 1:] == labels[:, :-1], ((0, 0), (1, 0)))
        labels = np.where(repeats, mask_index, labels)
    blank = labels == mask_index
    # Keep the labels in order, blanks (as -1) moved to the end.
    order = np.argsort(np.where(blank, steps, np.arange(steps)[None, :]), axis=-1, kind="stable")
    labels = np.take_along_axis(np.where(blank, -1, labels), order, axis=-1)
    return labels[None], (-best.sum(axis=1))[:, None]


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1, merge_repeated=True,
               mask_index=0):
    """Decode CTC outputs (batch, steps, classes); ``mask_index`` is the blank (None: the
    last class). Greedy: the best class per step, repeats merged, blanks dropped; returns
    labels (1, batch, steps) padded with -1 and scores (batch, 1), minus the sum of the
    chosen values. Beam search: a CTC prefix beam search over the log-softmax of the
    inputs; returns the ``top_paths`` best label sequences (top_paths, batch, steps)
    padded with -1 and their log probabilities (batch, top_paths), best first. As in
    Keras's NumPy and JAX backends, beam search always merges repeats (CTC's rule) and
    ignores ``merge_repeated``."""
    if strategy not in ("greedy", "beam_search"):
        raise ValueError(f"ctc_decode: Invalid strategy {strategy!r}. Supported values are 'greedy' and "
                         "'beam_search'.")
    scores = np.asarray(getattr(inputs, "data", inputs))
    # Keras promotes to at least float32: result_type(inputs.dtype, "float32").
    dtype = np.float64 if scores.dtype == np.float64 else np.float32
    scores = scores.astype(dtype, copy=False)
    if scores.ndim != 3:
        raise ValueError(f"ctc_decode: `inputs` must be (batch, steps, classes), received shape {scores.shape}.")
    lengths = np.asarray(getattr(sequence_lengths, "data", sequence_lengths))
    if lengths.shape != scores.shape[:1]:
        raise ValueError(f"ctc_decode: `sequence_lengths` must be (batch,) = ({scores.shape[0]},), received "
                         f"shape {lengths.shape}.")
    lengths = lengths.astype(np.int64)
    if mask_index is None:
        mask_index = scores.shape[-1] - 1
    if strategy == "greedy":
        labels, score = _greedy(scores, lengths, merge_repeated, mask_index)
        return Tensor(labels), Tensor(score.astype(dtype))
    for name, arg in (("beam_width", beam_width), ("top_paths", top_paths)):
        if isinstance(arg, bool) or not isinstance(arg, (int, np.integer)) or arg < 1:
            raise ValueError(f"ctc_decode: `{name}` must be a positive integer, received {arg!r}.")
    if top_paths > beam_width:
        raise ValueError(f"ctc_decode: `top_paths` ({top_paths}) cannot exceed `beam_width` ({beam_width}): "
                         "the search keeps only beam_width paths.")
    if not 0 <= mask_index < scores.shape[-1]:
        raise ValueError(f"ctc_decode: `mask_index` must index one of the {scores.shape[-1]} classes, received "
                         f"{mask_index}.")
    paths, log_probs = ctc_beam_search_decode(scores, lengths, int(beam_width), int(top_paths), int(mask_index))
    return Tensor(paths), Tensor(log_probs.astype(dtype))
