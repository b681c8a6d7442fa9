"""What Keras 3's image preprocessing layers share: a ``data_format``, images of rank 3 or
4, ``call(images, training=True)`` (so a layer called on its own, or inside ``model(x)``,
transforms; ``fit`` passes True and ``predict``/``evaluate`` False), and for the random
ones a ``seed`` feeding a SeedGenerator.

Every random draw goes through ``keras.random`` (a primitive holding the SeedGenerator),
and the transforms are ops, so ``fit``'s traced step replays them with fresh draws; the
replay check rewinds the SeedGenerators with the library's generator
(``models.training``). Only image tensors are taken: Keras's dict inputs (labels, bounding
boxes, segmentation masks) are refused.
"""
import numbers

from gradiente import backend
from gradiente.layers.layer import Layer
from gradiente.random.seed_generator import SeedGenerator


def standardize_data_format(data_format, owner):
    data_format = backend.image_data_format() if data_format is None else data_format
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{owner}: `data_format` must be 'channels_last' or 'channels_first'. "
                         f"Received: data_format={data_format!r}")
    return data_format


def is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


class BaseImagePreprocessingLayer(Layer):
    """Images (batch?, H, W, C) (or channels first) in; subclasses write ``transform``."""

    traceable = True  # draws and transforms are ops: fit may replay them
    _builds_at_init = True

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format, type(self).__name__)

    def call(self, inputs, training=True):
        if isinstance(inputs, dict):
            raise NotImplementedError(
                f"{type(self).__name__} takes image tensors only; dicts of images with labels, bounding "
                "boxes or segmentation masks (Keras's other input form) are not supported.")
        if inputs.ndim not in (3, 4):
            raise ValueError(f"{type(self).__name__}: expected images of rank 3 (single image) or 4 (batch of "
                             f"images). Received: inputs.shape={tuple(inputs.shape)}")
        # None means nobody said: Keras then uses this signature's default, True.
        return self.transform(inputs, training is None or bool(training))

    def transform(self, images, training):
        raise NotImplementedError(f"{type(self).__name__} must define transform(images, training)")

    def _height_width_axes(self, ndim):
        return (ndim - 2, ndim - 1) if self.data_format == "channels_first" else (ndim - 3, ndim - 2)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class RandomImageLayer(BaseImagePreprocessingLayer):
    """A layer that draws from ``self.generator``, a SeedGenerator made from ``seed``."""

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise ValueError(f"{type(self).__name__}: `seed` must be an integer or None. Received: seed={seed!r}")
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def get_config(self):
        config = super().get_config()
        config["seed"] = self.seed
        return config


def symmetric_factor(factor, bounds, message):
    """(lower, upper) from a number f (giving (max(-|f|, bounds[0]), |f|)) or a pair,
    with Keras's range check."""
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or not all(is_number(f) for f in factor):
            raise ValueError(f"{message} Received: factor={factor!r}")
        if factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(f"{message} Received: factor={factor!r}")
        lower, upper = sorted(float(f) for f in factor)
        return lower, upper
    if not is_number(factor):
        raise ValueError(f"{message} Received: factor={factor!r}")
    if factor < bounds[0] or factor > bounds[1]:
        raise ValueError(f"{message} Received: factor={factor!r}")
    factor = abs(float(factor))
    return max(-factor, bounds[0]), factor


def check_choice(owner, name, value, options):
    if value not in options:
        raise NotImplementedError(f"{owner}: unknown `{name}` {value!r}. Expected one of {options}.")
