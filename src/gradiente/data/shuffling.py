"""tf.data's buffered shuffle: a reservoir of ``size`` elements, each output drawn at random
from it and its place taken by the next input."""
import itertools

import numpy as np


def seed_stream(seed, reshuffle_each_iteration, library_rng):
    """The seed of each pass: a new one per pass unless ``reshuffle_each_iteration`` is
    False. With ``seed`` None, seeds come from the library's generator, so
    ``keras.utils.set_random_seed`` makes them reproducible."""
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"Dataset.shuffle: `seed` must be a non-negative integer or None; received seed={seed!r}.")
        base = int(seed)
    else:
        base = int(library_rng.integers(2 ** 63))
    if not reshuffle_each_iteration:
        return itertools.repeat(base)
    return ([base, k] for k in itertools.count())


def shuffled(iterator, size, seed):
    rng = np.random.default_rng(seed)
    buffer = []
    for element in iterator:
        if len(buffer) < size:
            buffer.append(element)
            continue
        i = int(rng.integers(size))
        out, buffer[i] = buffer[i], element
        yield out
    # The input ran out: the rest of the buffer in random order.
    for i in rng.permutation(len(buffer)):
        yield buffer[i]
