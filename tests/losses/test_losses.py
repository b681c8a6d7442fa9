"""Losses against NumPy references: functions, Loss objects with reductions and sample
weights, the fused softmax/sigmoid path, gradients, and the errors for bad input."""
import numpy as np
import pytest

from gradiente import losses, ops
from gradiente.autodiff import GradientTape, Tensor
from gradiente.testing import check_gradients

EPS = 1e-7
rng = np.random.default_rng(0)
N, C = 6, 4
REG_TRUE = rng.uniform(0.5, 2.0, (N, C))
REG_PRED = REG_TRUE + rng.choice([-1, 1], (N, C)) * rng.uniform(0.2, 0.6, (N, C))
PROB_PRED = rng.dirichlet(np.ones(C), N) * 0.9 + 0.1 / C  # rows sum to 1, away from 0
LABELS = rng.integers(0, C, N)
ONE_HOT = np.eye(C)[LABELS]
BIN_TRUE = rng.integers(0, 2, (N, C)).astype(np.float64)
BIN_PRED = rng.uniform(0.1, 0.9, (N, C))
SIGNED_PRED = rng.choice([-1, 1], (N, C)) * rng.uniform(0.2, 2.5, (N, C))


def np_bce(t, p):
    p = np.clip(p, EPS, 1 - EPS)
    return np.mean(-(t * np.log(p) + (1 - t) * np.log(1 - p)), axis=-1)


def np_cce(t, p):
    p = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return -np.sum(t * np.log(p), axis=-1)


def np_huber(t, p, d=1.0):
    e = np.abs(p - t)
    return np.mean(np.where(e <= d, 0.5 * e**2, d * e - 0.5 * d * d), axis=-1)


def np_cos(t, p):
    tn = t / np.linalg.norm(t, axis=-1, keepdims=True)
    pn = p / np.linalg.norm(p, axis=-1, keepdims=True)
    return -np.sum(tn * pn, axis=-1)


def np_hinge(t, p, squared=False):
    s = 2 * t - 1 if np.all((t == 0) | (t == 1)) else t
    h = np.maximum(1 - s * p, 0)
    return np.mean(h**2 if squared else h, axis=-1)


