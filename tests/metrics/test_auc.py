"""AUC on the inputs of Keras 3's tests: ROC, PR and PRGAIN curves, each summation method,
sample and label weights, multi-label curves, manual thresholds, config and errors."""
import json

import numpy as np
import pytest

from gradiente import metrics

Y_TRUE = np.array([0, 0, 1, 1])
Y_PRED = np.array([0, 0.5, 0.3, 0.9], np.float32)
LOGITS = -np.log(1.0 / (Y_PRED + 1e-12) - 1.0)
WEIGHTS = [1, 2, 3, 4]
# Three thresholds [-eps, 0.5, 1 + eps]. Weighted: tp = [7, 4, 0], fp = [3, 0, 0],
# fn = [0, 3, 7], tn = [0, 3, 3].


@pytest.mark.parametrize("curve, method, weighted, expected", [
    ("ROC", "interpolation", False, 0.75),
    ("ROC", "interpolation", True, 0.7855),  # recall [1, 4/7, 0], fp rate [1, 0, 0]
    ("ROC", "majoring", True, 1.0),
    ("ROC", "minoring", True, 0.571),
    ("PR", "majoring", True, 1 * 0.429 + 1 * 0.571),  # precision [0.7, 1, 0]
    ("PR", "minoring", True, 0.7 * 0.429),
    ("PR", "interpolation", True, 2.416 / 7 + 4 / 7),  # Davis & Goadrich
    ("PRGAIN", "majoring", True, 1.0),
    ("PRGAIN", "minoring", True, 0.0),
    ("PRGAIN", "interpolation", True, 0.5),
])
def test_curves_and_summation_methods(curve, method, weighted, expected):
    auc = metrics.AUC(num_thresholds=3, curve=curve, summation_method=method)
    result = auc(Y_TRUE, Y_PRED, sample_weight=WEIGHTS if weighted else None)
    assert result == pytest.approx(expected, abs=1e-3)


def test_prgain_interpolation_unweighted():
    auc = metrics.AUC(num_thresholds=3, curve="PRGAIN")
    y_true = np.array([0, 0, 0, 1, 0, 1, 0, 1, 1, 1])
    y_pred = np.array([0.1, 0.2, 0.3, 0.3, 0.4, 0.4, 0.6, 0.6, 0.8, 0.9])
    # recall gain [1, 1/3, 0], precision gain [0, 2/3, 1]
    assert auc(y_true, y_pred) == pytest.approx(2 / 3 * 1 / 3 + 1 / 3 * 5 / 6, abs=1e-3)


def test_special_inputs():
    assert metrics.AUC()(Y_TRUE, Y_TRUE) == 1.0
    assert metrics.AUC(num_thresholds=3, from_logits=True)(Y_TRUE, LOGITS) == pytest.approx(0.75, abs=1e-3)
    negative = metrics.AUC(num_thresholds=3, curve="PR")
    assert negative(Y_TRUE, Y_PRED, sample_weight=[-1, -2, -3, -4]) == pytest.approx(0.0, abs=1e-3)
    manual = metrics.AUC(num_thresholds=2, thresholds=[0.5])
    assert manual.num_thresholds == 3
    np.testing.assert_allclose(manual.thresholds, [0.0, 0.5, 1.0], atol=1e-6)
    assert manual(Y_TRUE, Y_PRED) == pytest.approx(0.75, abs=1e-3)
    extreme = 1 / (1 + np.exp(np.array([[[-10.0, 10.0, -10.0], [10.0, -10.0, 10.0]],
                                         [[-12.0, 12.0, -12.0], [12.0, -12.0, 12.0]]], np.float32)))
    labels = np.array([[[1, 0, 0], [1, 0, 0]], [[0, 1, 1], [0, 1, 1]]])
    assert metrics.AUC()(labels, extreme) == 0.5


def test_errors():
    for bad in (-1, 1):
        with pytest.raises(ValueError, match="Argument `num_thresholds` must be an integer > 1"):
            metrics.AUC(num_thresholds=bad)
    with pytest.raises(ValueError, match='Invalid AUC curve value: "Invalid".'):
        metrics.AUC(curve="Invalid")
    with pytest.raises(ValueError, match='Invalid AUC summation method value: "Invalid".'):
        metrics.AUC(summation_method="Invalid")
    with pytest.raises(ValueError, match="`num_labels` is needed only when `multi_label` is True"):
        metrics.AUC(num_labels=2)


MULTI_TRUE = np.array([[0, 0], [1, 1], [1, 1], [1, 0]])
MULTI_PRED = np.array([[0.0, 0.4], [0.5, 0.7], [0.3, 0.2], [0.9, 0.3]], np.float32)


