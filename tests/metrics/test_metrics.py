"""Metrics against NumPy / scikit-learn references, with sample weights, accumulation
over batches and reset."""
import math

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from gradiente import metrics, ops
from gradiente.autodiff import Tensor

rng = np.random.default_rng(0)
N, C = 40, 5
LABELS = rng.integers(0, C, N)
ONE_HOT = np.eye(C, dtype=np.float32)[LABELS]
PROBS = rng.dirichlet(np.ones(C), N).astype(np.float32)
BIN_TRUE = rng.integers(0, 2, N).astype(np.float32)
BIN_PRED = np.clip(BIN_TRUE * 0.3 + rng.uniform(0, 0.7, N), 0, 1).astype(np.float32)
REG_TRUE = rng.standard_normal((N, 3)).astype(np.float32)
REG_PRED = (REG_TRUE + 0.5 * rng.standard_normal((N, 3))).astype(np.float32)
W = rng.uniform(0, 2, N)


def in_batches(metric, y_true, y_pred, sample_weight=None, size=16):
    """Feed the data in uneven batches; the running result must not depend on them."""
    for start in range(0, len(y_true), size):
        part = slice(start, start + size)
        sw = None if sample_weight is None else sample_weight[part]
        metric.update_state(y_true[part], y_pred[part], sample_weight=sw)
    return metric.result()


def weighted_mean(values, w=None):
    return float(np.average(values, weights=w))


def top_k_hits(labels, probs, k):
    target = probs[np.arange(len(labels)), labels]
    return np.array([np.sum(row > t) < k for row, t in zip(probs, target)])


# (metric factory, y_true, y_pred, per-sample NumPy reference)
MEAN_CASES = {
    "accuracy": (metrics.Accuracy, LABELS, np.where(rng.uniform(size=N) < 0.6, LABELS, 0),
                 lambda t, p: (t == p).astype(float)),
    "binary_accuracy": (metrics.BinaryAccuracy, BIN_TRUE, BIN_PRED,
                        lambda t, p: (t == (p > 0.5)).astype(float)),
    "categorical_accuracy": (metrics.CategoricalAccuracy, ONE_HOT, PROBS,
                             lambda t, p: (t.argmax(-1) == p.argmax(-1)).astype(float)),
    "sparse_categorical_accuracy": (metrics.SparseCategoricalAccuracy, LABELS, PROBS,
                                    lambda t, p: (t == p.argmax(-1)).astype(float)),
    "top_k": (lambda: metrics.TopKCategoricalAccuracy(k=2), ONE_HOT, PROBS,
              lambda t, p: top_k_hits(t.argmax(-1), p, 2).astype(float)),
    "sparse_top_k": (lambda: metrics.SparseTopKCategoricalAccuracy(k=3), LABELS, PROBS,
                     lambda t, p: top_k_hits(t, p, 3).astype(float)),
    "mse": (metrics.MeanSquaredError, REG_TRUE, REG_PRED, lambda t, p: np.mean((t - p) ** 2, -1)),
    "mae": (metrics.MeanAbsoluteError, REG_TRUE, REG_PRED, lambda t, p: np.mean(np.abs(t - p), -1)),
    "mape": (metrics.MeanAbsolutePercentageError, REG_TRUE, REG_PRED,
             lambda t, p: 100 * np.mean(np.abs(t - p) / np.abs(t), -1)),
    "sparse_crossentropy": (metrics.SparseCategoricalCrossentropy, LABELS, PROBS,
                            lambda t, p: -np.log(p[np.arange(len(t)), t])),
}


@pytest.mark.parametrize("case", list(MEAN_CASES))
def test_mean_metrics_match_numpy_with_and_without_weights(case):
    factory, y_true, y_pred, ref = MEAN_CASES[case]
    values = ref(y_true, y_pred)
    metric = factory()
    assert in_batches(metric, y_true, y_pred) == pytest.approx(weighted_mean(values), rel=1e-5)
    metric.reset_state()
    assert metric.result() == 0.0
    assert in_batches(metric, y_true, y_pred, W) == pytest.approx(weighted_mean(values, W), rel=1e-5)
    assert isinstance(metric.result(), float)


