"""TruePositives / TrueNegatives / FalsePositives / FalseNegatives, Precision and Recall
errors, and the metrics at a fixed sensitivity, specificity, precision or recall: the
inputs and values of Keras 3's confusion_metrics tests."""
import numpy as np
import pytest

from gradiente import metrics

# A 4 x 5 table of 0/1 labels and 0/1 predictions.
HARD_TRUE = np.array([[0, 1, 0, 1, 0], [0, 0, 1, 1, 1], [1, 1, 1, 1, 0], [0, 0, 0, 0, 1]])
HARD_PRED = np.array([[0, 0, 1, 1, 0], [1, 1, 1, 1, 1], [0, 1, 0, 1, 0], [1, 1, 1, 1, 1]])
ROW_WEIGHTS = np.array([1.0, 1.5, 2.0, 2.5])
# Scores against three thresholds.
SOFT_PRED = np.array([[0.9, 0.2, 0.8, 0.1], [0.2, 0.9, 0.7, 0.6], [0.1, 0.2, 0.4, 0.3], [0, 1, 0.7, 0.3]])
SOFT_TRUE = np.array([[0, 1, 1, 0], [1, 0, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1]])
THRESHOLDS = [0.15, 0.5, 0.85]

COUNTS = {  # class: (unweighted, row-weighted, unweighted at THRESHOLDS)
    metrics.TruePositives: (7.0, 12.0, [6.0, 3.0, 1.0]),
    metrics.FalsePositives: (7.0, 14.0, [7.0, 4.0, 2.0]),
    metrics.TrueNegatives: (3.0, 4.0, [2.0, 5.0, 7.0]),
    metrics.FalseNegatives: (3.0, 5.0, [1.0, 4.0, 6.0]),
}


@pytest.mark.parametrize("cls", list(COUNTS), ids=lambda c: c.__name__)
def test_condition_counts_unweighted_weighted_and_per_threshold(cls):
    plain, weighted, per_threshold = COUNTS[cls]
    metric = cls()
    metric.update_state(HARD_TRUE, HARD_PRED)
    assert metric.result() == pytest.approx(plain)
    assert cls()(HARD_TRUE, HARD_PRED, sample_weight=ROW_WEIGHTS) == pytest.approx(weighted)
    metric = cls(thresholds=THRESHOLDS)
    metric.update_state(SOFT_TRUE, SOFT_PRED)
    np.testing.assert_allclose(metric.result(), per_threshold)


def test_condition_counts_with_weights_of_every_shape():
    # Element-wise, one per row as a column, one per column as a row, and a scalar.
    element = ((1.0, 2.0, 3.0, 5.0), (7.0, 11.0, 13.0, 17.0), (19.0, 23.0, 29.0, 31.0), (5.0, 15.0, 10.0, 0))
    cases = [(metrics.FalsePositives, element, [125.0, 42.0, 12.0]),
             (metrics.FalseNegatives, ((3.0,), (5.0,), (7.0,), (4.0,)), [4.0, 16.0, 23.0]),
             (metrics.TrueNegatives, ((0.0, 2.0, 3.0, 5.0),), [5.0, 15.0, 23.0]),
             (metrics.TruePositives, 37.0, [222.0, 111.0, 37.0])]
    for cls, weights, expected in cases:
        metric = cls(thresholds=THRESHOLDS)
        np.testing.assert_allclose(metric(SOFT_TRUE, SOFT_PRED, sample_weight=weights), expected)


@pytest.mark.parametrize("cls", list(COUNTS), ids=lambda c: c.__name__)
def test_condition_count_config_and_threshold_range(cls):
    metric = cls(name="my_count", thresholds=[0.4, 0.9])
    clone = cls.from_config(metric.get_config())
    for m in (metric, clone):
        assert (m.name, m.thresholds, len(m.variables)) == ("my_count", [0.4, 0.9], 1)
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]. Received: \[-1, 2\]"):
        cls(thresholds=[-1, 0.5, 2])
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]. Received: \[None\]"):
        cls(thresholds=[None])
    metric.update_state(SOFT_TRUE, SOFT_PRED)
    metric.reset_state()
    assert metric.result() == [0.0, 0.0]


