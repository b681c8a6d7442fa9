"""RandomContrast: each image's channels spread about their means by a random factor."""
from gradiente import ops, random
from gradiente.layers.preprocessing.image.base_image_layer import RandomImageLayer, symmetric_factor
from gradiente.layers.preprocessing.image.random_brightness import check_value_range
from gradiente.ops.image_layout import to_nhwc


class RandomContrast(RandomImageLayer):
    """Images (batch?, H, W, C) -> same shape. In training, per image a factor c is drawn
    from [1 - lower, 1 + upper] and each channel becomes ``(x - mean) * c + mean`` (mean
    over the image's pixels), clipped to ``value_range``.

    ``factor``: a pair (lower, upper) in [0, 1], or a number f, which Keras 3 turns into
    (0, f) (its bounds clamp the lower end at 0), so a number only raises the contrast."""

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = symmetric_factor(factor, (0, 1), "The `factor` argument should be a number (or a list of "
                                                       "two numbers) in the range [0, 1].")
        self.value_range = check_value_range(value_range, "RandomContrast", sort=False)

    def transform(self, images, training):
        if not training:
            return images
        x, restore = to_nhwc(images, self.data_format, "RandomContrast")
        c = random.uniform((x.shape[0], 1, 1, 1), 1.0 - self.factor[0], 1.0 + self.factor[1],
                           dtype=x.dtype, seed=self.generator)
        mean = ops.mean(x, axis=(1, 2), keepdims=True)
        out = ops.add(ops.multiply(ops.subtract(x, mean), c), mean)
        return restore(ops.clip(out, self.value_range[0], self.value_range[1]))

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, value_range=self.value_range)
        return config
