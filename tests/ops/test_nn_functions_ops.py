"""keras.ops.nn functions (ops/conv_api.py, ops/nn_functions.py, ops/ctc_beam_search.py, ops/ranking.py): Keras 3's
shapes and values from its nn_test.py / math_test.py, and gradients."""
import itertools

import numpy as np
import pytest

from gradiente import ops
from gradiente.testing import check_gradients

from test_conv_api import direct_conv2d

RNG = np.random.default_rng(3)


def value(x):
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


# --- convolutions and pools -------------------------------------------------------------
def test_depthwise_conv_is_one_group_per_channel():
    x, k = RNG.normal(size=(2, 6, 5, 3)), RNG.normal(size=(3, 2, 3, 2))
    out = value(ops.depthwise_conv(x, k))
    assert out.shape == (2, 4, 4, 6)
    for c in range(3):  # output channels c·multiplier + m come from input channel c
        ref = direct_conv2d(x[..., c:c + 1], k[:, :, c:c + 1, :], 1, ((0, 0), (0, 0)))
        np.testing.assert_allclose(out[..., 2 * c:2 * c + 2], ref, atol=1e-10)
    assert ops.depthwise_conv(x, k, strides=2, padding="same").shape == (2, 3, 3, 6)
    first = ops.depthwise_conv(np.moveaxis(x, -1, 1), k, data_format="channels_first")
    np.testing.assert_allclose(value(first), np.moveaxis(out, -1, 1), atol=1e-10)
    with pytest.raises(ValueError, match="channels"):
        ops.depthwise_conv(x, RNG.normal(size=(3, 2, 4, 2)))


def test_separable_conv_is_depthwise_then_pointwise():
    x, dk, pk = RNG.normal(size=(2, 6, 6, 3)), RNG.normal(size=(2, 2, 3, 2)), RNG.normal(size=(1, 1, 6, 4))
    out = value(ops.separable_conv(x, dk, pk, strides=2, padding="same"))
    mid = value(ops.depthwise_conv(x, dk, strides=2, padding="same"))
    np.testing.assert_allclose(out, direct_conv2d(mid, pk, 1, ((0, 0), (0, 0))), atol=1e-10)
    check_gradients(lambda a, b, c: ops.separable_conv(a, b, c), x[:1, :4, :4], dk, pk)


@pytest.mark.parametrize("shape,kernel,strides,padding,output_padding,expected", [
    ((2, 4, 3), (2, 5, 3), 2, "valid", None, (2, 8, 5)),
    ((2, 4, 3), (2, 5, 3), 2, "same", None, (2, 8, 5)),
    ((2, 4, 3), (2, 5, 3), 5, "valid", 4, (2, 21, 5)),
    ((2, 4, 4, 3), (2, 2, 5, 3), 2, "valid", None, (2, 8, 8, 5)),
    ((2, 4, 4, 3), (2, 2, 5, 3), (2, 2), "same", None, (2, 8, 8, 5)),
    ((2, 4, 4, 3), (2, 2, 5, 3), (5, 5), "valid", 4, (2, 21, 21, 5)),
])
def test_conv_transpose_shapes_as_keras(shape, kernel, strides, padding, output_padding, expected):
    out = ops.conv_transpose(np.ones(shape), np.ones(kernel), strides, padding=padding, output_padding=output_padding)
    assert out.shape == expected


@pytest.mark.parametrize("size,strides,padding", [(7, 1, "valid"), (7, 2, "valid"), (8, 2, "same"), (7, 1, "same")])
def test_conv_transpose_is_the_adjoint_of_conv(size, strides, padding):
    x, k = RNG.normal(size=(1, size, 6, 3)), RNG.normal(size=(3, 2, 3, 4))  # conv: 3 -> 4 channels
    y = value(ops.conv(x, k, strides=strides, padding=padding))
    g = RNG.normal(size=y.shape)
    # <conv(x), g> = <x, conv_transpose(g)>, the kernel read as (*k, out=3, in=4)
    back = value(ops.conv_transpose(g, k, strides=strides, padding=padding))
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(y * g), np.sum(x * back), rtol=1e-9)
    with pytest.raises(ValueError, match="input channels must match the kernel"):
        ops.conv_transpose(np.ones((2, 4, 3)), np.ones((2, 4, 5)), 2)