def test_config_round_trips_through_json():
    auc = metrics.AUC(num_thresholds=100, curve="PR", summation_method="majoring", name="auc_1",
                      dtype="float64", multi_label=True, num_labels=2, from_logits=True)
    auc.update_state(MULTI_TRUE, MULTI_PRED)
    config = auc.get_config()
    assert "thresholds" not in config and config == json.loads(json.dumps(config))
    clone = metrics.AUC.from_config(config)
    clone.update_state(MULTI_TRUE, MULTI_PRED)
    for m in (auc, clone):
        assert (m.name, m.dtype, len(m.variables), m.num_thresholds, m.num_labels) == ("auc_1", "float64", 4, 100, 2)
        assert m.curve == metrics_curve("PR") and m.summation_method == "majoring" and m.multi_label
    assert clone.get_config() == config
    manual = metrics.AUC(num_thresholds=None, curve="PR", summation_method="majoring", thresholds=[0.3, 0.5])
    manual.update_state(Y_TRUE, Y_PRED)
    assert manual.num_thresholds == 4
    np.testing.assert_allclose(manual.thresholds, [0.0, 0.3, 0.5, 1.0], atol=1e-6)
    config = manual.get_config()
    assert config == json.loads(json.dumps(config)) and metrics.AUC.from_config(config).get_config() == config


def metrics_curve(name):
    from gradiente.metrics.confusion_utils import AUCCurve
    return AUCCurve.from_str(name)


# Multi-label: two columns, five thresholds [-eps, 0.25, 0.5, 0.75, 1 + eps].
M_PRED = np.array([[0, 0.5, 0.3, 0.9], [0.1, 0.2, 0.3, 0.4]], np.float32).T
M_GOOD = np.array([[0, 0, 1, 1], [0, 0, 1, 1]]).T
M_BAD = np.array([[0, 0, 1, 1], [1, 1, 0, 0]]).T


@pytest.mark.parametrize("kwargs, y_true, y_pred, weights, expected, tol", [
    (dict(multi_label=True), M_GOOD, M_GOOD, None, 1.0, 1e-6),
    (dict(multi_label=False), M_GOOD, M_GOOD, None, 1.0, 1e-6),
    (dict(num_thresholds=5, multi_label=True), M_GOOD, M_PRED, None, (0.875 + 1.0) / 2, 1e-3),
    (dict(num_thresholds=5, multi_label=True, from_logits=True), M_GOOD,
     -np.log(1.0 / (M_PRED + 1e-12) - 1.0), None, (0.875 + 1.0) / 2, 1e-3),
    (dict(num_thresholds=5), M_GOOD, M_PRED, [1, 2, 3, 4], 1.0 - 0.3333 * (1.0 - 0.2857) / 2, 1e-3),
    (dict(num_thresholds=5), M_GOOD, M_PRED, np.arange(8).reshape(4, 2), 1.0 - 0.3333 * (1 - 0.2727) / 2, 1e-3),
    (dict(num_thresholds=5, multi_label=True, label_weights=[0.75, 0.25]), M_GOOD, M_PRED, None,
     0.875 * 0.75 + 1.0 * 0.25, 1e-3),
    (dict(num_thresholds=5, label_weights=[0.75, 0.25]), M_GOOD, M_PRED, None, 1.0 - 0.625 * 0.375 / 2, 1e-2),
    (dict(num_thresholds=5), M_GOOD, M_PRED, None, 1.0 - 3.0 / 32.0, 1e-3),
    (dict(num_thresholds=2, thresholds=[0.5], multi_label=True), M_GOOD, M_PRED, None, (0.75 + 0.5) / 2, 1e-3),
    (dict(num_thresholds=5, multi_label=True), M_GOOD, M_PRED, WEIGHTS, 1.0 - 0.5 * 0.43 * 0.67, 1e-1),
    (dict(num_thresholds=5, curve="PR", multi_label=True), M_GOOD, M_PRED, None, (0.91667 + 1.0) / 2, 1e-1),
    (dict(num_thresholds=5, curve="PR", multi_label=True), M_GOOD, M_PRED, WEIGHTS, (0.939 + 1.0) / 2, 1e-1),
])
def test_multi_label_and_flattened(kwargs, y_true, y_pred, weights, expected, tol):
    assert metrics.AUC(**kwargs)(y_true, y_pred, sample_weight=weights) == pytest.approx(expected, abs=tol)


def test_multi_label_pr_accumulates_good_then_bad_labels():
    auc = metrics.AUC(num_thresholds=5, curve="PR", multi_label=True)
    assert auc(M_GOOD, M_PRED) == pytest.approx((0.91667 + 1.0) / 2, abs=1e-1)
    assert auc(M_BAD, M_PRED) == pytest.approx((0.91667 + 0.5) / 2, abs=1e-1)  # both batches count


def test_multi_label_reset_and_rank():
    auc = metrics.AUC(num_thresholds=5, multi_label=True)
    auc(M_GOOD, M_PRED)
    auc.reset_state()
    np.testing.assert_array_equal(auc.true_positives.data, np.zeros((5, 2)))
    with pytest.raises(ValueError, match="`y_pred` must have rank 2 when `multi_label=True`"):
        metrics.AUC(multi_label=True).update_state(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
