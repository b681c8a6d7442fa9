"""``gradiente.datasets``: small data sets with Keras's ``load_data()`` layouts.

``digits`` ships inside the package; ``mnist``, ``fashion_mnist`` and ``california_housing`` are
downloaded once into ``~/.gradiente/datasets`` (or ``$GRADIENTE_DATA_DIR``).
"""
from gradiente.datasets import california_housing, digits, fashion_mnist, friedman, mnist
from gradiente.datasets.download import DatasetDownloadError

__all__ = ["california_housing", "digits", "fashion_mnist", "friedman", "mnist", "DatasetDownloadError"]
