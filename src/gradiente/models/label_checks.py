"""What targets and class weights must hold, checked once before training changes a weight:
labels in the range the loss can read, class weights naming classes the model has."""
import numpy as np


def _loss_name(loss_fn):
    return f"{getattr(loss_fn, 'name', '') or ''} {getattr(getattr(loss_fn, 'fn', None), '__name__', '')}"


def check_labels(loss_fn, y, y_pred):
    """``y`` (all targets of one output) against what ``loss_fn`` and ``y_pred`` allow."""
    labels = np.asarray(y)
    if labels.size == 0:
        return
    name = _loss_name(loss_fn)
    if "sparse_categorical" in name:
        classes = y_pred.shape[-1]
        if labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
            raise ValueError("sparse_categorical_crossentropy needs integer class labels, but y has fractional values.")
        low, high = labels.min(), labels.max()
        if low < 0 or high >= classes:
            bad = low if low < 0 else high
            raise ValueError(
                f"Received a label value of {bad:g} which is outside the valid range of [0, {classes - 1}] "
                f"for sparse_categorical_crossentropy: the model's output has {classes} classes. "
                "Check the labels or the size of the last layer."
            )
    elif "binary_crossentropy" in name or "binary_focal_crossentropy" in name:
        low, high = float(labels.min()), float(labels.max())
        if low < 0 or high > 1 or not np.isfinite(low + high):
            raise ValueError(
                f"binary_crossentropy needs labels in [0, 1] (the classes 0 and 1, or "
                f"probabilities as soft labels), but y holds values from {low:g} to {high:g}. "
                "For -1/+1 labels use a hinge loss, or map them to 0/1."
            )


def check_class_weight(class_weight, sample_weight, n_targets):
    """``class_weight``'s form: a dict of class index -> weight, alone, for one output."""
    if class_weight is None:
        return
    if not isinstance(class_weight, dict):
        raise ValueError(f"class_weight must be a dict {{class index: weight}}, received {type(class_weight).__name__}.")
    for key, value in class_weight.items():
        if isinstance(key, bool) or not isinstance(key, (int, np.integer)) or key < 0:
            raise ValueError(
                f"class_weight must map class indices (integers >= 0) to weights; received the key {key!r}."
            )
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not np.isfinite(value) or value < 0:
            raise ValueError(
                f"class_weight[{key}] must be a finite number >= 0, received {value!r}."
            )
    if sample_weight is not None:
        raise ValueError("You cannot give both `class_weight` and `sample_weight`: pass one of them.")
    if n_targets is not None and n_targets > 1:
        raise ValueError("`class_weight` is only supported for models with a single output.")


def check_class_weight_classes(class_weight, y_pred):
    """Every class ``class_weight`` names must be one the output can predict."""
    width = y_pred.shape[-1] if len(y_pred.shape) > 1 else 1
    classes = 2 if width == 1 else width
    unknown = sorted(int(k) for k in class_weight if k >= classes)
    if unknown:
        raise ValueError(
            f"class_weight names class(es) {unknown}, but the model's output has {classes} classes "
            f"(0 to {classes - 1}). Check the keys, or the size of the last layer."
        )


def class_sample_weights(yb, swb, class_weight):
    """``class_weight`` turned into per-sample weights (one output only, as in Keras)."""
    if class_weight is None:
        return swb
    labels = np.asarray(yb[0])
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(axis=-1)
    labels = labels.reshape(-1).astype(np.int64)
    table = np.ones(int(max(max(class_weight) + 1, labels.max() + 1)), dtype=np.float32)
    for k, v in class_weight.items():
        table[int(k)] = v
    return table[labels]
