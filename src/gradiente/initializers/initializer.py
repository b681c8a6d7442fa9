"""The Initializer base class and the one place a random initializer reads its ``seed``."""
import numbers

import numpy as np

from gradiente import backend


class Initializer:
    """Base class: subclasses implement ``__call__(shape, dtype=None)`` -> a NumPy array, and
    ``get_config`` when their constructor takes arguments."""

    def __call__(self, shape, dtype=None):  # pragma: no cover - abstract
        raise NotImplementedError(
            "Initializer subclasses must implement the `__call__()` method (abstract).")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def clone(self):
        return self.__class__.from_config(self.get_config())


def _dtype(dtype):
    return backend.standardize_dtype(dtype)


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_seed_generator(value):
    # keras.random.SeedGenerator (duck-typed: this level sits below gradiente.random).
    return hasattr(value, "next") and hasattr(value, "state") and hasattr(value, "get_config")


class RandomInitializer(Initializer):
    """An initializer that draws. ``seed``: None (draw from the library's generator, seeded
    by ``utils.set_random_seed``: each call differs), an int (the same values on every call,
    as in Keras), or a ``keras.random.SeedGenerator`` (new values each call, reproducibly)."""

    def __init__(self, seed=None):
        self._init_seed = seed
        if isinstance(seed, dict):
            seed = _revive_seed(seed)
        if not (seed is None or _is_int(seed) or _is_seed_generator(seed)):
            raise ValueError(
                "`seed` argument should be an instance of `keras.random.SeedGenerator()` or an "
                f"integer. Received: seed={seed!r}")
        self.seed = seed

    def rng(self):
        """The NumPy Generator of one call."""
        if self.seed is None:
            return backend.rng()
        if _is_seed_generator(self.seed):
            return np.random.default_rng(np.asarray(getattr(self.seed.next(), "data", None)))
        # Keras's uint32 seed pair [seed, 0]: a fresh generator, so every call repeats.
        return np.random.default_rng(np.array([int(self.seed) % 2**32, 0], dtype=np.uint32))

    def get_config(self):
        seed = self._init_seed
        if seed is not None and not _is_int(seed) and not isinstance(seed, dict):
            from gradiente.saving.serialization_lib import serialize_keras_object

            seed = serialize_keras_object(seed)
        return {"seed": seed}


def _revive_seed(record):
    """A serialized SeedGenerator (the one seed a config holds as a record)."""
    if record.get("class_name") == "SeedGenerator":
        from gradiente.random import SeedGenerator

        return SeedGenerator.from_config(record.get("config") or {})
    from gradiente.saving.serialization_lib import deserialize_keras_object

    return deserialize_keras_object(record)
