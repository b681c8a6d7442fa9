"""The window functions STFT kernels use, with scipy.signal's names and definitions (NumPy
only at runtime): symmetric by default, or periodic (the first ``n`` points of ``n + 1``)."""
import numpy as np


def _cosine_sum(n, coefficients):
    x = 2 * np.pi * np.arange(n) / max(n - 1, 1)
    return sum((-1) ** k * a * np.cos(k * x) for k, a in enumerate(coefficients))


def _tukey(n, alpha=0.5):
    # Flat in the middle, cosine tapers over alpha·(n − 1)/2 points at each end.
    if n < 2:
        return np.ones(n)
    x = np.arange(n) / (n - 1)
    w = np.ones(n)
    left, right = x < alpha / 2, x > 1 - alpha / 2
    w[left] = 0.5 * (1 + np.cos(np.pi * (2 * x[left] / alpha - 1)))
    w[right] = 0.5 * (1 + np.cos(np.pi * (2 * x[right] / alpha - 2 / alpha + 1)))
    return w


_WINDOWS = {
    "hann": lambda n: _cosine_sum(n, (0.5, 0.5)),
    "hamming": lambda n: _cosine_sum(n, (0.54, 0.46)),
    "blackman": lambda n: _cosine_sum(n, (0.42, 0.5, 0.08)),
    "bartlett": lambda n: 1 - np.abs(2 * np.arange(n) / max(n - 1, 1) - 1),
    "cosine": lambda n: np.sin(np.pi * (np.arange(n) + 0.5) / n),
    "boxcar": np.ones,
    "tukey": _tukey,
}
_ALIASES = {"hanning": "hann", "han": "hann", "hamm": "hamming", "black": "blackman",
            "blk": "blackman", "bart": "bartlett", "brt": "bartlett", "cos": "cosine",
            "box": "boxcar", "ones": "boxcar", "rect": "boxcar", "rectangular": "boxcar",
            "tuk": "tukey", "halfcosine": "cosine"}


def get_window(name, length, periodic=False):
    """The window ``name`` of ``length`` points (float64)."""
    key = _ALIASES.get(name, name)
    if key not in _WINDOWS:
        raise ValueError(f"Unknown window type {name!r}: gradiente knows "
                         f"{', '.join(sorted(_WINDOWS))} (scipy.signal's other windows are not built in); "
                         "pass the window's values as an array instead.")
    if length <= 1:
        return np.ones(max(length, 0))
    return _WINDOWS[key](length + 1)[:-1] if periodic else _WINDOWS[key](length)