def test_metrics_accept_tensors_and_column_labels():
    metric = metrics.SparseCategoricalAccuracy()
    metric.update_state(Tensor(LABELS[:, None]), ops.softmax(Tensor(PROBS)))
    assert metric.result() == pytest.approx(np.mean(LABELS == PROBS.argmax(-1)))
    binary = metrics.BinaryAccuracy(threshold=0.7)
    binary.update_state(BIN_TRUE, BIN_PRED[:, None])  # (N,) against (N, 1)
    assert binary.result() == pytest.approx(np.mean(BIN_TRUE == (BIN_PRED > 0.7)))


def test_root_mean_squared_error():
    per_sample = np.mean((REG_TRUE - REG_PRED) ** 2, -1)
    metric = metrics.RootMeanSquaredError()
    assert in_batches(metric, REG_TRUE, REG_PRED) == pytest.approx(math.sqrt(per_sample.mean()), rel=1e-5)
    metric.reset_state()
    assert in_batches(metric, REG_TRUE, REG_PRED, W) == pytest.approx(
        math.sqrt(weighted_mean(per_sample, W)), rel=1e-5)


def test_mean_and_sum():
    values = rng.standard_normal(N)
    mean, total = metrics.Mean(), metrics.Sum()
    mean.update_state(values[:10])
    mean.update_state(values[10:], sample_weight=W[10:])
    expected = (values[:10].sum() + (values[10:] * W[10:]).sum()) / (10 + W[10:].sum())
    assert mean.result() == pytest.approx(expected, rel=1e-5)
    total.update_state(values, sample_weight=W)
    assert total.result() == pytest.approx(float(np.sum(values * W)), rel=1e-5)
    assert [v.name for v in mean.variables] == ["total", "count"]


def test_mean_metric_wrapper_with_a_user_function():
    metric = metrics.MeanMetricWrapper(lambda t, p: ops.abs(ops.subtract(t, p)), name="l1")
    metric.update_state(REG_TRUE, REG_PRED)
    assert metric.name == "l1"
    assert metric.result() == pytest.approx(float(np.mean(np.abs(REG_TRUE - REG_PRED))), rel=1e-5)


@pytest.mark.parametrize("weighted", [False, True])
def test_precision_and_recall(weighted):
    w = W if weighted else np.ones(N)
    predicted, actual = BIN_PRED > 0.5, BIN_TRUE == 1
    tp, fp, fn = (np.sum(w * (predicted & actual)), np.sum(w * (predicted & ~actual)),
                  np.sum(w * (~predicted & actual)))
    sw = W if weighted else None
    assert in_batches(metrics.Precision(), BIN_TRUE, BIN_PRED, sw) == pytest.approx(tp / (tp + fp), rel=1e-6)
    assert in_batches(metrics.Recall(), BIN_TRUE, BIN_PRED, sw) == pytest.approx(tp / (tp + fn), rel=1e-6)


def test_precision_with_several_thresholds_keeps_their_order():
    thresholds = [0.7, 0.2, 0.5]
    metric = metrics.Precision(thresholds=thresholds)
    metric.update_state(BIN_TRUE, BIN_PRED)
    expected = [np.sum((BIN_PRED > t) & (BIN_TRUE == 1)) / np.sum(BIN_PRED > t) for t in thresholds]
    np.testing.assert_allclose(metric.result(), expected, rtol=1e-6)


def test_recall_top_k_and_class_id():
    metric = metrics.Recall(class_id=2)
    metric.update_state(ONE_HOT, PROBS)
    actual, predicted = ONE_HOT[:, 2] == 1, PROBS[:, 2] > 0.5
    expected = np.sum(actual & predicted) / max(np.sum(actual), 1)
    assert metric.result() == pytest.approx(expected)
    top1 = metrics.Precision(top_k=1)
    top1.update_state(ONE_HOT, PROBS)
    assert top1.result() == pytest.approx(np.mean(LABELS == PROBS.argmax(-1)))


