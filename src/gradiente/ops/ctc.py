"""``ctc_loss``: the connectionist temporal classification loss (Graves et al., 2006), a
differentiable primitive.

Forward-backward in log space, vectorised over the batch and the 2L + 1 states of each
label sequence with blanks between and around its labels (a loop over time only). As in
Keras's NumPy and JAX backends, impossible states hold log-probability -1e5 rather than
-inf, so a label too long for its output gives a large finite loss and finite gradients.
Output frames past ``output_length`` and labels past ``target_length`` take no part; the
labels are used as given, even one equal to ``mask_index``.
"""
import numpy as np

from gradiente.autodiff.tensor import Tensor
from gradiente.ops.primitive import primitive

LOG_EPSILON = -1e5  # "impossible", finite so that no gradient becomes NaN


def _log_softmax(x):
    z = x - np.max(x, axis=-1, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))


def _shifted(a, by, fill):
    """a (B, S) moved right by ``by`` states (left when negative), ``fill`` coming in."""
    out = np.full_like(a, fill)
    if by > 0:
        out[:, by:] = a[:, :-by]
    else:
        out[:, :by] = a[:, -by:]
    return out


def _states(target, target_length, mask_index):
    """The extended label sequence (B, 2L+1), where a jump over a blank is allowed, and
    which states may end a path."""
    batch, length = target.shape
    extended = np.full((batch, 2 * length + 1), mask_index, dtype=target.dtype)
    extended[:, 1::2] = target
    # Label state 2n+1 may be entered from 2n-1 (skipping the blank) unless the labels repeat.
    skip = np.zeros(extended.shape, dtype=bool)
    skip[:, 3::2] = target[:, 1:] != target[:, :-1]
    states = np.arange(extended.shape[1])
    last = 2 * target_length[:, None]
    final = (states == last) | ((states == last - 1) & (target_length[:, None] > 0))
    return extended, skip, final


def _forward_backward(logits, target, target_length, output_length, mask_index):
    log_probs = _log_softmax(logits)
    extended, skip, final = _states(target, target_length, mask_index)
    batch, steps, _ = logits.shape
    emit = np.take_along_axis(log_probs, np.broadcast_to(extended[:, None, :], (batch, steps, extended.shape[1])),
                              axis=2)  # (B, T, S): log p of each state's symbol at each frame
    eps = np.asarray(LOG_EPSILON, dtype=logits.dtype)
    alphas = np.full((steps,) + extended.shape, eps)
    alpha = np.full(extended.shape, eps)
    alpha[:, :2] = emit[:, 0, :2]
    alphas[0] = alpha
    for t in range(1, steps):
        jump = np.where(skip, _shifted(alpha, 2, eps), eps)
        new = np.logaddexp(np.logaddexp(alpha, _shifted(alpha, 1, eps)), jump) + emit[:, t]
        alpha = np.where((t < output_length)[:, None], new, alpha)  # frozen past the output's end
        alphas[t] = alpha
    log_likelihood = np.logaddexp.reduce(np.where(final, alpha, eps), axis=1)
    return log_probs, extended, skip, final, emit, alphas, log_likelihood


@primitive(name="ctc_loss")
def _ctc_loss(output, target, target_length, output_length, mask_index=0, cache=None):
    log_probs, extended, skip, final, emit, alphas, log_likelihood = _forward_backward(
        output, target, target_length, output_length, mask_index)
    cache.update(log_probs=log_probs, extended=extended, skip=skip, final=final, emit=emit,
                 alphas=alphas, log_likelihood=log_likelihood)
    return -log_likelihood


