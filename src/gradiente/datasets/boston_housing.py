"""Boston housing prices (1970s): 506 areas, 13 features, median value in k$.

Keras keeps it for teaching; its feature "B" encodes an assumption about race and house
prices, so Keras (and we) discourage using it outside discussions of ethics in data science.
Downloaded once from Keras's mirror; from the StatLib archive (Harrison and Rubinfeld, 1978).
"""
import numpy as np

from gradiente.datasets.download import fetch

FILENAME = "boston_housing.npz"
SHA256 = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path=FILENAME, test_split=0.2, seed=113):
    """Returns ``(x_train, y_train), (x_test, y_test)``: ``x`` float ``(n, 13)``, ``y`` float
    ``(n,)``; shuffled with ``RandomState(seed)``, the first ``int(n * (1 - test_split))``
    train, as Keras."""
    if isinstance(test_split, bool) or not isinstance(test_split, (int, float, np.number)) or not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 (exclusive of 1).")
    with np.load(fetch(path, SHA256, origin=FILENAME), allow_pickle=False) as archive:
        x, y = archive["x"], archive["y"]
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])
