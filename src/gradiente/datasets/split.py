"""The deterministic shuffled train/test split the bundled and downloaded loaders share."""
import numbers

from gradiente import backend


def check_split_args(test_split, seed, owner):
    """Raise before any work (a download) if ``test_split`` or ``seed`` is unusable."""
    if isinstance(test_split, bool) or not isinstance(test_split, numbers.Real) or not 0 <= test_split < 1:
        raise ValueError(
            f"{owner}: `test_split` must be a fraction in [0, 1); received test_split={test_split!r}."
        )
    if seed is None:
        raise ValueError(f"{owner}: `seed` must be an int so the split is reproducible; received None.")


def shuffled_split(x, y, test_split, seed, owner):
    """Shuffle ``x``/``y`` with ``seed`` and cut them: the first ``floor(n*(1-test_split))``
    samples train, the rest test (Keras's rule). Returns ``((x_train, y_train), (x_test, y_test))``."""
    check_split_args(test_split, seed, owner)
    order = backend.make_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    cut = int(len(x) * (1 - test_split))
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])