def _pool_ref(x, pool, stride, reduce):
    n, h, w, c = x.shape
    oh, ow = (h - pool) // stride + 1, (w - pool) // stride + 1
    out = np.empty((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = reduce(x[:, i * stride:i * stride + pool, j * stride:j * stride + pool], axis=(1, 2))
    return out


def test_max_and_average_pool_values_shapes_and_gradients():
    x = RNG.normal(size=(2, 6, 6, 3))
    np.testing.assert_allclose(value(ops.max_pool(x, 2)), _pool_ref(x, 2, 2, np.max))
    np.testing.assert_allclose(value(ops.average_pool(x, 3, strides=1)), _pool_ref(x, 3, 1, np.mean))
    assert ops.max_pool(x, 2, padding="same", strides=(2, 1)).shape == (2, 3, 6, 3)
    assert ops.average_pool(np.ones((2, 5, 3)), 2, padding="same").shape == (2, 3, 3)
    # 'same' averages count only the real elements of each window.
    np.testing.assert_allclose(value(ops.average_pool(np.ones((1, 5, 1)), 2, padding="same")), np.ones((1, 3, 1)))
    first = ops.max_pool(np.moveaxis(x, -1, 1), 2, data_format="channels_first")
    np.testing.assert_allclose(value(first), np.moveaxis(_pool_ref(x, 2, 2, np.max), -1, 1))
    with pytest.raises(ValueError, match="padding"):
        ops.max_pool(x, 2, padding="causal")
    check_gradients(lambda t: ops.average_pool(t, 2, strides=1, padding="same"), x[:1, :4, :4])


# --- batch_normalization / normalize / psnr ---------------------------------------------
def test_batch_normalization_on_any_axis():
    x = RNG.normal(size=(10, 3, 4, 5))
    mean, var, offset, scale = RNG.normal(size=3), RNG.uniform(0.5, 2, 3), RNG.normal(size=3), RNG.normal(size=3)
    out = value(ops.batch_normalization(x, mean, var, axis=1, offset=offset, scale=scale, epsilon=1e-3))
    b = lambda v: v.reshape(1, 3, 1, 1)  # noqa: E731
    np.testing.assert_allclose(out, (x - b(mean)) / np.sqrt(b(var) + 1e-3) * b(scale) + b(offset), atol=1e-12)
    assert ops.batch_normalization(x[..., 0], RNG.normal(size=4), np.ones(4), axis=-1).shape == (10, 3, 4)
    check_gradients(lambda t, m, v: ops.batch_normalization(t, m, v, axis=-1), x[:2, 0], RNG.normal(size=5),
                    RNG.uniform(0.5, 2, 5))


def test_normalize_values_orders_epsilon_and_validation():
    x = np.array([[1, 2, 3], [1, 2, 3]], np.float32)
    np.testing.assert_allclose(value(ops.normalize(x, axis=None)), [[0.18898225, 0.3779645, 0.56694674]] * 2, rtol=1e-6)
    np.testing.assert_allclose(value(ops.normalize(x, axis=0)), np.full((2, 3), 0.70710677), rtol=1e-6)
    np.testing.assert_allclose(value(ops.normalize(x, axis=-1)), [[0.26726124, 0.53452247, 0.8017837]] * 2, rtol=1e-6)
    np.testing.assert_allclose(value(ops.normalize(x, order=3)), [[0.30285344, 0.6057069, 0.9085603]] * 2, rtol=1e-6)
    np.testing.assert_allclose(value(ops.normalize(np.array([[1e-6, 1e-8]], np.float32), epsilon=1e-5)),
                               [[1e-1, 1e-3]], rtol=1e-5)
    assert ops.normalize(np.ones((1, 2, 3))).shape == (1, 2, 3)
    for order in ("a", -1, 0, 2.0):
        with pytest.raises(ValueError, match="Argument `order` must be an int >= 1"):
            ops.normalize(np.array([1, 2, 3]), order=order)


def test_normalize_zero_vector_has_finite_gradient():
    from gradiente.autodiff import GradientTape, Variable

    x = Variable(np.zeros(3, np.float32))
    with GradientTape() as tape:
        loss = ops.sum(ops.normalize(x, axis=-1, order=2, epsilon=1e-3))
    np.testing.assert_allclose(value(tape.gradient(loss, x)), np.full(3, 1e3), rtol=1e-5)


def test_psnr_matches_its_formula():
    x1 = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    x2 = np.array([[0.2, 0.2, 0.3], [0.4, 0.6, 0.6]])
    expected = 20 * np.log10(1.0) - 10 * np.log10(np.mean(np.square(x1 - x2)))
    out = ops.psnr(x1, x2, 1.0)
    assert out.shape == () and float(out) == pytest.approx(expected)
    with np.errstate(divide="ignore"):
        assert float(ops.psnr(x1, x1, 1.0)) == np.inf  # identical images: no noise
    with pytest.raises(ValueError, match="must match"):
        ops.psnr(np.ones((1, 2, 3)), np.ones((5, 6, 7)), 224)


# --- one_hot / multi_hot ----------------------------------------------------------------
def test_one_hot_and_multi_hot_shapes_and_values():
    x = np.zeros((2, 3, 1), np.int32)
    assert ops.one_hot(x, 5).shape == (2, 3, 1, 5)
    assert ops.one_hot(x, 5, 1).shape == (2, 5, 3, 1)
    assert ops.one_hot(x, 5, 2).shape == (2, 3, 5, 1)
    assert value(ops.one_hot(np.array([1, -1, 2]), 3)).tolist() == [[0, 1, 0], [0, 0, 0], [0, 0, 1]]
    with pytest.raises(ValueError, match="sparse"):
        ops.one_hot(x, 5, sparse=True)
    assert ops.multi_hot(np.zeros(5, np.int32), 5, -1).shape == (5,)
    assert ops.multi_hot(x, 5).shape == (2, 1, 5)
    assert ops.multi_hot(x, 5, 1).shape == (2, 3, 1)
    assert ops.multi_hot(x, 5, 2).shape == (2, 5, 1)
    assert value(ops.multi_hot(np.array([[0, 2], [1, 1]]), 3)).tolist() == [[1, 0, 1], [0, 1, 0]]
    assert value(ops.multi_hot(np.array([[0, 2]]), num_tokens=3)).tolist() == [[1, 0, 1]]
    with pytest.raises(ValueError, match="num_classes"):
        ops.multi_hot(x)


# --- top_k / in_top_k -------------------------------------------------------------------
def test_top_k_values_indices_stability_and_gradient():
    x = np.array([0, 4, 2, 1, 3, -1], np.float32)
    values, indices = ops.top_k(x, 2)
    assert value(values).tolist() == [4, 3] and value(indices).tolist() == [1, 4] and indices.dtype == "int32"
    values, indices = ops.top_k(np.array([[1, 5, 3, 5]], np.float32), 3)
    assert value(values).tolist() == [[5, 5, 3]] and value(indices).tolist() == [[1, 3, 2]]  # ties by index
    _, indices = ops.top_k(x, 3, sorted=False, is_stable=False)
    assert sorted(value(indices).tolist()) == [1, 2, 4]
    check_gradients(lambda t: ops.top_k(t, 2)[0], RNG.normal(size=(3, 5)))


def test_in_top_k():
    targets = np.array([1, 0, 2])
    predictions = np.array([[0.1, 0.7, 0.2], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6]])
    assert value(ops.in_top_k(targets, predictions, 1)).tolist() == [True, False, True]
    assert value(ops.in_top_k(targets, predictions, 2)).tolist() == [True, False, True]
    assert value(ops.in_top_k(targets, predictions, 3)).tolist() == [True, True, True]
    assert value(ops.in_top_k(np.array([0]), np.array([[0.5, 0.5, 0.1]]), 1)).tolist() == [True]  # a tie is in


# --- ctc ----------------------------------------------------------------------------------
CTC_INPUTS = np.array([
    [[0.1, 0.4, 0.2, 0.4], [0.3, -0.3, 0.4, 0.2], [0.3, 0.2, 0.4, 0.3]],
    [[0.7, 0.4, 0.3, 0.2], [0.3, 0.3, 0.4, 0.1], [0.6, -0.1, 0.1, 0.5]],
    [[0.1, 0.4, 0.2, 0.7], [0.3, 0.3, -0.2, 0.7], [0.3, 0.2, 0.4, 0.1]],
])


def test_ctc_decode_greedy_as_keras():
    (decoded,), scores = ops.ctc_decode(CTC_INPUTS, sequence_lengths=[3, 3, 1], strategy="greedy", mask_index=0)
    assert value(decoded).tolist() == [[1, 2, -1], [2, -1, -1], [3, -1, -1]]
    np.testing.assert_allclose(value(scores), [[-1.2], [-1.7], [-0.7]])
    (decoded,), scores = ops.ctc_decode(CTC_INPUTS, [3, 3, 1], merge_repeated=False, mask_index=0)
    assert value(decoded).tolist() == [[1, 2, 2], [2, -1, -1], [3, -1, -1]]
    np.testing.assert_allclose(value(scores), [[-1.2], [-1.7], [-0.7]])
    decoded, scores = ops.ctc_decode(np.zeros((10, 2, 3)), np.full(10, 2))
    assert decoded.shape == (1, 10, 2) and scores.shape == (10, 1)
    with pytest.raises(ValueError, match="Invalid strategy"):
        ops.ctc_decode(CTC_INPUTS, [3, 3, 1], strategy="best")


def _exact_label_sequences(logits, blank):
    """Every label sequence's probability by summing over all alignments (CTC's
    definition: merge repeats, then drop blanks): the ground truth for small cases."""
    steps, classes = logits.shape
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    totals = {}
    for alignment in itertools.product(range(classes), repeat=steps):
        merged = [c for k, c in enumerate(alignment) if k == 0 or c != alignment[k - 1]]
        labels = tuple(c for c in merged if c != blank)
        totals[labels] = totals.get(labels, 0.0) + np.prod(probs[np.arange(steps), alignment])
    return totals


def test_ctc_decode_beam_search_as_keras():
    decoded, scores = ops.ctc_decode(CTC_INPUTS, sequence_lengths=[3, 3, 1], strategy="beam_search", beam_width=4,
                                     top_paths=2, mask_index=0)
    assert value(decoded).tolist() == [[[1, 2, -1], [2, -1, -1], [3, -1, -1]],
                                       [[2, -1, -1], [3, -1, -1], [1, -1, -1]]]
    np.testing.assert_allclose(value(scores), [[-2.426537, -2.435596], [-2.127681, -2.182338],
                                               [-1.063386, -1.363386]], rtol=1e-6)
    # Keras's dtypes: int32 paths, scores in result_type(inputs, float32).
    decoded, scores = ops.ctc_decode(CTC_INPUTS.astype(np.float16), [3, 3, 1], strategy="beam_search", top_paths=3)
    assert value(decoded).dtype == np.int32 and value(scores).dtype == np.float32
    assert decoded.shape == (3, 3, 3) and scores.shape == (3, 3)
    assert value(ops.ctc_decode(CTC_INPUTS, [3, 3, 1], strategy="beam_search")[1]).dtype == np.float64
    decoded, scores = ops.ctc_decode(np.zeros((10, 2, 3)), np.full(10, 2), strategy="beam_search", top_paths=2)
    assert decoded.shape == (2, 10, 2) and scores.shape == (10, 2)


@pytest.mark.parametrize("blank", [0, 2])
def test_ctc_beam_search_is_exact_with_a_wide_beam(blank):
    # A beam wider than the number of prefixes loses nothing: the top paths are the most
    # probable label sequences, with their exact log probabilities, best first.
    logits = RNG.normal(size=(2, 4, 3)) * 2
    decoded, scores = ops.ctc_decode(logits, [4, 4], strategy="beam_search", beam_width=64, top_paths=5,
                                     mask_index=blank)
    for b in range(2):
        truth = sorted(_exact_label_sequences(logits[b], blank).items(), key=lambda kv: -kv[1])[:5]
        got = [tuple(p[p >= 0]) for p in value(decoded)[:, b]]
        assert got == [labels for labels, _ in truth]
        np.testing.assert_allclose(value(scores)[b], np.log([p for _, p in truth]), rtol=1e-10)


def test_ctc_beam_search_width_one_follows_greedy_on_peaked_inputs():
    # With one clear winner per step, a one-path beam takes the greedy labels, and its
    # probability is the best alignment's plus the (tiny) mass of the others it merges.
    winners = RNG.integers(0, 5, size=(4, 7))
    logits = np.eye(5)[winners] * 12 + RNG.normal(size=(4, 7, 5)) * 0.1
    lengths = np.array([7, 5, 3, 1])
    (greedy,), greedy_scores = ops.ctc_decode(logits, lengths, strategy="greedy")
    (beam,), beam_scores = ops.ctc_decode(logits, lengths, strategy="beam_search", beam_width=1)
    assert value(beam).tolist() == value(greedy).tolist()
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    (_,), best_alignment = ops.ctc_decode(log_probs, lengths, strategy="greedy")
    best_alignment = -value(best_alignment)  # greedy scores are minus the sum
    assert np.all(value(beam_scores) >= best_alignment - 1e-12)
    np.testing.assert_allclose(value(beam_scores), best_alignment, atol=1e-3)


def test_ctc_beam_search_stops_at_each_sequence_length():
    logits = RNG.normal(size=(3, 6, 4))
    decoded, scores = ops.ctc_decode(logits, [6, 4, 2], strategy="beam_search", beam_width=8, top_paths=3)
    for b, length in enumerate([6, 4, 2]):
        alone, alone_scores = ops.ctc_decode(logits[b:b + 1, :length], [length], strategy="beam_search",
                                             beam_width=8, top_paths=3)
        assert (value(decoded)[:, b, length:] == -1).all()
        assert value(decoded)[:, b, :length].tolist() == value(alone)[:, 0].tolist()
        np.testing.assert_allclose(value(scores)[b], value(alone_scores)[0])
    # An empty sequence decodes to nothing, certainly.
    decoded, scores = ops.ctc_decode(logits[:1], [0], strategy="beam_search", beam_width=2, top_paths=2)
    assert (value(decoded) == -1).all() and value(scores).tolist() == [[0.0, -np.inf]]


def test_ctc_beam_search_ties_and_missing_paths():
    # Equal probabilities: smaller labels first and the empty path last (Keras's order).
    decoded, scores = ops.ctc_decode(np.zeros((1, 1, 3)), [1], strategy="beam_search", beam_width=3, top_paths=3)
    assert value(decoded)[:, 0].tolist() == [[1], [2], [-1]]
    np.testing.assert_allclose(value(scores), np.full((1, 3), -np.log(3)))
    # On the first step the blank competes as its class index: tied with class 1, the blank
    # (class 0) stays in a one-path beam, so step two's 2 starts a fresh path.
    (decoded,), _ = ops.ctc_decode(np.array([[[1.0, 1.0, 0.0], [0.0, 0.0, 5.0]]]), [2], strategy="beam_search",
                                   beam_width=1)
    assert value(decoded).tolist() == [[2, -1]]
    (decoded,), _ = ops.ctc_decode(np.array([[[0.0, 1.0, 1.0], [5.0, 0.0, 0.0]]]), [2], strategy="beam_search",
                                   beam_width=1, mask_index=2)
    assert value(decoded).tolist() == [[1, 0]]
    # Fewer distinct label sequences than top_paths: the rest are -1 with log probability -inf.
    decoded, scores = ops.ctc_decode(np.array([[[0.0, 1.0]]]), [1], strategy="beam_search", beam_width=4,
                                     top_paths=3)
    assert value(decoded)[:, 0].tolist() == [[1], [-1], [-1]]
    assert value(scores)[0, 2] == -np.inf and np.isfinite(value(scores)[0, :2]).all()


def test_ctc_beam_search_blank_and_merge_options():
    logits = RNG.normal(size=(2, 5, 4))
    last, last_scores = ops.ctc_decode(logits, [5, 5], strategy="beam_search", top_paths=2, mask_index=None)
    three, three_scores = ops.ctc_decode(logits, [5, 5], strategy="beam_search", top_paths=2, mask_index=3)
    assert value(last).tolist() == value(three).tolist()
    np.testing.assert_allclose(value(last_scores), value(three_scores))
    assert not (value(three) == 3).any()
    # CTC always merges repeats in beam search (as Keras's NumPy/JAX backends): merge_repeated is ignored.
    unmerged, _ = ops.ctc_decode(logits, [5, 5], strategy="beam_search", top_paths=2, mask_index=3,
                                 merge_repeated=False)
    assert value(unmerged).tolist() == value(three).tolist()


def test_ctc_decode_errors():
    with pytest.raises(ValueError, match="Invalid strategy"):
        ops.ctc_decode(CTC_INPUTS[:1], [3, 3, 1], strategy="invalid", beam_width=4, top_paths=2)
    with pytest.raises(ValueError, match="top_paths"):
        ops.ctc_decode(CTC_INPUTS, [3, 3, 1], strategy="beam_search", beam_width=2, top_paths=3)
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="beam_width"):
            ops.ctc_decode(CTC_INPUTS, [3, 3, 1], strategy="beam_search", beam_width=bad)
    with pytest.raises(ValueError, match="top_paths"):
        ops.ctc_decode(CTC_INPUTS, [3, 3, 1], strategy="beam_search", top_paths=0)
    with pytest.raises(ValueError, match=r"\(batch, steps, classes\)"):
        ops.ctc_decode(CTC_INPUTS[0], [3], strategy="beam_search")
    with pytest.raises(ValueError, match="sequence_lengths"):
        ops.ctc_decode(CTC_INPUTS, [[3, 3, 1]], strategy="beam_search")
    with pytest.raises(ValueError, match="sequence_lengths"):
        ops.ctc_decode(CTC_INPUTS, [3, 3], strategy="greedy")
    with pytest.raises(ValueError, match="mask_index"):
        ops.ctc_decode(CTC_INPUTS, [3, 3, 1], strategy="beam_search", mask_index=4)


def test_ctc_loss_is_exported():
    out = ops.ctc_loss(np.array([[1, 2, 0]]), RNG.normal(size=(1, 4, 3)), np.array([2]), np.array([4]))
    assert out.shape == (1,)


GRADIENT_CHECKED = set()
NOT_DIFFERENTIABLE = set()
