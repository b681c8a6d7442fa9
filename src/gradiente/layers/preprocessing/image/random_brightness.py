"""RandomBrightness: a random offset added to every pixel of an image."""
from gradiente import ops, random
from gradiente.layers.preprocessing.image.base_image_layer import RandomImageLayer, is_number, symmetric_factor
from gradiente.ops.image_layout import to_nhwc


def check_value_range(value_range, owner, sort=True):
    """[low, high] from a pair of numbers: sorted (RandomBrightness, as Keras), or else
    refused when reversed (RandomContrast: Keras would clip everything to the first)."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2 \
            or not all(is_number(v) for v in value_range):
        raise ValueError(f"{owner}: the `value_range` argument should be a list of two numbers. "
                         f"Received: value_range={value_range!r}")
    if not sort and value_range[0] > value_range[1]:
        raise ValueError(f"{owner}: `value_range` must be (low, high) with low <= high. "
                         f"Received: value_range={value_range!r}")
    return sorted(value_range) if sort else list(value_range)


class RandomBrightness(RandomImageLayer):
    """Images (batch?, H, W, C) -> same shape. In training each image gets
    ``d * (high - low)`` added to all its pixels, d drawn from ``factor`` (a number f gives
    [-|f|, |f|], a pair [lower, upper], within [-1, 1]), then is clipped to ``value_range``
    = (low, high)."""

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = symmetric_factor(factor, (-1, 1), "The `factor` argument should be a number (or a list of "
                                                        "two numbers) in the range [-1.0, 1.0].")
        self.value_range = check_value_range(value_range, "RandomBrightness")

    def transform(self, images, training):
        if not training:
            return images
        x, restore = to_nhwc(images, self.data_format, "RandomBrightness")
        low, high = self.value_range
        delta = random.uniform((x.shape[0], 1, 1, 1), self.factor[0], self.factor[1], seed=self.generator)
        delta = ops.cast(ops.multiply(delta, high - low), x.dtype)
        return restore(ops.clip(ops.add(x, delta), low, high))

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, value_range=self.value_range)
        return config
