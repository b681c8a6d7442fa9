"""``gradiente.datasets``: small data sets with Keras's ``load_data()`` layouts.

``digits`` ships inside the package; ``mnist``, ``fashion_mnist``, ``california_housing``,
``cifar10``, ``imdb``, ``reuters`` and ``boston_housing`` are downloaded once into
``~/.gradiente/datasets`` (or ``$GRADIENTE_DATA_DIR``).
"""
from gradiente.datasets import (
    boston_housing, california_housing, cifar10, digits, fashion_mnist, friedman, imdb, mnist, reuters,
)
from gradiente.datasets.download import DatasetDownloadError

__all__ = ["boston_housing", "california_housing", "cifar10", "digits", "fashion_mnist", "friedman", "imdb",
           "mnist", "reuters", "DatasetDownloadError"]
