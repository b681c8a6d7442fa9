"""IoU metrics, correlation metrics, MeanMetricWrapper's config, SparseTopKCategoricalAccuracy
with sorted ids and SparseCategoricalCrossentropy with an ignored class: the inputs and
values of Keras 3's tests."""
import warnings

import numpy as np
import pytest

import gradiente as keras
from gradiente import losses, metrics


def iou(tp, row, col):
    return tp / (row + col - tp)


@pytest.mark.parametrize("make, y_true, y_pred, weights, expected", [
    (lambda: metrics.IoU(2, [0, 1]), [0, 0, 1, 1], [0, 1, 0, 1], None, iou(1, 2, 2)),
    (lambda: metrics.IoU(2, [1, 0], dtype="float32"), np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1], np.float32),
     np.array([0.2, 0.3, 0.4, 0.1]), (iou(0.1, 0.4, 0.5) + iou(0.2, 0.6, 0.5)) / 2),
    (lambda: metrics.IoU(2, [0, 1], dtype="float32"), np.array([[0, 0], [1, 1]]),
     np.array([[0, 1], [0, 1]], np.float32), np.array([[0.2, 0.3], [0.4, 0.1]]),
     (iou(0.2, 0.6, 0.5) + iou(0.1, 0.4, 0.5)) / 2),
    (lambda: metrics.IoU(2, [0, 1]), np.array([1]), np.array([1], np.float32), None, 1.0),
    (lambda: metrics.IoU(2, [0, 1]), [0, 2], [0, 1], None, 1.0),  # out-of-range ids are dropped
    (lambda: metrics.IoU(2, [0, 1]), [0, 1], [0, 2], None, 1.0),
    (lambda: metrics.IoU(2, [0, 1]), [-1, 0], [0, 0], None, 1.0),
    (lambda: metrics.IoU(2, [0, 1]), [0, 1], [-1, 1], None, 1.0),
    (lambda: metrics.IoU(4, [0, 1, 2, 3]), [0, 0, 1, 1], [0, 1, 0, 1], None, iou(1, 2, 2)),  # absent: not counted
    (lambda: metrics.MeanIoU(2), [0, 0, 1, 1], [0, 1, 0, 1], None, iou(1, 2, 2)),
    (lambda: metrics.MeanIoU(3, ignore_class=255), [0, 1, 2, 255], [0, 1, 1, 1], None, (1 + 0.5 + 0) / 3),
    (lambda: metrics.MeanIoU(3, ignore_class=-1), [0, 1, 2, -1], [0, 1, 1, 1], None, (1 + 0.5 + 0) / 3),
    (lambda: metrics.MeanIoU(2, ignore_class=-1, dtype="float32"), np.array([0, 0, 1, -1]),
     np.array([0, 1, 0, 1], np.float32), np.array([0.2, 0.3, 0.4, 0.1]), (iou(0.2, 0.6, 0.5) + 0.0) / 2),
    (lambda: metrics.MeanIoU(2), [0, 3], [0, 1], None, 1.0),
    (lambda: metrics.MeanIoU(3), [0, 0, 0, 0], [0, 0, 0, 0], None, 1.0),
    (lambda: metrics.BinaryIoU([0, 1], threshold=0.3), [0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7], None, iou(1, 2, 2)),
    (lambda: metrics.BinaryIoU([0, 1], threshold=0.5), [0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7], None,
     (iou(2, 2, 3) + iou(1, 2, 1)) / 2),
    (lambda: metrics.BinaryIoU([0, 1], threshold=0.3, dtype="float32"), [0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7],
     np.array([0.2, 0.3, 0.4, 0.1]), (iou(0.2, 0.6, 0.5) + iou(0.1, 0.4, 0.5)) / 2),
    (lambda: metrics.BinaryIoU([0, 1], threshold=0.5, dtype="float32"), [0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7],
     np.array([0.1, 0.2, 0.4, 0.3]), (iou(0.5, 0.5, 0.7) + iou(0.3, 0.5, 0.3)) / 2),
    (lambda: metrics.BinaryIoU([0, 1], threshold=0.4, dtype="float32"), np.array([[0, 1], [0, 1]], np.float32),
     np.array([[0.1, 0.7], [0.9, 0.3]]), np.array([[0.2, 0.3], [0.4, 0.1]]),
     (iou(0.2, 0.6, 0.3) + iou(0.3, 0.4, 0.7)) / 2),
    (lambda: metrics.BinaryIoU([0, 1], threshold=0.5), np.array([1]), np.array([0.6], np.float32), None, 1.0),
])
def test_iou_keras_values(make, y_true, y_pred, weights, expected):
    assert make()(y_true, y_pred, sample_weight=weights) == pytest.approx(expected, abs=1e-3)


