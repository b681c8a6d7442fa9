"""The recurrent primitives (gradiente.ops.recurrent) against step-by-step loops written
from the cell equations, and their VJPs against finite differences."""
import numpy as np
import pytest

from gradiente.ops import recurrent as R

from ops_testlib import gradcheck

GRADIENT_CHECKED = {"simple_rnn_sequence", "lstm_sequence", "gru_sequence"}
NOT_DIFFERENTIABLE = set()

B, T, N, U = 2, 4, 3, 2


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def inputs(gates, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((B, T, N)), 0.5 * rng.standard_normal((N, gates * U)),
            0.1 * rng.standard_normal(gates * U), 0.5 * rng.standard_normal((U, gates * U)),
            0.3 * rng.standard_normal((B, U)), 0.3 * rng.standard_normal((B, U)))


def ref_simple(x, w, b, u, h):
    out = []
    for t in range(T):
        h = np.tanh(x[:, t] @ w + h @ u + b)
        out.append(h)
    return np.stack(out)


def ref_lstm(x, w, b, u, h, c):
    out = []
    for t in range(T):
        z = x[:, t] @ w + h @ u + b
        i, f, g, o = sigmoid(z[:, :U]), sigmoid(z[:, U:2 * U]), np.tanh(z[:, 2 * U:3 * U]), sigmoid(z[:, 3 * U:])
        c = f * c + i * g
        h = o * np.tanh(c)
        out.append(h)
    return np.concatenate([np.stack(out), c[None]])


def ref_gru(x, w, b, u, h, reset_after):
    b_in, b_rec = (b[0], b[1]) if reset_after else (b, np.zeros(3 * U))
    out = []
    for t in range(T):
        xz = x[:, t] @ w + b_in
        hz = h @ u[:, :2 * U] + b_rec[:2 * U]
        z = sigmoid(xz[:, :U] + hz[:, :U])
        r = sigmoid(xz[:, U:2 * U] + hz[:, U:])
        if reset_after:
            hh = np.tanh(xz[:, 2 * U:] + r * (h @ u[:, 2 * U:] + b_rec[2 * U:]))
        else:
            hh = np.tanh(xz[:, 2 * U:] + (r * h) @ u[:, 2 * U:])
        h = z * h + (1 - z) * hh
        out.append(h)
    return np.stack(out)


def test_simple_rnn_sequence_matches_the_loop_and_its_gradients():
    x, w, b, u, h0, _ = inputs(1)

    def f(x, w, b, u, h0):
        return R.simple_rnn_sequence(x, w, b, u, h0, None, None, cache={})

    np.testing.assert_allclose(f(x, w, b, u, h0).numpy(), ref_simple(x, w, b, u, h0), rtol=1e-10)
    gradcheck("simple_rnn_sequence", f, x, w, b, u, h0)


@pytest.mark.parametrize("last_only", [False, True])
def test_lstm_sequence_matches_the_loop_and_its_gradients(last_only):
    x, w, b, u, h0, c0 = inputs(4)

    def f(x, w, b, u, h0, c0):
        return R.lstm_sequence(x, w, b, u, h0, c0, None, None, last_only=last_only, cache={})

    expected = ref_lstm(x, w, b, u, h0, c0)
    got = f(x, w, b, u, h0, c0).numpy()
    np.testing.assert_allclose(got, expected[T - 1] if last_only else expected, rtol=1e-10)
    gradcheck("lstm_sequence", f, x, w, b, u, h0, c0)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_sequence_matches_the_loop_and_its_gradients(reset_after):
    x, w, b, u, h0, _ = inputs(3)
    if reset_after:
        b = 0.1 * np.random.default_rng(1).standard_normal((2, 3 * U))

    def f(x, w, b, u, h0):
        return R.gru_sequence(x, w, b, u, h0, None, None, reset_after=reset_after, cache={})

    np.testing.assert_allclose(f(x, w, b, u, h0).numpy(), ref_gru(x, w, b, u, h0, reset_after), rtol=1e-10)
    gradcheck("gru_sequence", f, x, w, b, u, h0)


def ref_lstm_general(x, w, b, u, h, c, mask, rec_mask, act, rec_act):
    """Keras's loop: a masked step keeps both states; recurrent dropout scales h in the matmul."""
    out = []
    for t in range(x.shape[1]):
        z = x[:, t] @ w + (h * rec_mask) @ u + b
        i, f, g, o = rec_act(z[:, :U]), rec_act(z[:, U:2 * U]), act(z[:, 2 * U:3 * U]), rec_act(z[:, 3 * U:])
        c_new = f * c + i * g
        h_new = o * act(c_new)
        keep = mask[:, t, None]
        h, c = np.where(keep, h_new, h), np.where(keep, c_new, c)
        out.append(h)
    return np.concatenate([np.stack(out), c[None]])


def hard_sigmoid(z):
    return np.clip(z / 6 + 0.5, 0, 1)


@pytest.mark.parametrize("activation, recurrent_activation", [("tanh", "sigmoid"), ("relu", "hard_sigmoid")])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_lstm_sequence_with_masks_and_recurrent_dropout(activation, recurrent_activation, go_backwards):
    x, w, b, u, h0, c0 = inputs(4, seed=3)
    mask = np.array([[1, 1, 0, 1], [0, 1, 1, 1]], dtype=bool)[:, :, None]  # (B, T, 1), a hole and pre-padding
    rec_mask = np.array([[2.0, 0.0], [0.0, 2.0]])
    xs, ms = (x[:, ::-1], mask[:, ::-1, 0]) if go_backwards else (x, mask[:, :, 0])
    mask_tm = np.ascontiguousarray(ms.T)[:, :, None]  # as the layer passes it: (T, B, 1), in reading order

    def f(x, w, b, u, h0, c0):
        return R.lstm_sequence(x, w, b, u, h0, c0, mask_tm, rec_mask, activation=activation,
                               recurrent_activation=recurrent_activation, go_backwards=go_backwards, cache={})

    acts = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0), "sigmoid": sigmoid, "hard_sigmoid": hard_sigmoid}
    want = ref_lstm_general(xs, w, b, u, h0, c0, ms, rec_mask, acts[activation], acts[recurrent_activation])
    np.testing.assert_allclose(f(x, w, b, u, h0, c0).numpy(), want, rtol=1e-10, atol=1e-12)
    gradcheck("lstm_sequence", f, x, w, b, u, h0, c0)
    # float32 runs the same loop (the fused one-tanh path for tanh/sigmoid) to float32 accuracy.
    got32 = f(*(a.astype(np.float32) for a in (x, w, b, u, h0, c0))).numpy()
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, want, rtol=1e-5, atol=1e-6)


def test_lstm_sequence_without_bias():
    x, w, _, u, h0, c0 = inputs(4, seed=4)

    def f(x, w, u, h0, c0):
        return R.lstm_sequence(x, w, None, u, h0, c0, None, None, cache={})

    np.testing.assert_allclose(f(x, w, u, h0, c0).numpy(), ref_lstm(x, w, np.zeros(4 * U), u, h0, c0), rtol=1e-10)
    gradcheck("lstm_sequence", f, x, w, u, h0, c0)
