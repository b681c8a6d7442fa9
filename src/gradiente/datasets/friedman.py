"""A synthetic regression set (Friedman, 1991, "Multivariate adaptive regression splines"):
y = 10 sin(π x1 x2) + 20 (x3 − 0.5)² + 10 x4 + 5 x5 + noise, with x uniform on [0, 1]^8
(the last three features are irrelevant). Non-linear, so a wide & deep network beats a
linear model on it; generated, so it needs no download."""
import numpy as np


def load_data(n_samples=2000, noise=0.5, test_split=0.2, seed=0):
    """((x_train, y_train), (x_test, y_test)), x float32 (n, 8), y float32 (n,)."""
    rng = np.random.default_rng(seed)
    x = rng.random((n_samples, 8))
    y = (10 * np.sin(np.pi * x[:, 0] * x[:, 1]) + 20 * (x[:, 2] - 0.5) ** 2
         + 10 * x[:, 3] + 5 * x[:, 4] + noise * rng.standard_normal(n_samples))
    split = int(n_samples * (1 - test_split))
    x, y = x.astype(np.float32), y.astype(np.float32)
    return (x[:split], y[:split]), (x[split:], y[split:])