ONE_HOT = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]])  # classes [2, 0, 1, 0]
SCORES = np.array([[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]])  # argmax [2, 2, 0, 2]


def test_one_hot_iou_keras_values():
    assert metrics.OneHotIoU(3, [0, 2])(ONE_HOT, SCORES) == pytest.approx((0 + 1 / 3) / 2, abs=1e-3)
    weighted = metrics.OneHotIoU(3, [0, 2], dtype="float32")(ONE_HOT, SCORES, sample_weight=[0.1, 0.2, 0.3, 0.4])
    assert weighted == pytest.approx((0 + 0.1 / 0.7) / 2, abs=1e-3)
    assert metrics.OneHotMeanIoU(3)(ONE_HOT, SCORES) == pytest.approx((0 + 0 + 1 / 3) / 3, abs=1e-3)
    y_true = np.vstack([ONE_HOT, [[1, 0, 0]]])
    y_pred = np.vstack([SCORES, [[0.6, 0.2, 0.2]]])
    expected = (0.1 / 0.9 + 0 + 0.1 / 0.6) / 3
    floats = metrics.OneHotMeanIoU(3, dtype="float32")
    assert floats(y_true, y_pred, sample_weight=[0.1, 0.2, 0.3, 0.3, 0.1]) == pytest.approx(expected, abs=1e-3)
    ints = metrics.OneHotMeanIoU(3)  # int32 state: integer weights count exactly
    assert ints(y_true, y_pred, sample_weight=[1, 2, 3, 3, 1]) == pytest.approx(expected, abs=1e-3)


def test_iou_config_empty_state_float_weight_warning_and_range():
    for metric, cls in [(metrics.IoU(2, [1, 0], name="iou_class_1_0"), metrics.IoU),
                        (metrics.BinaryIoU([1, 0], threshold=0.1, name="iou_class_1_0"), metrics.BinaryIoU),
                        (metrics.MeanIoU(2, name="iou_class_1_0"), metrics.MeanIoU)]:
        clone = cls.from_config(metric.get_config())
        assert (clone.name, clone.num_classes, clone.target_class_ids) == ("iou_class_1_0", 2, metric.target_class_ids)
        assert metric.result() == 0.0
    assert metrics.BinaryIoU.from_config(metrics.BinaryIoU(threshold=0.1).get_config()).threshold == 0.1
    with pytest.warns(Warning, match=r"weight.*float.*int.*casting"):
        metrics.MeanIoU(3)([0, 1, 1, 0], [0, 1, 1, 1], sample_weight=np.array([0.2, 0.3, 0.4, 0.1]))
    with pytest.raises(ValueError, match=r"Target class id 2 is out of range, which is \[0, 2\)"):
        metrics.IoU(2, [0, 2])


def test_mean_iou_confusion_matrix_is_exact_for_many_pixels():
    rng = np.random.default_rng(14)
    y_true = rng.integers(0, 3, (4, 200, 200))
    y_pred = rng.integers(0, 3, (4, 200, 200))
    metric = metrics.MeanIoU(3)
    metric.update_state(y_true, y_pred)
    expected = np.bincount(y_true.ravel() * 3 + y_pred.ravel(), minlength=9).reshape(3, 3)
    np.testing.assert_array_equal(metric.total_cm.data, expected)


def test_mean_iou_in_fit():
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="mse", metrics=[metrics.MeanIoU(num_classes=2, ignore_class=0, name="miou")])
    assert "miou" in model.fit(np.array([[1.0, 1.0]]), np.array([[1.0, 0.0]]), verbose=0).history


C_TRUE = np.array([[0, 1, 0.5], [1, 1, 0.2], [1, 1, 0.1], [0.1, 0.7, 0.0]], np.float32)
C_PRED = np.array([[0.1, 0.9, 0.5], [1, 0.9, 0.2], [0.2, 0.8, 0], [0.3, 0.3, 0.9]], np.float32)
CCC = np.array([0.97560976, 0.98765432, 0.46511628, -0.46376812])


