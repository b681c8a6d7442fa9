"""SeedGenerator (Keras's seeded random state) and the one place a ``seed`` argument is read.

Every ``gradiente.random`` function takes ``seed=None``, an int or a SeedGenerator, and turns
it into a NumPy Generator here, at the moment of the draw: the library's own generator for
None, a fresh one from ``[seed, 0]`` for an int (the same numbers on every call, as in
Keras), a fresh one from the SeedGenerator's state for a SeedGenerator (whose state then
advances, so each call differs).
"""
import numbers
import random as _pyrandom

import numpy as np

from gradiente import backend
from gradiente.autodiff.tensor import Tensor, Variable

# Keras's NumPy backend keeps seeds as uint32 pairs; so do we, so an int seed or a
# SeedGenerator yields the same NumPy stream as there.
SEED_DTYPE = np.dtype("uint32")
_SEED_MOD = 2**32


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


class SeedGenerator:
    """A seeded random state that advances on every draw that uses it.

    ``keras.random.normal(shape, seed=42)`` gives the same values on every call; pass a
    SeedGenerator instead to get new values each call, reproducibly from its seed::

        self.seed_generator = keras.random.SeedGenerator(1337)
        noise = keras.random.normal((batch, dim), seed=self.seed_generator)

    ``state`` is a non-trainable uint32 Variable of shape (2,): ``[seed, counter]``.
    ``seed=None`` picks a seed from Python's ``random`` (seeded by ``set_random_seed``).
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        if name is None:
            from gradiente.utils import naming  # a standalone module; utils itself is above us

            name = naming.auto_name(type(self).__name__)
        self.name = name
        self._initial_seed = seed
        if seed is None:
            seed = make_default_seed()
        if not _is_int(seed):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed!r}")
        # Negative and large seeds wrap to 32 bits, as Keras's draw_seed does for its int32
        # backends (two's complement).
        initial = np.array([int(seed) % _SEED_MOD, 0], dtype=SEED_DTYPE)
        self.state = Variable(initial, trainable=False, name="seed_generator_state", dtype=SEED_DTYPE)
        self.state.path = f"{name}/seed_generator_state"

    def next(self, ordered=True):
        """The current state as a (2,) uint32 Tensor, then advance it: the counter by one
        (``ordered``), or a scramble of both entries (Keras's global generator's update)."""
        current = self.state.data.copy()
        if ordered:
            self.state.assign(current + np.array([0, 1], dtype=SEED_DTYPE))
        else:
            scrambled = (current.astype(np.int64) + 1) * 5387 % 933199
            self.state.assign(scrambled.astype(SEED_DTYPE))
        return Tensor(current)

    def get_config(self):
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator name={self.name!r} state={self.state.data.tolist()}>"


def make_default_seed():
    """A seed for an unseeded SeedGenerator, from Python's ``random`` as Keras takes it."""
    return _pyrandom.randint(1, int(1e9))


def _check_seed(seed):
    if seed is None or isinstance(seed, SeedGenerator) or _is_int(seed):
        return
    raise ValueError(
        "Argument `seed` must be either an integer or an instance of `SeedGenerator`. "
        f"Received: seed={seed!r} (of type {type(seed)})"
    )


def draw_seed(seed):
    """The (2,) uint32 seed a draw with ``seed`` uses, as a Tensor (Keras's helper). For
    None it is drawn from the library's generator; a SeedGenerator advances."""
    _check_seed(seed)
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        return Tensor(backend.rng().integers(0, _SEED_MOD, size=2, dtype=SEED_DTYPE))
    return Tensor(np.array([int(seed) % _SEED_MOD, 0], dtype=SEED_DTYPE))


class SeededDraws:
    """Where a draw with an int or SeedGenerator ``seed`` comes from, asked only when the draw
    happens. Random primitives keep this object (not numbers drawn beforehand), so a replayed
    training step draws again: the same values for an int seed, the next ones for a
    SeedGenerator, exactly as an eager call would."""

    __slots__ = ("seed",)

    def __init__(self, seed):
        self.seed = seed

    def generator(self):
        """A NumPy Generator for one draw (a SeedGenerator advances once per call)."""
        return np.random.default_rng(draw_seed(self.seed).data)

    def random(self, size=None, dtype=np.float64):
        """``Generator.random`` on a fresh generator: what ``ops.dropout`` asks its ``generator``."""
        return self.generator().random(size, dtype=dtype)


def seed_source(seed):
    """None (draw from ``backend.rng()``) for ``seed=None``, else a SeededDraws. Bad seeds
    raise here, before anything is drawn."""
    _check_seed(seed)
    return None if seed is None else SeededDraws(seed)


def generator_for(source):
    """The NumPy Generator one draw uses: the library's for None, else the source's next."""
    return backend.rng() if source is None else source.generator()
