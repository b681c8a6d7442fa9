"""``keras.ops`` Fourier transforms and framing: fft, fft2, ifft2, rfft, irfft, stft, istft,
extract_sequences. Complex values travel as Keras passes them, a (real, imag) pair of float
tensors; each transform is a primitive returning the pair stacked on a new leading axis.

Every transform is linear, so its VJP is its adjoint: fft's is conj(fft(conj(g))), ifft2's
fft2(g)/N, rfft's n·ifft of the zero-filled half spectrum (real part), irfft's rfft(g)/n
with the bins it counts twice doubled. extract_sequences and its adjoint, overlap-add, are
primitives too, so stft and istft are differentiable compositions.
"""
import numpy as np

from gradiente.autodiff.tensor import Tensor, to_array
from gradiente.ops.primitive import primitive
from gradiente.ops.shape import getitem, pad


def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(to_array(x))


def _pair(x, name):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"{name}: input `x` should be a tuple of two tensors - real and imaginary. Received: x={x!r}")
    real, imag = _tensor(x[0]), _tensor(x[1])
    if tuple(real.shape) != tuple(imag.shape):
        raise ValueError(
            f"{name}: both the real and imaginary parts should have the same shape. "
            f"Received: x[0].shape = {tuple(real.shape)}, x[1].shape = {tuple(imag.shape)}"
        )
    if real.data.dtype.kind != "f" or imag.data.dtype.kind != "f":
        raise ValueError(f"{name}: at least one tensor in input `x` is not of type float. Received dtypes "
                         f"{real.data.dtype.name}, {imag.data.dtype.name}.")
    return real, imag


def _split(stacked):
    return getitem(stacked, 0), getitem(stacked, 1)


def _stack(z, dtype):
    return np.stack([z.real, z.imag]).astype(dtype, copy=False)


def _complex(re, im):
    return re + 1j * im


@primitive(name="fft")
def _fft(real, imag, axes=(-1,)):
    return _stack(np.fft.fftn(_complex(real, imag), axes=axes), real.dtype)


@_fft.defvjp
def _(g, ans, needs, real, imag, axes=(-1,)):
    grad = np.conj(np.fft.fftn(np.conj(_complex(g[0], g[1])), axes=axes))
    return grad.real, grad.imag


@primitive(name="ifft2")
def _ifft2(real, imag):
    return _stack(np.fft.ifft2(_complex(real, imag)), real.dtype)


@_ifft2.defvjp
def _(g, ans, needs, real, imag):
    n = real.shape[-1] * real.shape[-2]
    grad = np.fft.fft2(_complex(g[0], g[1])) / n
    return grad.real, grad.imag


def fft(x):
    """Complex FFT along the last axis of x = (real, imag); returns (real, imag)."""
    return _split(_fft(*_pair(x, "fft"), axes=(-1,)))


def fft2(x):
    """Complex 2-D FFT over the last two axes of x = (real, imag); returns (real, imag)."""
    return _split(_fft(*_pair(x, "fft2"), axes=(-2, -1)))


def ifft2(x):
    """Inverse 2-D FFT over the last two axes of x = (real, imag); returns (real, imag)."""
    return _split(_ifft2(*_pair(x, "ifft2")))


def _fit(a, n):
    """``a`` cut or zero-padded to length n along its last axis."""
    if a.shape[-1] >= n:
        return a[..., :n]
    return np.concatenate([a, np.zeros(a.shape[:-1] + (n - a.shape[-1],), a.dtype)], axis=-1)


@primitive(name="rfft")
def _rfft(x, fft_length=None):
    return _stack(np.fft.rfft(x, n=fft_length, axis=-1), x.dtype)


@_rfft.defvjp
def _(g, ans, needs, x, fft_length=None):
    n = x.shape[-1] if fft_length is None else fft_length
    full = np.zeros(g.shape[1:-1] + (n,), np.complex128)
    full[..., :g.shape[-1]] = _complex(g[0], g[1])
    return (_fit(n * np.fft.ifft(full).real, x.shape[-1]).astype(x.dtype, copy=False),)


@primitive(name="irfft")
def _irfft(real, imag, fft_length=None):
    return np.fft.irfft(_complex(real, imag), n=fft_length, axis=-1).astype(real.dtype, copy=False)


