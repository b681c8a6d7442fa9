"""Circle loss (Sun et al., 2020): a metric-learning loss on L2-normalised embeddings that
pulls same-label pairs together and pushes different-label pairs apart, each pair weighted
by how far it is from its optimum."""
import numpy as np

from gradiente import ops
from gradiente.autodiff.tensor import Tensor
from gradiente.losses.loss import LossFunctionWrapper, prediction


def _labels(labels, name):
    arr = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"circle: `{name}` must hold one integer label per embedding, of shape (batch,). "
                         f"Received shape {arr.shape}.")
    return arr.astype(np.int64)


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80, margin=0.4):
    """Per-sample circle loss. y_true (batch,) int labels; y_pred (batch, dim) unit-norm
    embeddings; compared with ``ref_embeddings`` / ``ref_labels`` (default: the batch itself,
    without self-pairs when ``remove_diagonal``). Samples with zero loss are masked out of
    the mean, as in Keras."""
    y_pred = prediction(y_pred)
    labels = _labels(y_true, "y_true")
    refs = y_pred if ref_embeddings is None else prediction(ref_embeddings)
    ref_labels = labels if ref_labels is None else _labels(ref_labels, "ref_labels")
    if y_pred.ndim != 2 or refs.ndim != 2 or labels.shape[0] != y_pred.shape[0] \
            or ref_labels.shape[0] != refs.shape[0]:
        raise ValueError("circle: expected y_pred (batch, dim) with y_true (batch,), and ref_embeddings "
                         f"(refs, dim) with ref_labels (refs,). Received y_pred.shape={y_pred.shape}, "
                         f"y_true.shape={labels.shape}, ref_embeddings.shape={refs.shape}, "
                         f"ref_labels.shape={ref_labels.shape}.")
    same = labels[:, None] == ref_labels[None, :]
    positive, negative = same, ~same
    if remove_diagonal:
        positive = same & ~np.eye(len(labels), len(ref_labels), dtype=bool)
    dtype = y_pred.dtype
    distances = ops.maximum(ops.subtract(1.0, ops.matmul(y_pred, ops.transpose(refs))), 0.0)
    pos_weights = ops.maximum(ops.multiply(ops.add(margin, distances), positive.astype(dtype)), 0.0)
    neg_weights = ops.maximum(ops.multiply(ops.subtract(1.0 + margin, distances), negative.astype(dtype)), 0.0)
    pos_terms = ops.multiply(ops.multiply(-gamma, pos_weights), ops.subtract(margin, distances))
    neg_terms = ops.multiply(ops.multiply(gamma, neg_weights), ops.subtract(1.0 - margin, distances))
    # Keras masks with -inf; a very negative finite value gives the same losses, and a row
    # with no positive (or negative) pair then gets a zero gradient instead of NaN.
    excluded = np.asarray(-0.25 * np.finfo(dtype).max, dtype=dtype)
    p_loss = ops.logsumexp(ops.where(positive, pos_terms, excluded), axis=1)
    n_loss = ops.logsumexp(ops.where(negative, neg_terms, excluded), axis=1)
    losses = ops.softplus(ops.add(p_loss, n_loss))
    losses._keras_mask = losses.data > 0
    return losses


class Circle(LossFunctionWrapper):
    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True, reduction="sum_over_batch_size",
                 name="circle", dtype=None):
        super().__init__(circle, reduction=reduction, name=name, dtype=dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)
        self.gamma, self.margin, self.remove_diagonal = gamma, margin, remove_diagonal