def test_auc_matches_sklearn():
    auc = metrics.AUC()
    assert in_batches(auc, BIN_TRUE, BIN_PRED) == pytest.approx(roc_auc_score(BIN_TRUE, BIN_PRED), abs=5e-3)
    auc.reset_state()
    assert auc.result() == 0.0
    assert in_batches(auc, BIN_TRUE, BIN_PRED, W) == pytest.approx(
        roc_auc_score(BIN_TRUE, BIN_PRED, sample_weight=W), abs=5e-3)
    pr = metrics.AUC(curve="PR", num_thresholds=1000)
    pr.update_state(BIN_TRUE, BIN_PRED)
    assert pr.result() == pytest.approx(average_precision_score(BIN_TRUE, BIN_PRED), abs=2e-2)


def test_auc_is_trapezoid_over_keras_thresholds():
    # Two thresholds inside: 0.5 only (num_thresholds=3 -> [-eps, 0.5, 1 + eps]).
    y, p = np.array([0, 0, 1, 1]), np.array([0.1, 0.6, 0.4, 0.9])
    auc = metrics.AUC(num_thresholds=3)
    auc.update_state(y, p)
    # ROC points (fpr, tpr): (1, 1) at -eps, (0.5, 0.5) at 0.5, (0, 0) at 1+eps.
    assert auc.result() == pytest.approx(0.5 * 0.75 + 0.5 * 0.25)


def test_auc_multi_label_averages_label_curves():
    y = rng.integers(0, 2, (N, 2))
    p = np.clip(y * 0.4 + rng.uniform(0, 0.6, (N, 2)), 0, 1)
    auc = metrics.AUC(multi_label=True, num_thresholds=500)
    auc.update_state(y, p)
    expected = np.mean([roc_auc_score(y[:, i], p[:, i]) for i in range(2)])
    assert auc.result() == pytest.approx(expected, abs=5e-3)


def test_get_names_metrics_as_written():
    for name, cls in [("accuracy", metrics.Accuracy), ("binary_accuracy", metrics.BinaryAccuracy),
                      ("sparse_categorical_accuracy", metrics.SparseCategoricalAccuracy),
                      ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy),
                      ("auc", metrics.AUC), ("AUC", metrics.AUC), ("Recall", metrics.Recall),
                      ("precision", metrics.Precision), ("MAE", metrics.MeanAbsoluteError),
                      ("mse", metrics.MeanSquaredError),
                      ("root_mean_squared_error", metrics.RootMeanSquaredError)]:
        metric = metrics.get(name)
        assert type(metric) is cls and metric.name == name
    assert metrics.get("mse") is not metrics.get("mse")
    with pytest.raises(ValueError, match="Could not interpret metric identifier: acuracy.*accuracy"):
        metrics.get("acuracy")
    with pytest.raises(ValueError, match="acc"):
        metrics.get("acc")


def test_default_names_and_config():
    assert metrics.SparseCategoricalAccuracy().name == "sparse_categorical_accuracy"
    assert metrics.RootMeanSquaredError().name == "root_mean_squared_error"
    clone = metrics.deserialize(metrics.serialize(metrics.BinaryAccuracy(threshold=0.3)))
    assert clone.threshold == 0.3 and clone.name == "binary_accuracy"


def test_accuracy_for_follows_keras_rule():
    assert type(metrics.accuracy_for((None,), (None, 1))) is metrics.BinaryAccuracy
    assert type(metrics.accuracy_for((None,), (None, 10))) is metrics.SparseCategoricalAccuracy
    assert type(metrics.accuracy_for((None, 1), (None, 10))) is metrics.SparseCategoricalAccuracy
    chosen = metrics.accuracy_for((None, 10), (None, 10), name="acc")
    assert type(chosen) is metrics.CategoricalAccuracy and chosen.name == "acc"
