"""CTC loss for sequence labelling without alignment (speech, handwriting): the negative
log-probability of the label sequence, summed over every alignment of it to the frames."""
import numpy as np

from gradiente.autodiff.tensor import Tensor
from gradiente.losses.loss import LossFunctionWrapper, prediction
from gradiente.ops.ctc import ctc_loss


def ctc(y_true, y_pred):
    """y_true (batch, max_length) int labels, 0 being the blank, which also pads: a
    sequence's length is its number of non-zero labels. y_pred (batch, time, classes)
    logits (not softmax-normalised); every frame counts. Returns (batch,)."""
    labels = np.asarray(y_true.data if isinstance(y_true, Tensor) else y_true)
    y_pred = prediction(y_pred)
    if labels.ndim != 2:
        raise ValueError("Targets `y_true` are expected to be a tensor of shape `(batch_size, max_length)` "
                         f"in integer format. Received: y_true.shape={labels.shape}")
    if y_pred.ndim != 3:
        raise ValueError("Logits `y_pred` are expected to be a tensor of shape `(batch_size, max_length, "
                         f"num_classes)`. Received: y_pred.shape={y_pred.shape}")
    label_length = np.sum(labels != 0, axis=-1).astype(np.int32)
    output_length = np.full((y_pred.shape[0],), y_pred.shape[1], dtype=np.int32)
    return ctc_loss(labels, y_pred, label_length, output_length, mask_index=0)


class CTC(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, reduction=reduction, name=name, dtype=dtype)
