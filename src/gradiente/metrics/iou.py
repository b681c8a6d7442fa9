"""Intersection-over-union metrics for segmentation and classification: IoU, MeanIoU,
BinaryIoU, OneHotIoU, OneHotMeanIoU.

A (num_classes, num_classes) confusion matrix accumulates (rows: true class, columns:
predicted class, each pair weighted by its sample weight). A class's IoU is
tp / (tp + fp + fn); the result is the mean over the target classes that occur at all
(as truth or prediction). As in Keras, the state's dtype defaults to int32, so float
sample weights are truncated unless ``dtype="float32"`` is given (a warning says so).
"""
import warnings

import numpy as np

from gradiente import backend
from gradiente.metrics.metric import Metric, to_array


class _IoUBase(Metric):
    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int32")
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable((num_classes, num_classes), name="total_confusion_matrix",
                                          dtype=self._dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """y_true, y_pred: class ids of any shape (flattened), or scores / one-hot along
        ``axis`` when ``sparse_y_true`` / ``sparse_y_pred`` is False."""
        y_true, y_pred = to_array(y_true), to_array(y_pred)
        if not self.sparse_y_true:
            y_true = np.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = np.argmax(y_pred, axis=self.axis)
        y_true, y_pred = y_true.astype(self._dtype).ravel(), y_pred.astype(self._dtype).ravel()
        if sample_weight is None:
            weights = np.ones(y_true.shape, dtype=self._dtype)
        else:
            raw = to_array(sample_weight)
            if hasattr(sample_weight, "dtype") and raw.dtype.kind == "f" and self._dtype.kind in "iu":
                warnings.warn("You are passing weight as `float`, but dtype is `int`. This may result "
                              "in an incorrect weight due to type casting. Consider using integer "
                              "weights (or dtype='float32').", stacklevel=2)
            weights = np.broadcast_to(raw.astype(self._dtype).ravel(), y_true.shape)
        # Class ids outside [0, num_classes) (and the ignored class) never reach the matrix.
        valid = (y_true >= 0) & (y_true < self.num_classes) & (y_pred >= 0) & (y_pred < self.num_classes)
        if self.ignore_class is not None:
            valid &= y_true != self.ignore_class
        index = y_true[valid].astype(np.intp) * self.num_classes + y_pred[valid].astype(np.intp)
        counts = np.bincount(index, weights=weights[valid].astype(np.float64),
                             minlength=self.num_classes ** 2)
        self.total_cm.data += counts.reshape(self.num_classes, self.num_classes).astype(self._dtype)


class IoU(_IoUBase):
    """The mean IoU over ``target_class_ids`` (one id: that class's IoU).

    y_true and y_pred hold class ids (any shape); with ``sparse_y_true=False`` /
    ``sparse_y_pred=False`` they hold scores whose argmax along ``axis`` is the class.
    ``ignore_class``: pixels whose true class is this id are left out.
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which is "
                             f"[0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)

    def result(self):
        cm = self.total_cm.data.astype(np.float64)
        tp = np.diag(cm)
        denominator = (cm.sum(axis=0) + cm.sum(axis=1) - tp)[self.target_class_ids]
        tp = tp[self.target_class_ids]
        valid = denominator > 1e-9  # classes absent from truth and prediction do not count
        eps = backend.epsilon()
        iou = np.where(valid, tp / (denominator + eps), 0.0)
        return float(np.sum(iou) / (np.sum(valid) + eps))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of a binary task: y_pred >= ``threshold`` is class 1. ``target_class_ids``:
    (0, 1) averages both classes; [1] is the IoU of the positive class alone."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        predicted = to_array(y_pred, np.float32) >= self.threshold
        super().update_state(y_true, predicted, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """The mean IoU over all ``num_classes`` classes (those that occur)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    """IoU with one-hot y_true (its argmax is the class) and scores as y_pred."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """MeanIoU with one-hot y_true and scores as y_pred."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config
