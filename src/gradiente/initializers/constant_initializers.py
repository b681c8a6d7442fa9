"""Initializers that draw nothing: Zeros, Ones, Constant, Identity and STFT."""
import numpy as np

from gradiente.initializers.initializer import Initializer, _dtype
from gradiente.initializers.windows import get_window


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return np.zeros(shape, dtype=_dtype(dtype))


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return np.ones(shape, dtype=_dtype(dtype))


class Constant(Initializer):
    """Fills with ``value``: a number, or an array that broadcasts to the shape."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.broadcast_to(np.asarray(self.value, dtype=_dtype(dtype)), shape).copy()

    def get_config(self):
        from gradiente.saving.serialization_lib import serialize_keras_object

        # An array becomes Keras's {"class_name": "__numpy__", ...} record, so it is JSON.
        return {"value": serialize_keras_object(self.value)}

    @classmethod
    def from_config(cls, config):
        from gradiente.saving.serialization_lib import deserialize_keras_object

        return cls(deserialize_keras_object(config["value"]))


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only; rectangular ones allowed)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices (a 2-D shape). "
                             f"Received: shape={tuple(shape)} of rank {len(shape)}.")
        return (self.gain * np.eye(*shape)).astype(_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain}


class STFT(Initializer):
    """Conv kernels of a short-time Fourier transform, shape (frame_length, 1, fft_bins):
    the real (cos) or imaginary (−sin) part of exp(−2πi·t·f / n_fft), times a window.

    ``side``: "real" or "imag". ``window``: a window name (hann, hamming, blackman, bartlett,
    tukey, cosine, boxcar, as scipy.signal names them), an array of frame_length values, or
    None. ``scaling``: "density" (divide by the window's L2 norm), "spectrum" (its L1 norm)
    or None. ``periodic``: the periodic form of a named window (for spectral analysis).
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"side should be 'real' or 'imag', not {side}")
        if isinstance(window, str):
            get_window(window, 1)  # an unknown name raises now, as in Keras
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(f"Scaling is invalid, it must be `None`, 'density' or 'spectrum'. "
                             f"Received scaling={scaling}")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def __call__(self, shape, dtype=None):
        dtype = _dtype(dtype)
        frame_length, _, bins = shape
        n_fft = (bins - 1) * 2
        t = np.arange(frame_length, dtype=dtype).reshape(-1, 1, 1)
        f = (np.arange(bins, dtype=dtype) / n_fft).reshape(1, 1, -1)
        angle = -2 * t * f * np.arccos(np.asarray(-1, dtype=dtype))
        kernel = (np.cos(angle) if self.side == "real" else np.sin(angle)).astype(dtype)
        if self.window is None:
            return kernel
        win = self.window
        if isinstance(win, str):
            win = get_window(win, frame_length, periodic=self.periodic)
        win = np.asarray(win, dtype=dtype)
        if win.ndim != 1 or win.shape[-1] != frame_length:
            raise ValueError(f"The shape of `window` must be equal to [frame_length]. "
                             f"Received: window shape={win.shape}")
        win = win.reshape(-1, 1, 1)
        scale = 1
        if self.scaling == "density":
            scale = np.sqrt(np.sum(win * win))
        elif self.scaling == "spectrum":
            scale = np.sum(np.abs(win))
        return (kernel * win / scale).astype(dtype)

    def get_config(self):
        window = self.window.tolist() if isinstance(self.window, np.ndarray) else self.window
        return {"side": self.side, "window": window, "periodic": self.periodic, "scaling": self.scaling}