def test_correlations_keras_values():
    pcc = np.array([np.corrcoef(t, p)[0, 1] for t, p in zip(C_TRUE, C_PRED)])
    np.testing.assert_allclose(metrics.pearson_correlation(C_TRUE, C_PRED, axis=-1), pcc, rtol=1e-5)
    np.testing.assert_allclose(metrics.concordance_correlation(C_TRUE, C_PRED, axis=-1), CCC, rtol=1e-5)
    for cls, expected in [(metrics.PearsonCorrelation, pcc), (metrics.ConcordanceCorrelation, CCC)]:
        metric = cls(axis=-1, dtype="float32")
        metric.update_state(C_TRUE[:2], C_PRED[:2])
        assert metric.result() == pytest.approx(np.mean(expected[:2]), rel=1e-5)
        metric.update_state(C_TRUE[2:], C_PRED[2:])
        assert metric.result() == pytest.approx(np.mean(expected), rel=1e-5)
    config = metrics.PearsonCorrelation(axis=-1, dtype="float16").get_config()
    assert config == {"name": "pearson_correlation", "dtype": "float16", "axis": -1}
    assert metrics.ConcordanceCorrelation().get_config()["name"] == "concordance_correlation"


HARD_TRUE = np.array([[0, 1, 0, 1, 0], [0, 0, 1, 1, 1], [1, 1, 1, 1, 0], [0, 0, 0, 0, 1]])
HARD_PRED = np.array([[0, 0, 1, 1, 0], [1, 1, 1, 1, 1], [0, 1, 0, 1, 0], [1, 1, 1, 1, 1]])


@keras.saving.register_keras_serializable(package="test", name="squared_difference")
def squared_difference(y_true, y_pred):
    return (np.asarray(y_true) - np.asarray(y_pred)) ** 2


def test_mean_metric_wrapper_keeps_its_function_through_config():
    wrapper = metrics.MeanMetricWrapper(fn=squared_difference, name="mse", dtype="float32")
    clone = metrics.MeanMetricWrapper.from_config(wrapper.get_config())
    assert (clone.name, len(clone.variables), clone.dtype) == ("mse", 2, "float32")
    assert "fn" in clone.get_config() and clone._fn is squared_difference
    clone.update_state(HARD_TRUE, HARD_PRED)
    assert clone.result() == pytest.approx(0.5, abs=1e-5)
    assert wrapper(HARD_TRUE, HARD_PRED, sample_weight=np.array([1.0, 1.5, 2.0, 2.5])) == pytest.approx(0.54285, abs=1e-5)
    broadcast = metrics.MeanMetricWrapper(fn=squared_difference, name="mse", dtype="float32")
    assert broadcast(HARD_TRUE, HARD_PRED, sample_weight=np.array([[1.0, 0.0, 0.5, 0.0, 1.0]])) == pytest.approx(0.45, abs=1e-5)
    built_in = metrics.deserialize(metrics.serialize(metrics.MeanMetricWrapper(fn=losses.mean_squared_error)))
    assert built_in._fn is losses.mean_squared_error
    assert "fn" not in metrics.Accuracy().get_config()  # subclasses fix their function


def test_sparse_top_k_from_sorted_ids():
    metric = metrics.SparseTopKCategoricalAccuracy(k=1)
    assert metric([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]) == pytest.approx(0.5)
    metric.reset_state()
    assert metric([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], sample_weight=[0.7, 0.3]) == pytest.approx(0.3)
    sorted_ids = metrics.SparseTopKCategoricalAccuracy(k=1, from_sorted_ids=True)
    assert sorted_ids([2, 1], [[1, 0, 3], [1, 2, 3]]) == pytest.approx(0.5)
    np.testing.assert_array_equal(
        metrics.sparse_top_k_categorical_accuracy([2, 1], [[1, 2, 3], [3, 0, 1]], k=2, from_sorted_ids=True),
        [True, False])
    config = sorted_ids.get_config()
    assert config["from_sorted_ids"] is True and "from_sorted_ids" not in metric.get_config()
    assert metrics.SparseTopKCategoricalAccuracy.from_config(config).from_sorted_ids is True


def test_sparse_crossentropy_metric_with_ignored_class():
    y_true, y_pred = np.array([0, 1, 2]), np.array([[0.8, 0.1, 0.1], [0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    # Unweighted, the ignored sample still counts (as 0) in the mean; weighted, it weighs 0.
    assert metrics.SparseCategoricalCrossentropy(ignore_class=0)(y_true, y_pred) == pytest.approx(0.78462, abs=1e-3)
    weighted = metrics.SparseCategoricalCrossentropy(ignore_class=0)
    assert weighted(y_true, y_pred, sample_weight=np.array([0.5, 1.5, 2.0])) == pytest.approx(1.33774646, abs=1e-3)
    logits = np.array([[10, 1, 1], [1, 9, 0], [1, 8, 1]], np.float32)
    from_logits = metrics.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)
    assert from_logits(y_true, logits) == pytest.approx(2.33409, abs=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config = from_logits.get_config()
    assert (config["ignore_class"], config["from_logits"], config["axis"]) == (0, True, -1)
