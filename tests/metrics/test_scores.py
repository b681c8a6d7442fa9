"""F1Score / FBetaScore and R2Score: Keras's documented examples, scikit-learn's values,
and their use in fit."""
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

import gradiente as keras

Y_TRUE = np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]], np.int32)
Y_PRED = np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]], np.float32)


def test_f_scores_reproduce_the_keras_examples():
    f1 = keras.metrics.F1Score(threshold=0.5)
    f1.update_state(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(f1.result(), [0.5, 0.8, 0.6666667], rtol=1e-5)
    f2 = keras.metrics.FBetaScore(beta=2.0, threshold=0.5)
    f2.update_state(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(f2.result(), [0.3846154, 0.90909094, 0.8333334], rtol=1e-5)


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("beta", [1.0, 0.5])
def test_f_scores_match_scikit_learn_over_batches_with_weights(average, beta):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, 90)
    scores = rng.random((90, 4)) + np.eye(4)[labels] * rng.random((90, 1))  # informative, not perfect
    weights = rng.random(90)
    metric = keras.metrics.FBetaScore(average=average, beta=beta)
    for i in range(0, 90, 32):  # several batches accumulate
        metric.update_state(np.eye(4)[labels[i:i + 32]], scores[i:i + 32], sample_weight=weights[i:i + 32])
    want = skm.fbeta_score(labels, scores.argmax(1), beta=beta, average=average, sample_weight=weights)
    np.testing.assert_allclose(metric.result(), want, rtol=1e-5)
    metric.reset_state()
    assert np.all(np.asarray(metric.result()) == 0)


def test_f_score_multi_label_threshold_and_errors():
    rng = np.random.default_rng(1)
    y = (rng.random((50, 3)) > 0.5).astype(np.float32)
    p = np.clip(y * 0.6 + rng.random((50, 3)) * 0.5, 0, 1)
    metric = keras.metrics.F1Score(average="micro", threshold=0.5)
    metric.update_state(y, p)
    assert metric.result() == pytest.approx(skm.f1_score(y, p > 0.5, average="micro"), rel=1e-5)
    clone = keras.metrics.F1Score.from_config(metric.get_config())
    assert (clone.average, clone.threshold, clone.name) == ("micro", 0.5, "f1_score")
    with pytest.raises(ValueError, match="Invalid `average` argument value"):
        keras.metrics.F1Score(average="samples")
    with pytest.raises(ValueError, match="threshold"):
        keras.metrics.F1Score(threshold=1.5)
    with pytest.raises(ValueError, match="one-hot encode"):
        keras.metrics.F1Score().update_state(np.array([0, 1, 2]), np.eye(3))


@pytest.mark.parametrize("aggregation, multioutput", [
    ("uniform_average", "uniform_average"), ("variance_weighted_average", "variance_weighted"),
    (None, "raw_values")])
def test_r2_matches_scikit_learn_over_batches_with_weights(aggregation, multioutput):
    rng = np.random.default_rng(2)
    y = rng.normal(size=(70, 3)) * [1.0, 3.0, 0.5]
    pred = y + rng.normal(size=(70, 3)) * 0.7
    weights = rng.random(70)
    metric = keras.metrics.R2Score(class_aggregation=aggregation)
    for i in range(0, 70, 25):
        metric.update_state(y[i:i + 25], pred[i:i + 25], sample_weight=weights[i:i + 25])
    want = skm.r2_score(y, pred, sample_weight=weights, multioutput=multioutput)
    np.testing.assert_allclose(metric.result(), want, rtol=1e-4)


def test_r2_example_adjusted_constant_targets_and_errors():
    metric = keras.metrics.R2Score()
    metric.update_state(np.array([1.0, 4.0, 3.0]), np.array([[2.0], [4.0], [4.0]]))  # (N,) against (N, 1)
    assert metric.result() == pytest.approx(0.5714285, rel=1e-5)
    adjusted = keras.metrics.R2Score(num_regressors=1)
    x = np.arange(10.0)[:, None]
    adjusted.update_state(x, x + np.sin(x))
    r2 = skm.r2_score(x, x + np.sin(x))
    assert adjusted.result() == pytest.approx(1 - (1 - r2) * 9 / 8, rel=1e-5)
    too_many = keras.metrics.R2Score(num_regressors=5)
    too_many.update_state(x[:4], x[:4] + 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert too_many.result() == pytest.approx(skm.r2_score(x[:4], x[:4] + 1), rel=1e-5)
    assert "More independent predictors than datapoints" in str(caught[0].message)
    # Targets far from zero: float32 sums would cancel the variance away.
    far = keras.metrics.R2Score()
    year = 2000.0 + np.arange(50.0)[:, None] % 7
    far.update_state(year.astype(np.float32), (year + 0.5 * np.sin(year)).astype(np.float32))
    assert far.result() == pytest.approx(skm.r2_score(year, year + 0.5 * np.sin(year)), rel=1e-4)
    constant = keras.metrics.R2Score()
    constant.update_state(np.ones((5, 1)), np.zeros((5, 1)))
    assert constant.result() == 0.0
    with pytest.raises(ValueError, match="Invalid value for argument `class_aggregation`"):
        keras.metrics.R2Score(class_aggregation="mean")
    with pytest.raises(ValueError, match="Invalid value for argument `num_regressors`"):
        keras.metrics.R2Score(num_regressors=-1)
    with pytest.raises(ValueError, match="expects 2D inputs with shape"):
        keras.metrics.R2Score().update_state([0.0, 1.0], [0.0, 1.0])


R2_TRUE = [[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]


@pytest.mark.parametrize("aggregation, regressors, expected", [
    (None, 0, [0.37, -1.295, 0.565]), (None, 1, [-0.26, -3.59, 0.13]),
    ("uniform_average", 0, -0.12), ("variance_weighted_average", 0, -0.12)])
def test_r2_keras_values_unweighted(aggregation, regressors, expected):
    metric = keras.metrics.R2Score(aggregation, regressors, dtype="float32")
    metric.update_state(R2_TRUE, [[0.4, 0.5, 0.6], [0.1, 0.2, 0.3], [0.5, 0.8, 0.2]])
    np.testing.assert_allclose(metric.result(), expected, atol=1e-6)


@pytest.mark.parametrize("aggregation, regressors, expected", [
    (None, 0, [0.17305559, -8.836666, -0.521]), (None, 1, [-0.65388882, -18.673332, -2.042]),
    (None, 2, [0.17305559, -8.836666, -0.521]),  # p = n - 1: plain R² (with a warning)
    ("uniform_average", 0, -3.0615367889404297), ("uniform_average", 1, -7.123073577880859),
    ("uniform_average", 2, -3.0615367889404297), ("variance_weighted_average", 0, -1.3710224628448486),
    ("variance_weighted_average", 1, -3.742044448852539), ("variance_weighted_average", 2, -1.3710224628448486)])
def test_r2_keras_values_weighted(aggregation, regressors, expected):
    metric = keras.metrics.R2Score(aggregation, regressors, dtype="float32")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        metric.update_state(R2_TRUE, [[0.4, 0.9, 1.6], [0.1, 1.2, 0.6], [1.5, 0.8, 0.6]], [0.8, 0.1, 0.4])
        np.testing.assert_allclose(metric.result(), expected, atol=1e-5)
    assert (regressors == 2) == any("Division by zero" in str(w.message) for w in caught)
    clone = keras.metrics.R2Score.from_config(metric.get_config())
    assert (clone.class_aggregation, clone.num_regressors, clone.dtype) == (aggregation, regressors, "float32")


@pytest.mark.parametrize("kwargs, message", [
    (dict(beta=1), "Invalid `beta` argument value. It should be a Python float."),
    (dict(beta="1.0"), "Invalid `beta` argument value. It should be a Python float."),
    (dict(beta=None), "Invalid `beta` argument value. It should be a Python float."),
    (dict(beta=0.0), "Invalid `beta` argument value. It should be > 0. Received: beta=0.0"),
    (dict(beta=-0.5), "Invalid `beta` argument value. It should be > 0. Received: beta=-0.5"),
    (dict(threshold=1), r"It should be a Python float. Received: threshold=1 of type '<class 'int'>'"),
    (dict(threshold="0.5"), r"It should be a Python float. Received: threshold=0.5 of type '<class 'str'>'"),
    (dict(threshold=1.1), r"It should verify 0 < threshold <= 1. Received: threshold=1.1"),
    (dict(threshold=0.0), r"It should verify 0 < threshold <= 1. Received: threshold=0.0"),
    (dict(average="invalid_average"), r"Expected one of: \{None, 'micro', 'macro', 'weighted'\}. "
                                      "Received: average=invalid_average"),
])
def test_fbeta_refuses_what_keras_refuses(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras.metrics.FBetaScore(**{"average": "macro", "beta": 1.0, **kwargs})


def test_fbeta_scalar_weight_and_3d_input():
    metric = keras.metrics.FBetaScore(threshold=0.5)
    metric.update_state(np.array([[1, 1], [1, 0]]), np.array([[0.2, 0.6], [0.2, 0.6]], np.float32), sample_weight=0.5)
    np.testing.assert_allclose(metric.result(), [0.0, 0.6666665], atol=1e-6)
    with pytest.raises(ValueError, match=r"expects 2D inputs with shape \(batch_size, output_dim\)"):
        keras.metrics.FBetaScore().update_state(np.zeros((2, 3, 4)), np.zeros((2, 3, 4)))


def test_scores_in_fit_logs_history_and_progress_bar(capsys):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(120, 4)).astype(np.float32)
    labels = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)
    y = keras.utils.to_categorical(labels, 3)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="categorical_crossentropy",
                  metrics=[keras.metrics.F1Score(), keras.metrics.F1Score(average="macro", name="macro_f1")])
    history = model.fit(x, y, epochs=15, batch_size=40, verbose=2)
    per_class, macro = history.history["f1_score"], history.history["macro_f1"]
    assert np.shape(per_class) == (15, 3) and isinstance(macro[-1], float)
    assert macro[-1] == pytest.approx(float(np.mean(per_class[-1])), rel=1e-5)
    assert macro[-1] > 0.6
    assert "f1_score: [" in capsys.readouterr().out
    reg = keras.Sequential([keras.layers.Input((4,)), keras.layers.Dense(1)])
    reg.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["r2_score"])
    target = x @ np.array([1.0, -2.0, 0.5, 0.0], np.float32)
    logs = reg.fit(x, target, epochs=20, batch_size=40, verbose=0).history["r2_score"]
    assert logs[-1] > 0.95
    assert reg.evaluate(x, target, verbose=0, return_dict=True)["r2_score"] == pytest.approx(
        skm.r2_score(target, reg.predict(x, verbose=0)), abs=1e-4)
