"""ctc_loss (gradiente/ops/ctc.py): Keras's values, a brute-force sum over all alignments,
padding of labels and frames, and gradients against finite differences."""
import itertools

import numpy as np
import pytest

from gradiente.autodiff import GradientTape, Tensor
from gradiente.ops.ctc import ctc_loss

from ops_testlib import gradcheck

GRADIENT_CHECKED = {"ctc_loss"}
NOT_DIFFERENTIABLE = set()


def test_keras_values():
    labels = np.array([[1, 2, 1], [1, 2, 2]])
    outputs = np.array([[[0.4, 0.8, 0.4], [0.2, 0.8, 0.3], [0.9, 0.4, 0.5]],
                        [[0.4, 0.8, 0.4], [0.2, 0.3, 0.3], [0.4, 0.3, 0.2]]])
    result = ctc_loss(labels, outputs, np.array([3, 2]), np.array([3, 2]))
    np.testing.assert_allclose(result.data, [3.4411672, 1.91680186], rtol=1e-5)
    single = ctc_loss(np.array([[1, 2, 1]], np.int32), outputs[:1].astype(np.float16), np.array([3]), np.array([3]))
    assert single.dtype == np.float32  # at least float32, as Keras's result_type(dtype, "float32")


def _collapse(path, blank):
    out, previous = [], None
    for symbol in path:
        if symbol != previous and symbol != blank:
            out.append(symbol)
        previous = symbol
    return out


def brute_force(labels, logits, blank=0):
    """-log of the summed probability of every frame-wise path that collapses to labels."""
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    total = 0.0
    for path in itertools.product(range(logits.shape[1]), repeat=logits.shape[0]):
        if _collapse(path, blank) == list(labels):
            total += np.exp(sum(log_probs[t, s] for t, s in enumerate(path)))
    return -np.log(total)


def test_matches_the_sum_over_alignments_with_padding_and_repeats():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4, 5, 3))
    target = np.array([[1, 2, 0], [1, 1, 0], [2, 0, 0], [1, 2, 1]])
    target_length = np.array([2, 2, 1, 3])
    output_length = np.array([5, 4, 3, 5])
    got = ctc_loss(target, logits, target_length, output_length).data
    want = [brute_force(target[b, :target_length[b]], logits[b, :output_length[b]]) for b in range(4)]
    np.testing.assert_allclose(got, want, rtol=1e-10)
    # Another blank index: class 2 is the blank, labels are 0 and 1.
    other = ctc_loss(np.array([[0, 1]]), logits[:1], np.array([2]), np.array([5]), mask_index=2).data
    np.testing.assert_allclose(other, [brute_force([0, 1], logits[0], blank=2)], rtol=1e-10)


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    target = np.array([[1, 2, 2], [3, 1, 0], [2, 0, 0]])
    lengths = (np.array([3, 2, 1]), np.array([6, 5, 3]))
    gradcheck("ctc_loss", lambda out: ctc_loss(target, out, *lengths), rng.normal(size=(3, 6, 4)))


def test_padded_frames_get_no_gradient_and_impossible_labels_stay_finite():
    rng = np.random.default_rng(2)
    logits = Tensor(rng.normal(size=(2, 4, 3)).astype(np.float32))
    with GradientTape() as tape:
        tape.watch(logits)
        # The second sample needs 3 frames for labels [1, 1] (a blank between) but has 2.
        loss = ctc_loss(np.array([[1, 2], [1, 1]]), logits, np.array([2, 2]), np.array([3, 2]))
    grad = tape.gradient(loss, logits).data
    assert np.all(grad[0, 3:] == 0) and np.all(grad[1, 2:] == 0)
    assert np.all(np.isfinite(grad)) and loss.data[1] > 1e4


def test_bad_shapes_and_labels_are_refused():
    with pytest.raises(ValueError, match="must have the same first dimension"):
        ctc_loss(np.zeros((2, 3), int), np.zeros((3, 4, 5)), np.array([1, 1]), np.array([4, 4, 4]))
    with pytest.raises(ValueError, match=r"expects target of shape \(batch, max_label_length\)"):
        ctc_loss(np.zeros((2,), int), np.zeros((2, 4, 5)), np.array([1, 1]), np.array([4, 4]))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 5\)"):
        ctc_loss(np.array([[7]]), np.zeros((1, 4, 5)), np.array([1]), np.array([4]))