@pytest.mark.parametrize("cls", [metrics.Precision, metrics.Recall])
def test_precision_recall_class_id_needs_2d_predictions(cls):
    with pytest.raises(ValueError, match=r"When class_id is provided, y_pred must be a 2D array with "
                                         r"shape \(num_samples, num_classes\), found shape: \(5,\)"):
        cls(class_id=2)(np.array([0, 1, 1, 0, 0]), np.array([0.2, 0.1, 0.6, 0, 0.2]))


def test_precision_recall_keras_cases():
    y_pred = np.array([[0.1, 0.2, 0.7], [0.5, 0.3, 0.2], [0.2, 0.6, 0.2], [0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    y_true = np.eye(3)[[2, 0, 1, 0, 2]]
    precision = metrics.Precision(class_id=1)
    assert precision(y_true, y_pred) == pytest.approx(1.0)
    assert (float(precision.true_positives.data[0]), float(precision.false_positives.data[0])) == (1.0, 0.0)
    assert metrics.Precision(top_k=3)([0, 1, 1, 0, 0], np.array([0.2, 0.1, 0.5, 0, 0.2])) == pytest.approx(1 / 3)
    both = metrics.Precision(thresholds=0.7, top_k=2)
    assert both([0, 1, 1, 0, 1], np.array([0.2, 0.8, 0.6, 0, 0.2])) == pytest.approx(1.0)
    top_k = metrics.Precision(top_k=3)
    top_k([[0, 1, 1, 0, 1]], np.array([[0.2, 0.1, 0.4, 0, 0.2]]), sample_weight=np.array([[1, 4, 2, 3, 5]]))
    result = top_k([1, 0, 1, 1, 1], np.array([0.2, 0.6, 0.4, 0.2, 0.2]), sample_weight=np.array(3))
    assert result == pytest.approx(((2 + 5) + (3 + 3)) / ((1 + 2 + 5) + (3 + 3 + 3)))
    several = metrics.Precision(thresholds=[0.5, 1.0])
    weights = np.array([[4, 0], [3, 1]], np.float32)
    for _ in range(2):
        several.update_state([[0, 1], [1, 0]], np.array([[1, 0], [0.6, 0]], np.float32), sample_weight=weights)
    np.testing.assert_allclose(several.result(), [6.0 / 14.0, 0.0], rtol=1e-6)
    assert metrics.Precision()([0, 0, 0, 0], np.zeros(4)) == 0.0


SCORES = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.01, 0.02, 0.25, 0.26, 0.26], np.float32)
FIVE_EACH = np.array([0] * 5 + [1] * 5)
PR_SCORES = np.array([0.0, 0.1, 0.2, 0.5, 0.6, 0.2, 0.5, 0.6, 0.8, 0.9], np.float32)
TWELVE = np.array([0.05, 0.1, 0.2, 0.3, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.9, 0.95], np.float32)
TWELVE_TRUE = np.array([0, 1, 0, 0, 0, 1, 1, 0, 1, 1, 0, 1])


@pytest.mark.parametrize("metric, y_true, y_pred, weights, expected", [
    (metrics.SensitivityAtSpecificity(0.8), FIVE_EACH,
     np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.1, 0.45, 0.5, 0.8, 0.9], np.float32), None, 0.8),
    (metrics.SensitivityAtSpecificity(0.4), FIVE_EACH, SCORES, None, 0.6),
    (metrics.SensitivityAtSpecificity(0.4), FIVE_EACH.astype(bool), SCORES, np.arange(1, 11), 0.675),
    (metrics.SpecificityAtSensitivity(1.0), FIVE_EACH, SCORES, None, 0.2),
    (metrics.SpecificityAtSensitivity(0.4), FIVE_EACH, SCORES, None, 0.6),
    (metrics.SpecificityAtSensitivity(0.4), FIVE_EACH.astype(np.float32), SCORES, np.arange(1, 11), 0.4),
    (metrics.PrecisionAtRecall(0.8), FIVE_EACH, PR_SCORES, None, 2.0 / 3),
    (metrics.PrecisionAtRecall(0.6), FIVE_EACH, PR_SCORES, None, 0.75),
    (metrics.PrecisionAtRecall(7.0 / 8), FIVE_EACH, PR_SCORES, np.array([2, 1, 2, 1, 2, 1, 2, 2, 1, 2]), 0.7),
    (metrics.RecallAtPrecision(0.75), TWELVE_TRUE, TWELVE, None, 0.5),
    (metrics.RecallAtPrecision(2.0 / 3), TWELVE_TRUE, TWELVE, None, 5.0 / 6),
    (metrics.RecallAtPrecision(0.75), np.array([0, 1, 0, 0, 0, 1, 1]),
     np.array([0.1, 0.2, 0.3, 0.5, 0.6, 0.9, 0.9], np.float32), np.array([1, 2, 1, 2, 1, 2, 1]), 0.6),
    (metrics.RecallAtPrecision(2.0 / 3), np.array([1, 1, 0, 0]),
     np.array([0.1, 0.2, 0.3, 0.9], np.float32), None, 0.0),  # precision 2/3 is never reached
])
def test_rate_at_constraint_keras_values(metric, y_true, y_pred, weights, expected):
    assert metric(y_true, y_pred, sample_weight=weights) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("cls", [metrics.SensitivityAtSpecificity, metrics.SpecificityAtSensitivity,
                                 metrics.PrecisionAtRecall, metrics.RecallAtPrecision])
