"""Dice, Tversky, Circle, CTC, CategoricalGeneralizedCrossEntropy, SparseCategoricalCrossentropy
(axis=, ignore_class=) and CategoricalFocalCrossentropy's label smoothing along another axis:
the inputs and values of Keras 3's losses tests, gradients through the tape, and config."""
import json

import numpy as np
import pytest

import gradiente as keras
from gradiente import losses
from gradiente.autodiff import GradientTape, Tensor
from gradiente.testing import check_gradients

SMALL_TRUE, SMALL_PRED = np.array([[1, 2], [1, 2]]), np.array([[4, 1], [6, 1]])
SEG_TRUE = np.array([[1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1]])
SEG_PRED = np.array([[0, 1, 0, 1], [1, 0, 1, 1], [0, 1, 0, 1], [1, 0, 1, 1]])
IMG_TRUE = np.array([[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]])
IMG_PRED = np.array([[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]])


@pytest.mark.parametrize("loss, y_true, y_pred, expected", [
    (losses.Dice(), SMALL_TRUE, SMALL_PRED, -0.55555546),
    (losses.Dice(), SEG_TRUE, SEG_PRED, 0.77777773),
    (losses.Dice(axis=(1, 2, 3), reduction=None), IMG_TRUE, IMG_PRED, [0.5, 0.75757575]),
    (losses.Dice(), IMG_TRUE, IMG_PRED, 0.6164384),
    (losses.Tversky(), SMALL_TRUE, SMALL_PRED, -0.55555558),
    (losses.Tversky(alpha=0.2, beta=0.8), SMALL_TRUE, SMALL_PRED, -0.94444442),
    (losses.Tversky(), SEG_TRUE, SEG_PRED, 0.77777779),
    (losses.Tversky(axis=(1, 2, 3), reduction=None), IMG_TRUE, IMG_PRED, [0.5, 0.75757575]),
    (losses.Tversky(alpha=0.2, beta=0.8), SEG_TRUE, SEG_PRED, 0.76190472),
    (losses.Tversky(alpha=0.2, beta=0.8, axis=(1, 2, 3), reduction=None), IMG_TRUE, IMG_PRED, [0.5, 0.78494626]),
])
def test_overlap_losses_keras_values(loss, y_true, y_pred, expected):
    np.testing.assert_allclose(loss(y_true, y_pred).data, expected, rtol=1e-5)


def test_overlap_losses_gradients_and_config():
    for fn in (lambda p: losses.dice(IMG_TRUE, p, axis=(1, 2, 3)),
               lambda p: losses.tversky(IMG_TRUE, p, alpha=0.3, beta=0.7)):
        check_gradients(fn, np.clip(IMG_PRED, 0.1, 0.9))
    for loss in (losses.Dice(name="mydice", axis=(1, 2, 3)), losses.Tversky(alpha=0.2, beta=0.8, name="t")):
        config = json.loads(json.dumps(losses.serialize(loss)))
        clone = losses.deserialize(config)
        assert type(clone) is type(loss) and clone.get_config() == json.loads(json.dumps(loss.get_config()))
        np.testing.assert_allclose(clone(IMG_TRUE, IMG_PRED).data, loss(IMG_TRUE, IMG_PRED).data)


CIRCLE_TRUE = np.array([1, 1, 2, 2, 3])
CIRCLE_PRED = np.array([[0.70014004, -0.42008403, 0.14002801, 0.56011203],
                        [0.17609018, 0.70436073, -0.52827054, 0.44022545],
                        [-0.34050261, 0.25537696, -0.68100522, 0.59587957],
                        [0.32163376, -0.75047877, 0.53605627, -0.21442251],
                        [0.51261459, -0.34174306, 0.17087153, 0.76892189]])
REF_LABELS = np.array([1, 1, 2, 2, 3, 4])
REF_EMBEDDINGS = np.array([[0.40824829, -0.54433105, 0.27216553, 0.68041382],
                           [0.76376261, 0.10910895, -0.54554473, 0.32732684],
                           [-0.74420841, 0.24806947, 0.49613894, -0.3721042],
                           [0.52981294, -0.13245324, 0.79471941, -0.26490647],
                           [0.54554473, -0.32732684, 0.10910895, 0.76376261],
                           [-0.27216553, 0.68041382, 0.40824829, -0.54433105]])
CIRCLE_WEIGHTS = np.array([2.0, 2.0, 1.0, 1.0, 0.5])


