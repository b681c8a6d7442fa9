"""California housing prices (1990 census): 20,640 block groups, 8 features, price in dollars.

Features: MedInc, HouseAge, AveRooms, AveBedrms, Population, AveOccup, Latitude, Longitude.
Downloaded once from Keras's mirror; originally from the StatLib repository (Pace and Barry,
1997).
"""
import numpy as np

from gradiente.datasets.download import fetch
from gradiente.datasets.split import check_split_args, shuffled_split

FILENAME = "california_housing.npz"
SHA256 = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"
SIZE = 743_530  # bytes: a server sending more is refused


def load_data(version="large", path=FILENAME, test_split=0.2, seed=113):
    """Returns ``(x_train, y_train), (x_test, y_test)``: ``x`` float ``(n, 8)``, ``y`` float
    ``(n,)``. ``version="small"`` keeps the first 600 samples; ``path`` is the file's name in the
    cache folder; the shuffle uses ``seed``."""
    if version not in ("small", "large"):
        raise ValueError(
            f"california_housing.load_data: `version` must be 'small' or 'large'; received "
            f"version={version!r}."
        )
    check_split_args(test_split, seed, "california_housing.load_data")
    path = fetch(path, SHA256, origin=FILENAME, size=SIZE)
    with np.load(path, allow_pickle=False) as archive:
        x, y = archive["x"], archive["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    return shuffled_split(x, y, test_split, seed, "california_housing.load_data")
