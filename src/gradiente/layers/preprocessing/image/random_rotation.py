"""RandomRotation: each image turned about its centre by a random angle."""
import math

from gradiente import ops, random
from gradiente.layers.preprocessing.image.affine_layer import RandomAffineLayer, transform_rows
from gradiente.layers.preprocessing.image.base_image_layer import symmetric_factor


class RandomRotation(RandomAffineLayer):
    """Images (batch?, H, W, C) -> same shape, in training each rotated by an angle drawn
    uniformly from ``factor * 2π`` (a number f gives [-f, f], a pair [lower, upper]; positive
    is counter-clockwise as displayed). Identity with ``training=False``."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         data_format=data_format, **kwargs)
        self.factor = symmetric_factor(
            factor, (-1, 1), "The `factor` argument should be a number (or a list of two numbers) in the range "
                             "[-1, 1], a fraction of a full turn.")

    def draw_transforms(self, batch, height, width):
        degrees = random.uniform((batch,), self.factor[0] * 360.0, self.factor[1] * 360.0, seed=self.generator)
        angle = ops.multiply(degrees, math.pi / 180.0)
        cos, sin = ops.cos(angle), ops.sin(angle)
        cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
        # Maps each output pixel back to its source: rotation about (cx, cy).
        a2 = ops.add(ops.subtract(cx, ops.multiply(cos, cx)), ops.multiply(sin, cy))
        b2 = ops.subtract(ops.subtract(cy, ops.multiply(sin, cx)), ops.multiply(cos, cy))
        return transform_rows([cos, ops.negative(sin), a2, sin, cos, b2, 0.0, 0.0])

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config