def test_circle_keras_values():
    assert float(losses.Circle(gamma=80.0, margin=0.4)(CIRCLE_TRUE, CIRCLE_PRED).data) == pytest.approx(188.3883, abs=1e-3)
    assert float(losses.Circle(gamma=256, margin=0.25)(CIRCLE_TRUE, CIRCLE_PRED).data) == pytest.approx(652.7617, abs=1e-3)
    per_sample = losses.circle(CIRCLE_TRUE, CIRCLE_PRED, ref_labels=REF_LABELS, ref_embeddings=REF_EMBEDDINGS,
                               gamma=80.0, margin=0.4, remove_diagonal=False)
    np.testing.assert_allclose(per_sample.data, [61.5844, 94.3465, 276.9344, 90.9873, 48.8963], atol=1e-3)
    weighted = losses.Circle(gamma=80.0, margin=0.4)(CIRCLE_TRUE, CIRCLE_PRED, sample_weight=CIRCLE_WEIGHTS)
    assert float(weighted.data) == pytest.approx(244.91918, abs=1e-3)
    # Samples with no other of their label have loss 0 and leave the mean.
    unreduced = losses.Circle(gamma=80.0, margin=0.4, reduction=None)(REF_LABELS, REF_EMBEDDINGS)
    np.testing.assert_allclose(unreduced.data, [82.9116, 36.7942, 92.4590, 52.6798, 0.0, 0.0], atol=1e-3)
    total = losses.Circle(gamma=80.0, margin=0.4, reduction="sum")(REF_LABELS, REF_EMBEDDINGS)
    assert float(total.data) == pytest.approx(264.845, abs=1e-2)
    by_weight = losses.Circle(gamma=80.0, margin=0.4, reduction="mean_with_sample_weight")
    assert float(by_weight(CIRCLE_TRUE, CIRCLE_PRED, sample_weight=CIRCLE_WEIGHTS).data) == pytest.approx(163.27948, abs=1e-3)


def test_circle_gradients_stay_finite_and_config_round_trips():
    check_gradients(lambda e: losses.circle(CIRCLE_TRUE, e, gamma=4.0), CIRCLE_PRED)
    embeddings = Tensor(REF_EMBEDDINGS.astype(np.float32))
    with GradientTape() as tape:
        tape.watch(embeddings)
        loss = losses.Circle(gamma=80.0)(REF_LABELS, embeddings)  # two rows without positives
    assert np.all(np.isfinite(tape.gradient(loss, embeddings).data))
    clone = losses.deserialize(losses.serialize(losses.Circle(name="mycircle", gamma=80.0, margin=0.4)))
    assert (clone.name, clone.gamma, clone.margin, clone.remove_diagonal) == ("mycircle", 80.0, 0.4, True)


CTC_LOGITS = (np.arange(24).reshape((2, 4, 3)).astype("float32") - 12) / 100
CTC_TRUE = np.array([[1, 2, 1, 0], [1, 2, 0, 2]])


def test_ctc_keras_value_gradient_and_errors():
    assert float(losses.CTC()(CTC_TRUE, CTC_LOGITS).data) == pytest.approx(2.448645, rel=1e-5)
    check_gradients(lambda logits: losses.ctc(CTC_TRUE, logits), CTC_LOGITS.astype(np.float64))
    clone = losses.deserialize(losses.serialize(losses.CTC(name="myctc")))
    assert type(clone) is losses.CTC and clone.name == "myctc"
    with pytest.raises(ValueError, match=r"expected to be a tensor of shape `\(batch_size, max_length\)`"):
        losses.ctc(np.zeros(4, int), CTC_LOGITS)
    with pytest.raises(ValueError, match=r"`\(batch_size, max_length, num_classes\)`"):
        losses.ctc(CTC_TRUE, CTC_LOGITS[0])


def test_ctc_trains_a_sequence_model():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 6, 4)).astype(np.float32)
    y = np.stack([np.sign(x[:, :3, 0]).astype(int) + 2, np.zeros((16, 3), int)], 1).reshape(16, 6)[:, :3]
    model = keras.Sequential([keras.layers.Input((6, 4)), keras.layers.Dense(4)])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=losses.CTC())
    history = model.fit(x, y, epochs=15, batch_size=8, verbose=0).history["loss"]
    assert np.all(np.isfinite(history)) and history[-1] < history[0]


GCE_TRUE = np.array([0, 1, 0, 1])


@pytest.mark.parametrize("y_pred, picked", [
    (np.array([[0.7, 0.3], [0.2, 0.8], [0.6, 0.4], [0.4, 0.6]]), [0.7, 0.8, 0.6, 0.6]),
    (np.array([[0.7, 0.3, 0.0], [0.2, 0.2, 0.6], [0.6, 0.4, 0.0], [0.2, 0.2, 0.6]]), [0.7, 0.2, 0.6, 0.2]),
])
@pytest.mark.parametrize("q", [0.5, 0.8])
def test_generalized_cross_entropy_keras_values(y_pred, picked, q):
    loss = losses.CategoricalGeneralizedCrossEntropy(q=q) if q != 0.5 else losses.CategoricalGeneralizedCrossEntropy()
    expected = np.mean((1 - np.power(picked, q)) / q)
    assert float(loss(GCE_TRUE, y_pred).data) == pytest.approx(expected, rel=1e-5)


SEG_LABELS = np.array([[0, 1, 1, 0], [1, 0, 1, 0], [0, 0, 1, 1], [1, 1, 0, 1]])
SEG_PROBS = np.eye(2)[SEG_LABELS]
SEG_PROBS_OFF = SEG_PROBS.copy()
SEG_PROBS_OFF[0, 3] = [0.2, 0.8]  # label 0 gets 0.2
SEG_PROBS_OFF[3, 3] = [0.6, 0.4]  # label 1 gets 0.4


