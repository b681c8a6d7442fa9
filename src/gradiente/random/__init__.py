"""``gradiente.random`` (``keras.random``): seeded sampling, with Keras 3's signatures.

``normal``, ``uniform``, ``truncated_normal``, ``randint``, ``categorical``, ``dropout``,
``shuffle``, ``gamma``, ``beta``, ``binomial`` and ``SeedGenerator``; results are Tensors.

Seeds work as in Keras: ``seed=None`` draws from the library's generator
(``gradiente.backend.rng()``, reset by ``keras.utils.set_random_seed``); an int gives the same
values on every call; a ``SeedGenerator`` gives new values on each call, reproducibly from its
own seed, and keeps its state in a Variable.

The streams are NumPy's (``numpy.random.Generator``), so the numbers differ from those of
Keras's TensorFlow, JAX and torch backends; distributions, shapes, dtypes and seeding
semantics are the same. For an int seed or a SeedGenerator, ``normal``, ``uniform``,
``truncated_normal``, ``randint``, ``categorical``, ``shuffle``, ``gamma``, ``binomial`` and
``beta`` draw the same NumPy stream as Keras's NumPy backend (``dropout`` draws its mask
its own way).
"""
from gradiente.random.random import (
    beta, binomial, categorical, dropout, gamma, normal, randint, shuffle, truncated_normal, uniform,
)
from gradiente.random.seed_generator import SeedGenerator

__all__ = [
    "SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal", "randint",
    "shuffle", "truncated_normal", "uniform",
]