# (name, function, class, y_true, y_pred, NumPy reference)
CASES = [
    ("mse", losses.mean_squared_error, losses.MeanSquaredError, REG_TRUE, REG_PRED,
     lambda t, p: np.mean((t - p) ** 2, -1)),
    ("mae", losses.mean_absolute_error, losses.MeanAbsoluteError, REG_TRUE, REG_PRED,
     lambda t, p: np.mean(np.abs(t - p), -1)),
    ("mape", losses.mean_absolute_percentage_error, losses.MeanAbsolutePercentageError,
     REG_TRUE, REG_PRED, lambda t, p: 100 * np.mean(np.abs(t - p) / np.abs(t), -1)),
    ("msle", losses.mean_squared_logarithmic_error, losses.MeanSquaredLogarithmicError,
     REG_TRUE, REG_PRED, lambda t, p: np.mean((np.log1p(p) - np.log1p(t)) ** 2, -1)),
    ("huber", losses.huber, losses.Huber, REG_TRUE, REG_PRED * 2, np_huber),
    ("log_cosh", losses.log_cosh, losses.LogCosh, REG_TRUE, REG_PRED,
     lambda t, p: np.mean(np.log(np.cosh(p - t)), -1)),
    ("bce", losses.binary_crossentropy, losses.BinaryCrossentropy, BIN_TRUE, BIN_PRED, np_bce),
    ("cce", losses.categorical_crossentropy, losses.CategoricalCrossentropy, ONE_HOT, PROB_PRED,
     np_cce),
    ("scce", losses.sparse_categorical_crossentropy, losses.SparseCategoricalCrossentropy,
     LABELS, PROB_PRED, lambda t, p: -np.log(p[np.arange(len(t)), t])),
    ("kld", losses.kl_divergence, losses.KLDivergence, ONE_HOT * 0.8 + 0.05, PROB_PRED,
     lambda t, p: np.sum(t * np.log(t / p), -1)),
    ("poisson", losses.poisson, losses.Poisson, REG_TRUE, REG_PRED,
     lambda t, p: np.mean(p - t * np.log(p + EPS), -1)),
    ("hinge", losses.hinge, losses.Hinge, BIN_TRUE, SIGNED_PRED, np_hinge),
    ("squared_hinge", losses.squared_hinge, losses.SquaredHinge, BIN_TRUE, SIGNED_PRED,
     lambda t, p: np_hinge(t, p, squared=True)),
    ("categorical_hinge", losses.categorical_hinge, losses.CategoricalHinge, ONE_HOT,
     SIGNED_PRED, lambda t, p: np.maximum(
         np.max((1 - t) * p, -1) - np.sum(t * p, -1) + 1, 0)),
    ("cosine_similarity", losses.cosine_similarity, losses.CosineSimilarity, REG_TRUE, REG_PRED,
     np_cos),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name,fn,cls,y_true,y_pred,ref", CASES, ids=IDS)
def test_function_matches_numpy(name, fn, cls, y_true, y_pred, ref):
    out = fn(y_true, y_pred)
    assert isinstance(out, Tensor) and out.shape == (N,)
    np.testing.assert_allclose(out.numpy(), ref(y_true, y_pred), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name,fn,cls,y_true,y_pred,ref", CASES, ids=IDS)
def test_class_reductions_and_sample_weights(name, fn, cls, y_true, y_pred, ref):
    per_sample = ref(y_true, y_pred)
    w = rng.uniform(0, 2, N)
    cases = {
        "sum_over_batch_size": (per_sample.mean(), (per_sample * w).mean()),
        "mean": (per_sample.mean(), (per_sample * w).mean()),
        "sum": (per_sample.sum(), (per_sample * w).sum()),
        "mean_with_sample_weight": (per_sample.mean(), (per_sample * w).sum() / w.sum()),
    }
    for reduction, (plain, weighted) in cases.items():
        loss = cls(reduction=reduction)
        assert float(loss(y_true, y_pred)) == pytest.approx(plain, rel=1e-6)
        assert float(loss(y_true, y_pred, sample_weight=w)) == pytest.approx(weighted, rel=1e-6)
    for reduction in ("none", None):
        out = cls(reduction=reduction)(y_true, y_pred, sample_weight=w)
        np.testing.assert_allclose(out.numpy(), per_sample * w, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name,fn,cls,y_true,y_pred,ref", CASES, ids=IDS)
def test_gradient_with_respect_to_predictions(name, fn, cls, y_true, y_pred, ref):
    check_gradients(lambda p: fn(y_true[:3], p), y_pred[:3])
    check_gradients(lambda p: cls()(y_true[:3], p, sample_weight=np.arange(1.0, 4.0)), y_pred[:3])


def test_float32_inputs_give_float32_loss():
    out = losses.MeanSquaredError()(REG_TRUE.astype(np.float32), REG_PRED.astype(np.float32),
                                    sample_weight=np.ones(N))
    assert out.dtype == np.float32


def test_column_predictions_against_flat_targets():
    # (N,) targets against (N, 1) predictions must not broadcast to (N, N).
    y, p = REG_TRUE[:, 0], REG_PRED[:, :1]
    np.testing.assert_allclose(losses.mean_squared_error(y, p).numpy(), (y - p[:, 0]) ** 2)


def _recorded(f, *args):
    with GradientTape() as tape:
        for a in args:
            tape.watch(a)
        f()
        return {r[0] for r in tape._records}


def test_fused_softmax_cross_entropy_equals_unfused_and_uses_one_primitive():
    logits = Tensor(rng.standard_normal((N, C)))
    probs = ops.softmax(logits)
    ref = np_cce(ONE_HOT, probs.numpy())
    np.testing.assert_allclose(losses.categorical_crossentropy(ONE_HOT, probs).numpy(), ref, rtol=1e-10)
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy(LABELS, probs).numpy(), ref,
                               rtol=1e-10)
    records = _recorded(lambda: losses.SparseCategoricalCrossentropy()(LABELS, ops.softmax(logits)), logits)
    assert ops.PRIMITIVES["sparse_softmax_cross_entropy"].vjp in records
    records = _recorded(lambda: losses.CategoricalCrossentropy()(ONE_HOT, ops.softmax(logits)), logits)
    assert ops.softmax_cross_entropy.vjp in records
    np.testing.assert_allclose(
        losses.categorical_crossentropy(ONE_HOT, logits, from_logits=True).numpy(), ref, rtol=1e-10)


def test_fused_paths_stay_finite_for_extreme_logits():
    logits = Tensor(np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0]]))
    labels = np.array([1, 1])
    with GradientTape() as tape:
        tape.watch(logits)
        loss = losses.SparseCategoricalCrossentropy()(labels, ops.softmax(logits))
    grad = tape.gradient(loss, logits)
    assert float(loss) == pytest.approx(1000.0)  # mean of 2000 and 0
    assert np.all(np.isfinite(grad.numpy()))
    cce = losses.categorical_crossentropy(np.eye(3)[labels], ops.softmax(logits))
    np.testing.assert_allclose(cce.numpy(), [2000.0, 0.0])
    z = Tensor(np.array([[1000.0], [-1000.0]]))
    with GradientTape() as tape:
        tape.watch(z)
        bce = losses.BinaryCrossentropy()(np.array([0.0, 0.0]), ops.sigmoid(z))
    assert float(bce) == pytest.approx(500.0)
    assert np.all(np.isfinite(tape.gradient(bce, z).numpy()))