def test_generalized_cross_entropy_on_segmentation_maps_gradient_and_errors():
    gce = losses.CategoricalGeneralizedCrossEntropy(q=0.5)
    assert float(gce(SEG_LABELS, SEG_PROBS).data) == pytest.approx(0.0, abs=1e-7)
    expected = ((1 - 0.2 ** 0.5) / 0.5 + (1 - 0.4 ** 0.5) / 0.5) / 16
    assert float(gce(SEG_LABELS, SEG_PROBS_OFF).data) == pytest.approx(expected, rel=1e-5)
    check_gradients(lambda p: losses.categorical_generalized_cross_entropy(GCE_TRUE, p, q=0.3),
                    np.array([[0.7, 0.3], [0.2, 0.8], [0.6, 0.4], [0.4, 0.6]]))
    with pytest.raises(ValueError, match=r"q must be in the interval \(0, 1\)"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.0)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\)"):
        gce(np.array([0, 2]), np.array([[0.5, 0.5], [0.5, 0.5]]))
    clone = losses.deserialize(losses.serialize(losses.CategoricalGeneralizedCrossEntropy(q=0.1, name="gce")))
    assert (clone.q, clone.name) == (0.1, "gce")


def test_sparse_crossentropy_ignore_class_and_config():
    logits = np.array([[[0.854, 0.698, 0.598], [0.088, 0.86, 0.018]]])
    for y_true in (np.array([[-1, 2]]), np.array([[[-1], [2]]])):
        loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, reduction=None)
        np.testing.assert_allclose(loss(y_true, logits).data, [[0.0, 1.480129]], rtol=1e-5)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=3, axis=0, name="scce")
    config = loss.get_config()
    assert (config["from_logits"], config["ignore_class"], config["axis"]) == (True, 3, 0)
    clone = losses.deserialize(losses.serialize(loss))
    assert (clone.axis, clone.ignore_class, clone.name) == (0, 3, "scce")


def test_sparse_crossentropy_along_another_axis():
    channels_first = np.moveaxis(SEG_PROBS_OFF, 2, 0)  # (classes, 4, 4)
    expected = (-np.log(0.2) - np.log(0.4)) / 16
    assert float(losses.SparseCategoricalCrossentropy()(SEG_LABELS, SEG_PROBS_OFF).data) == pytest.approx(expected, rel=1e-5)
    assert float(losses.SparseCategoricalCrossentropy(axis=0)(SEG_LABELS, channels_first).data) == pytest.approx(
        expected, rel=1e-5)
    batched = losses.SparseCategoricalCrossentropy(axis=1)(np.stack([SEG_LABELS] * 3), np.stack([channels_first] * 3))
    assert float(batched.data) == pytest.approx(expected, rel=1e-5)
    assert float(losses.SparseCategoricalCrossentropy(axis=0)(SEG_LABELS, np.moveaxis(SEG_PROBS, 2, 0)).data) == \
        pytest.approx(0.0, abs=1e-6)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=(2, 1, 4, 4)).astype(np.float32)  # a size-1 class axis
    assert losses.sparse_categorical_crossentropy(labels, rng.random((2, 2, 4, 4)), axis=1).shape == (2, 4, 4)
    logits = rng.normal(size=(2, 3, 5))
    check_gradients(lambda z: losses.sparse_categorical_crossentropy(rng.integers(0, 3, (2, 5)) * 0 + 1, z,
                                                                     from_logits=True, axis=1), logits)
    with pytest.raises(ValueError, match="`axis` must be an integer"):
        losses.sparse_categorical_crossentropy(SEG_LABELS, SEG_PROBS, axis=3)


def test_categorical_focal_smooths_over_the_class_axis():
    y_true = np.array([[[1, 0], [0, 1], [0, 0]], [[0, 1], [1, 0], [0, 0]]], np.float32)  # (batch, classes, spatial)
    y_pred = np.array([[[0.8, 0.1], [0.1, 0.8], [0.1, 0.1]], [[0.1, 0.8], [0.8, 0.1], [0.1, 0.1]]], np.float32)
    smoothed = y_true * 0.9 + 0.1 / 3
    expected = np.mean(np.sum(0.25 * (1 - y_pred) ** 2 * -smoothed * np.log(y_pred), axis=1))
    loss = losses.CategoricalFocalCrossentropy(label_smoothing=0.1, axis=1)
    assert float(loss(y_true, y_pred).data) == pytest.approx(expected, rel=1e-5)
    logits = losses.CategoricalFocalCrossentropy(from_logits=True, label_smoothing=0.1)
    assert float(logits(np.array([[1, 0, 0]]), np.array([[4.9, -0.5, 2.05]])).data) == pytest.approx(0.06685, abs=1e-3)


def test_new_losses_by_name():
    for name, cls in [("dice", losses.Dice), ("Tversky", losses.Tversky), ("circle", losses.Circle),
                      ("ctc", losses.CTC), ("CategoricalGeneralizedCrossEntropy", losses.CategoricalGeneralizedCrossEntropy)]:
        assert type(losses.get(name)) is cls
    assert losses.deserialize("dice") is losses.dice
