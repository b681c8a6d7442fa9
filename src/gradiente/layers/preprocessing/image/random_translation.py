"""RandomTranslation: each image shifted by a random fraction of its height and width."""
from gradiente import ops, random
from gradiente.layers.preprocessing.image.affine_layer import RandomAffineLayer, transform_rows
from gradiente.layers.preprocessing.image.base_image_layer import is_number

_FACTOR_ERROR = "The `factor` argument should be a number (or a list of two numbers) in the range [-1.0, 1.0]. "


def _shift_range(factor, name):
    values = factor if isinstance(factor, (tuple, list)) else [factor]
    if (isinstance(factor, (tuple, list)) and len(factor) != 2) or not all(is_number(v) for v in values):
        raise ValueError(_FACTOR_ERROR + f"Received: {name}={factor!r}")
    for v in values:
        if v > 1.0 or v < -1.0:
            raise ValueError(_FACTOR_ERROR + f"Received: {name}={factor!r}")
    if isinstance(factor, (tuple, list)):
        return tuple(sorted(float(v) for v in factor))
    return -abs(float(factor)), abs(float(factor))


class RandomTranslation(RandomAffineLayer):
    """Images (batch?, H, W, C) -> same shape, in training each moved down by
    ``u * height`` and right by ``v * width`` pixels, u from ``height_factor`` and v from
    ``width_factor`` (a number f gives [-|f|, |f|]; negative moves up/left)."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = _shift_range(height_factor, "height_factor")
        self.width_lower, self.width_upper = _shift_range(width_factor, "width_factor")

    def draw_transforms(self, batch, height, width):
        dy = ops.multiply(random.uniform((batch,), self.height_lower, self.height_upper, seed=self.generator), height)
        dx = ops.multiply(random.uniform((batch,), self.width_lower, self.width_upper, seed=self.generator), width)
        return transform_rows([1.0, 0.0, ops.negative(dx), 0.0, 1.0, ops.negative(dy), 0.0, 0.0])

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor)
        return config