def test_fused_sigmoid_equals_unfused_and_uses_one_primitive():
    z = Tensor(rng.standard_normal((N, 1)))
    y = BIN_TRUE[:, 0]  # (N,) against (N, 1)
    expected = np_bce(y[:, None], 1 / (1 + np.exp(-z.numpy())))
    np.testing.assert_allclose(losses.binary_crossentropy(y, ops.sigmoid(z)).numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(losses.binary_crossentropy(y, z, from_logits=True).numpy(), expected,
                               rtol=1e-6)
    records = _recorded(lambda: losses.BinaryCrossentropy()(y, ops.sigmoid(z)), z)
    assert ops.sigmoid_cross_entropy.vjp in records


def test_fused_gradient_matches_finite_differences():
    check_gradients(lambda z: losses.SparseCategoricalCrossentropy()(LABELS[:3], ops.softmax(z)),
                    rng.standard_normal((3, C)))
    check_gradients(lambda z: losses.BinaryCrossentropy(label_smoothing=0.2)(BIN_TRUE[:3, :1], ops.sigmoid(z)),
                    rng.standard_normal((3, 1)))


def test_label_smoothing():
    ls = 0.1
    smoothed = ONE_HOT * (1 - ls) + ls / C
    got = losses.categorical_crossentropy(ONE_HOT, PROB_PRED, label_smoothing=ls).numpy()
    np.testing.assert_allclose(got, np_cce(smoothed, PROB_PRED), rtol=1e-6)
    got = losses.binary_crossentropy(BIN_TRUE, BIN_PRED, label_smoothing=ls).numpy()
    np.testing.assert_allclose(got, np_bce(BIN_TRUE * (1 - ls) + 0.5 * ls, BIN_PRED), rtol=1e-6)


def test_probabilities_are_clipped():
    p = np.array([[0.0, 1.0]])
    assert np.isfinite(float(losses.CategoricalCrossentropy()(np.array([[1.0, 0.0]]), p)))
    assert float(losses.binary_crossentropy(np.array([1.0]), np.array([0.0]))) == pytest.approx(-np.log(EPS))


def test_sparse_ignore_class_masks_those_samples():
    labels = LABELS.copy()
    labels[:2] = -1
    per = -np.log(PROB_PRED[np.arange(N), np.maximum(labels, 0)])
    per[:2] = 0.0
    loss = losses.SparseCategoricalCrossentropy(ignore_class=-1)(labels, PROB_PRED)
    assert float(loss) == pytest.approx(per.sum() / (N - 2), rel=1e-5)


def test_sparse_labels_may_be_a_column_or_floats():
    ref = losses.sparse_categorical_crossentropy(LABELS, PROB_PRED).numpy()
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy(LABELS[:, None], PROB_PRED).numpy(), ref)
    np.testing.assert_allclose(
        losses.sparse_categorical_crossentropy(LABELS.astype(np.float32), PROB_PRED).numpy(), ref)


def test_sparse_label_out_of_range_names_label_and_classes():
    bad = LABELS.copy()
    bad[3] = 7
    with pytest.raises(ValueError, match=r"label 7 is out of range.*4 classes.*\[0, 4\)"):
        losses.SparseCategoricalCrossentropy()(bad, PROB_PRED)
    with pytest.raises(ValueError, match="label -2"):
        losses.sparse_categorical_crossentropy(np.full(N, -2), PROB_PRED)
    with pytest.raises(ValueError, match="integer class indices"):
        losses.sparse_categorical_crossentropy(np.full(N, 0.5), PROB_PRED)


def test_sparse_with_one_hot_labels_suggests_categorical():
    with pytest.raises(ValueError, match="categorical_crossentropy"):
        losses.sparse_categorical_crossentropy(ONE_HOT, PROB_PRED)


def test_categorical_with_integer_labels_explains_the_fix():
    with pytest.raises(ValueError, match=r"y_true.shape=\(6,\), y_pred.shape=\(6, 4\).*"
                                         r"sparse_categorical_crossentropy.*to_categorical"):
        losses.CategoricalCrossentropy()(LABELS, PROB_PRED)


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"y_true.shape=\(6, 4\), y_pred.shape=\(6, 3\)"):
        losses.mean_squared_error(REG_TRUE, REG_PRED[:, :3])


def test_invalid_reduction():
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")


def test_get_serialize_deserialize():
    assert isinstance(losses.get("mse"), losses.MeanSquaredError)
    assert losses.get("MSE").fn is losses.mean_squared_error
    assert losses.get("kld").fn is losses.kl_divergence
    assert losses.get(losses.huber) is losses.huber
    assert losses.to_loss(losses.huber).fn is losses.huber
    assert isinstance(losses.get("SparseCategoricalCrossentropy"), losses.SparseCategoricalCrossentropy)
    assert isinstance(losses.to_loss("mae"), losses.MeanAbsoluteError)
    assert isinstance(losses.to_loss(lambda t, p: ops.mean(p, axis=-1)), losses.LossFunctionWrapper)
    original = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1, name="cce")
    clone = losses.deserialize(losses.serialize(original))
    assert isinstance(clone, losses.CategoricalCrossentropy)
    assert clone.get_config() == original.get_config()
    assert losses.deserialize(losses.serialize(losses.huber)) is losses.huber
    with pytest.raises(ValueError, match="Could not interpret loss identifier: msee.*mean_squared_error"):
        losses.get("msee")


def test_keras_names_and_defaults():
    assert losses.Huber().name == "huber_loss"
    assert losses.MeanSquaredError().get_config() == {"name": "mean_squared_error",
                                                      "reduction": "sum_over_batch_size"}
    assert losses.BinaryCrossentropy().get_config()["label_smoothing"] == 0.0