def test_rate_at_constraint_all_correct_class_id_config_and_errors(cls):
    inputs = np.random.default_rng(0).integers(0, 2, size=(100, 1))
    assert cls(0.7)(inputs, inputs.astype(np.float32)) == pytest.approx(1.0)
    value_name = cls._value_name
    metric = cls(0.4, num_thresholds=100, class_id=12, name="at_1")
    clone = cls.from_config(metric.get_config())
    for m in (metric, clone):
        assert (m.name, getattr(m, value_name), m.num_thresholds, m.class_id, len(m.variables)) == (
            "at_1", 0.4, 100, 12, 4)
    with pytest.raises(ValueError, match=rf"`{value_name}` must be in the range \[0, 1\]."):
        cls(-1)
    with pytest.raises(ValueError, match="Argument `num_thresholds` must be an integer > 0"):
        cls(0.4, num_thresholds=-1)


def test_rate_at_constraint_on_one_class_of_several():
    labels = np.eye(3)[[0, 0, 0, 0, 0, 2, 2, 2, 2, 2]]
    assert metrics.SpecificityAtSensitivity(0.4, class_id=2)(labels, np.stack([SCORES] * 3, 1)) == pytest.approx(0.6)
    assert metrics.PrecisionAtRecall(0.6, class_id=2)(labels, np.stack([PR_SCORES] * 3, 1)) == pytest.approx(0.75)
    twelve = np.eye(3)[np.where(TWELVE_TRUE == 1, 2, 0)]
    assert metrics.RecallAtPrecision(2.0 / 3, class_id=2)(twelve, np.stack([TWELVE] * 3, 1)) == pytest.approx(5 / 6)


def test_threshold_metrics_by_name_and_in_fit():
    import gradiente as keras

    for name, cls in [("true_positives", metrics.TruePositives), ("FalseNegatives", metrics.FalseNegatives)]:
        assert type(metrics.get(name)) is cls
    clone = metrics.deserialize(metrics.serialize(metrics.SpecificityAtSensitivity(0.5, name="sas")))
    assert type(clone) is metrics.SpecificityAtSensitivity and clone.sensitivity == 0.5
    model = keras.Sequential([keras.layers.Input((1,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=[metrics.SpecificityAtSensitivity(0.5, name="sas"), metrics.TruePositives(name="tp")])
    logs = model.fit(np.ones((5, 1)), np.ones((5, 1)), verbose=0).history
    assert set(logs) >= {"sas", "tp"}