@_irfft.defvjp
def _(g, ans, needs, real, imag, fft_length=None):
    n = g.shape[-1]
    spectrum = np.fft.rfft(g, axis=-1) / n
    spectrum[..., 1:(n + 1) // 2] *= 2  # bins standing for a conjugate pair
    spectrum = _fit(spectrum, real.shape[-1])
    return spectrum.real, spectrum.imag


def rfft(x, fft_length=None):
    """FFT of a real signal along its last axis (cut or zero-padded to ``fft_length``):
    (real, imag) of the fft_length // 2 + 1 non-negative frequencies."""
    return _split(_rfft(_tensor(x), fft_length=fft_length))


def irfft(x, fft_length=None):
    """Inverse of ``rfft``: a real signal of ``fft_length`` (default 2·(bins - 1)) from
    x = (real, imag) of the non-negative frequencies."""
    real, imag = _pair(x, "irfft")
    return _irfft(real, imag, fft_length=fft_length)


# --- framing ----------------------------------------------------------------------------
def _frame_count(n, length, stride):
    return (n - (length - stride)) // stride


@primitive(name="extract_sequences")
def _extract(x, sequence_length=1, sequence_stride=1):
    count = _frame_count(x.shape[-1], sequence_length, sequence_stride)
    view = np.lib.stride_tricks.as_strided(
        x, x.shape[:-1] + (count, sequence_length),
        x.strides[:-1] + (sequence_stride * x.strides[-1], x.strides[-1]), writeable=False)
    return np.array(view)


@_extract.defvjp
def _(g, ans, needs, x, sequence_length=1, sequence_stride=1):
    return (_overlap_add_array(g, sequence_stride, x.shape[-1]),)


def _overlap_add_array(frames, stride, length):
    out = np.zeros(frames.shape[:-2] + (length,), frames.dtype)
    width = frames.shape[-1]
    for i in range(frames.shape[-2]):
        out[..., i * stride:i * stride + width] += frames[..., i, :]
    return out


@primitive(name="overlap_add")
def _overlap_add(frames, stride=1, length=0):
    return _overlap_add_array(frames, stride, length)


@_overlap_add.defvjp
def _(g, ans, needs, frames, stride=1, length=0):
    return (_extract.forward(g, sequence_length=frames.shape[-1], sequence_stride=stride)[..., :frames.shape[-2], :],)


def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of ``sequence_length`` every ``sequence_stride`` along the last axis:
    (..., T) -> (..., num_sequences, sequence_length)."""
    x = _tensor(x)
    if sequence_length < 1 or sequence_stride < 1 or sequence_length > x.shape[-1]:
        raise ValueError(
            f"extract_sequences: need 1 <= sequence_length <= {x.shape[-1]} (the last axis) and sequence_stride >= 1, "
            f"received sequence_length={sequence_length}, sequence_stride={sequence_stride}."
        )
    return _extract(x, sequence_length=int(sequence_length), sequence_stride=int(sequence_stride))


def _window(window, sequence_length, fft_length, dtype):
    """The window padded to fft_length (centred), as Keras pads it; None: all ones."""
    if window is None:
        return np.ones(fft_length, dtype)
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f'If a string is passed to `window`, it must be one of "hann", "hamming". '
                             f"Received: window={window}")
        # scipy.signal.get_window's periodic windows: the first n points of n + 1.
        win = (np.hanning if window == "hann" else np.hamming)(sequence_length + 1)[:-1]
    else:
        win = np.asarray(getattr(window, "data", window))
        if win.ndim != 1 or win.shape[-1] != sequence_length:
            raise ValueError(f"The shape of `window` must be equal to [sequence_length]. "
                             f"Received: window shape={win.shape}")
    left = (fft_length - sequence_length) // 2
    return np.pad(win.astype(dtype), (left, fft_length - sequence_length - left))


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform of (..., T) float32/float64 signals: (real, imag), each
    (..., num_sequences, fft_length // 2 + 1); ``center`` pads fft_length // 2 on both sides
    by reflection."""
    x = _tensor(x)
    if x.data.dtype not in (np.float32, np.float64):
        raise TypeError(f"stft: invalid input type. Expected `float32` or `float64`. Received: input type={x.data.dtype}")
    if fft_length < sequence_length:
        raise ValueError(f"stft: `fft_length` must equal or larger than `sequence_length`. "
                         f"Received: sequence_length={sequence_length}, fft_length={fft_length}")
    win = _window(window, sequence_length, fft_length, x.data.dtype)
    if center:
        x = pad(x, [(0, 0)] * (x.ndim - 1) + [(fft_length // 2, fft_length // 2)], mode="reflect")
    frames = extract_sequences(x, fft_length, sequence_stride) * win
    return rfft(frames)


def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    """Inverse of ``stft``: overlap-added, windowed inverse FFTs of x = (real, imag)
    (..., num_sequences, bins), divided by the overlapping squared window; cut to ``length``
    (or what ``center`` padded away)."""
    real, imag = _pair(x, "istft")
    dtype = real.data.dtype
    frames = _irfft(real, imag, fft_length=fft_length)
    count = real.shape[-2]
    total = fft_length + sequence_stride * (count - 1)
    win = _window(window, sequence_length, fft_length, dtype)
    signal = _overlap_add(frames * win, stride=sequence_stride, length=total)
    norm = _overlap_add_array(np.broadcast_to(win * win, (count, fft_length)), sequence_stride, total)
    scale = np.where(norm > 1e-10, norm, 1.0).astype(dtype)
    if window is None:  # Keras divides by the stride instead of the window's sum here
        scale = (scale * sequence_stride / fft_length).astype(dtype)
    signal = signal / scale
    start = fft_length // 2 if center else 0
    if length is not None:
        end = start + length
    else:
        end = total - fft_length // 2 if center else total
    return getitem(signal, (Ellipsis, slice(start, end)))
