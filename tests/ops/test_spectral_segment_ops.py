"""keras.ops.math's segment reductions, framing and Fourier transforms (ops/segments.py,
ops/spectral.py): values against NumPy (and scipy.signal's STFT when installed, as Keras's
tests compare), shapes and errors from Keras's math_test.py, and gradient checks."""
import numpy as np
import pytest

from gradiente import ops

from ops_testlib import assert_not_recorded, gradcheck, rand

RNG = np.random.default_rng(5)


def value(x):
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


# --- segments -----------------------------------------------------------------------------
@pytest.mark.parametrize("op,ufunc,identity", [(ops.segment_sum, np.add, 0), (ops.segment_max, np.maximum, -np.inf),
                                               (ops.segment_min, np.minimum, np.inf), (ops.segment_prod, np.multiply, 1)])
@pytest.mark.parametrize("data_shape", [(9,), (9, 3, 3)])
def test_segment_reductions_match_a_loop(op, ufunc, identity, data_shape):
    data = RNG.normal(size=data_shape)
    ids = RNG.integers(0, 3, size=9)
    ids[4] = -1  # rows with a negative id are left out
    for num_segments in (None, 5):
        out = value(op(data, ids, num_segments=num_segments))
        n = ids.max() + 1 if num_segments is None else num_segments
        expected = np.full((n,) + data_shape[1:], identity, dtype=float)
        for row, s in zip(data, ids):
            if s >= 0:
                expected[s] = ufunc(expected[s], row)
        np.testing.assert_allclose(out, expected)
    assert op(data, np.sort(ids), sorted=True).shape[0] == ids.max() + 1


def test_segment_errors():
    with pytest.raises(ValueError, match="1-D vector"):
        ops.segment_sum(np.ones((4, 2)), np.zeros((4, 2), int))
    with pytest.raises(ValueError, match="same leading dimension"):
        ops.segment_max(np.ones((4, 2)), np.zeros(3, int))


def test_segment_gradients():
    ids = np.array([0, 2, 0, -1, 2, 2])
    gradcheck("segment_sum", lambda d: ops.segment_sum(d, ids, num_segments=4), rand(6, 2, seed=1))
    gradcheck("segment_max", lambda d: ops.segment_max(d, ids), rand(6, 2, seed=2))
    gradcheck("segment_min", lambda d: ops.segment_min(d, ids), rand(6, 2, seed=3))
    assert_not_recorded(lambda d: ops.segment_prod(d, ids), rand(6, 2, seed=4))
    # Tied maxima share the gradient equally.
    from gradiente.autodiff import GradientTape, Tensor
    d = Tensor(np.array([1.0, 1.0, 0.0]))
    with GradientTape() as tape:
        tape.watch(d)
        y = ops.sum(ops.segment_max(d, np.array([0, 0, 0])))
    assert value(tape.gradient(y, d)).tolist() == [0.5, 0.5, 0.0]


# --- extract_sequences ----------------------------------------------------------------------
def test_extract_sequences_frames_and_gradient():
    for shape in ((10,), (4, 8)):
        x = RNG.random(shape)
        out = value(ops.extract_sequences(x, 3, 2))
        count = 1 + (shape[-1] - 3) // 2
        assert out.shape == shape[:-1] + (count, 3)
        for i in range(count):
            np.testing.assert_array_equal(out[..., i, :], x[..., 2 * i:2 * i + 3])
    assert value(ops.extract_sequences(np.array([1, 2, 3, 4, 5, 6]), 3, 2)).tolist() == [[1, 2, 3], [3, 4, 5]]
    gradcheck("extract_sequences", lambda t: ops.extract_sequences(t, 3, 2), rand(2, 9, seed=5))


# --- Fourier transforms ---------------------------------------------------------------------
def test_fft_fft2_ifft2_match_numpy_and_have_gradients():
    re, im = rand(2, 5, seed=6), rand(2, 5, seed=7)
    z = re + 1j * im
    for ours, theirs in ((ops.fft, np.fft.fft), (ops.fft2, np.fft.fft2), (ops.ifft2, np.fft.ifft2)):
        r, i = ours((re, im))
        np.testing.assert_allclose(value(r) + 1j * value(i), theirs(z), atol=1e-12)
    assert ops.fft((re.astype("float32"), im.astype("float32")))[0].dtype == "float32"
    gradcheck("fft", lambda a, b: ops.fft((a, b)), re, im)
    gradcheck("fft", lambda a, b: ops.fft2((a, b)), rand(2, 3, 4, seed=8), rand(2, 3, 4, seed=9))
    gradcheck("ifft2", lambda a, b: ops.ifft2((a, b)), rand(3, 4, seed=10), rand(3, 4, seed=11))