@_ctc_loss.defvjp
def _(g, ans, needs, output, target, target_length, output_length, mask_index=0, cache=None):
    if "alphas" not in cache:
        _ctc_loss.forward(output, target, target_length, output_length, mask_index, cache)
    log_probs, extended, skip, final, emit, alphas = (cache[k] for k in (
        "log_probs", "extended", "skip", "final", "emit", "alphas"))
    steps = output.shape[1]
    eps = np.asarray(LOG_EPSILON, dtype=output.dtype)
    last = output_length - 1
    skip_next = _shifted(skip, -2, False)
    occupancy = np.zeros(emit.shape, dtype=output.dtype)  # (B, T, S): P(state s at frame t | labels)
    beta = np.full(extended.shape, eps)
    for t in range(steps - 1, -1, -1):
        jump = np.where(skip_next, _shifted(beta, -2, eps), eps)
        recursion = np.logaddexp(np.logaddexp(beta, _shifted(beta, -1, eps)), jump) + emit[:, t]
        start = np.where(final, emit[:, t], eps)
        beta = np.where((t == last)[:, None], start, np.where((t < last)[:, None], recursion, eps))
        log_gamma = alphas[t] + beta - emit[:, t] - cache["log_likelihood"][:, None]
        occupancy[:, t] = np.where((t <= last)[:, None], np.exp(np.minimum(log_gamma, 0)), 0)
    # d(-log p)/d log_probs[b, t, k] = -(occupancy of the states emitting k); then through
    # log_softmax: subtract softmax times the frame's total.
    grad_log_probs = np.zeros(output.shape, dtype=output.dtype)
    batch_index = np.arange(output.shape[0])[:, None, None]
    time_index = np.arange(steps)[None, :, None]
    np.add.at(grad_log_probs, (batch_index, time_index, extended[:, None, :]), -occupancy)
    grad = grad_log_probs - np.exp(log_probs) * np.sum(grad_log_probs, axis=-1, keepdims=True)
    return grad * g[:, None, None].astype(output.dtype), None, None, None


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Per-sequence CTC loss, -log p(target | output) (Keras's ``ops.ctc_loss``).

    target (batch, max_label_length) int labels; output (batch, max_time, classes) logits
    (unnormalised); target_length, output_length (batch,) int. ``mask_index``: the blank
    class. Returns (batch,) in output's float dtype (at least float32), differentiable
    with respect to ``output``.
    """
    out = output.data if isinstance(output, Tensor) else np.asarray(output)
    if out.dtype.kind != "f" or out.dtype.itemsize < 4:
        out = out.astype(np.float32)
        output = Tensor(out) if not isinstance(output, Tensor) else _cast(output)
    labels = np.asarray(target.data if isinstance(target, Tensor) else target).astype(np.int64)
    label_length = np.asarray(target_length.data if isinstance(target_length, Tensor) else target_length)
    frames = np.asarray(output_length.data if isinstance(output_length, Tensor) else output_length)
    if labels.ndim != 2 or out.ndim != 3:
        raise ValueError("ctc_loss expects target of shape (batch, max_label_length) and output of "
                         f"shape (batch, max_time, classes). Received: target.shape={labels.shape}, "
                         f"output.shape={out.shape}")
    for name, shape, other, other_shape in (("target", labels.shape, "output", out.shape),
                                            ("target_length", label_length.shape, "target", labels.shape),
                                            ("output_length", frames.shape, "output", out.shape)):
        if not shape or shape[0] != other_shape[0]:
            raise ValueError(f"Arguments `{name}` and `{other}` must have the same first dimension. "
                             f"Received shapes: `{shape}` and `{other_shape}`.")
    classes = out.shape[2]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"ctc_loss: labels must lie in [0, {classes}) for output with {classes} classes; "
                         f"received labels from {labels.min()} to {labels.max()}.")
    label_length = np.clip(label_length.astype(np.int64), 0, labels.shape[1])
    frames = np.clip(frames.astype(np.int64), 1, out.shape[1])
    return _ctc_loss(output, labels, label_length, frames, mask_index=int(mask_index), cache={})


def _cast(x):
    from gradiente.ops.shape import cast

    return cast(x, "float32")