def test_complex_pairs_are_checked():
    with pytest.raises(ValueError, match="tuple of two tensors"):
        ops.fft(np.ones(4))
    with pytest.raises(ValueError, match="same shape"):
        ops.fft((np.ones(4), np.ones(3)))
    with pytest.raises(ValueError, match="not of type float"):
        ops.irfft((np.ones(4, int), np.ones(4, int)))


@pytest.mark.parametrize("fft_length", [None, 4, 15, 16])
def test_rfft_irfft_match_numpy_and_have_gradients(fft_length):
    x = rand(2, 11, seed=12)
    r, i = ops.rfft(x, fft_length)
    np.testing.assert_allclose(value(r) + 1j * value(i), np.fft.rfft(x, n=fft_length), atol=1e-12)
    spec = np.fft.rfft(x)
    out = ops.irfft((spec.real, spec.imag), fft_length)
    np.testing.assert_allclose(value(out), np.fft.irfft(spec, n=fft_length), atol=1e-12)
    gradcheck("rfft", lambda t: ops.rfft(t, fft_length), x)
    gradcheck("irfft", lambda a, b: ops.irfft((a, b), fft_length), spec.real.copy(), spec.imag.copy())


def _stft_by_frames(x, length, stride, fft_length, win, center):
    if center:
        x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(fft_length // 2,) * 2], mode="reflect")
    left = (fft_length - length) // 2
    if win.shape[-1] != fft_length:
        win = np.pad(win, (left, fft_length - length - left))
    count = 1 + (x.shape[-1] - fft_length) // stride
    frames = np.stack([x[..., i * stride:i * stride + fft_length] for i in range(count)], axis=-2)
    return np.fft.rfft(frames * win, axis=-1)


@pytest.mark.parametrize("window,center", [("hann", True), ("hamming", False), (None, True), ("array", False)])
def test_stft_frames_windows_and_inverts_with_istft(window, center):
    x = rand(2, 64, seed=13)
    # No window: Keras uses ones over all fft_length points.
    win = {"hann": np.hanning(13)[:-1], "hamming": np.hamming(13)[:-1], None: np.ones(16),
           "array": np.linspace(0.5, 1.0, 12)}[window]
    arg = win if window == "array" else window
    r, i = ops.stft(x, 12, 4, 16, window=arg, center=center)
    np.testing.assert_allclose(value(r) + 1j * value(i), _stft_by_frames(x, 12, 4, 16, win, center), atol=1e-10)
    back = value(ops.istft((r, i), 12, 4, 16, window=arg, center=center))
    # Without a window Keras's istft divides by the stride where it divides by the window's
    # sum otherwise: the round trip comes back fft_length / stride times larger.
    gain = 16 / 4 if window is None else 1
    if center:
        np.testing.assert_allclose(back, gain * x[..., :back.shape[-1]], atol=1e-10)
    assert ops.istft((r, i), 12, 4, 16, length=50, window=arg, center=center).shape == (2, 50)


def test_stft_matches_scipy_signal():
    signal = pytest.importorskip("scipy.signal")
    x = rand(3, 50, seed=14).astype("float32")
    win = signal.get_window("hann", 10)
    padded = np.pad(win, (3, 3))
    ref = signal.stft(np.pad(x, ((0, 0), (8, 8)), mode="reflect"), fs=1.0, window=padded, nperseg=16,
                      noverlap=12, nfft=16, boundary=None, padded=False)[-1]
    ref = np.swapaxes(ref * padded.sum(), -2, -1)
    r, i = ops.stft(x, 10, 4, 16)
    assert r.dtype == "float32"
    np.testing.assert_allclose(value(r) + 1j * value(i), ref, atol=1e-5)


def test_stft_errors_and_gradient():
    with pytest.raises(TypeError, match="float32"):
        ops.stft(np.ones(32, int), 8, 4, 16)
    with pytest.raises(ValueError, match="fft_length"):
        ops.stft(np.ones(32), 16, 4, 8)
    with pytest.raises(ValueError, match="hann"):
        ops.stft(np.ones(32), 8, 4, 16, window="blackman")
    with pytest.raises(ValueError, match="sequence_length"):
        ops.stft(np.ones(32), 8, 4, 16, window=np.ones(7))
    gradcheck("rfft", lambda t: ops.stft(t, 6, 3, 8), rand(2, 20, seed=15))
    r, i = (value(t) for t in ops.stft(rand(20, seed=16), 6, 3, 8))
    gradcheck("overlap_add", lambda a, b: ops.istft((a, b), 6, 3, 8), r, i)


GRADIENT_CHECKED = {"segment_sum", "segment_max", "segment_min", "extract_sequences", "fft", "ifft2", "rfft",
                    "irfft", "overlap_add"}
NOT_DIFFERENTIABLE = {"segment_prod"}
