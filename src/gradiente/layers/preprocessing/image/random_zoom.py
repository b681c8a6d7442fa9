"""RandomZoom: each image scaled about its centre by a random factor per axis."""
from gradiente import ops, random
from gradiente.layers.preprocessing.image.affine_layer import RandomAffineLayer, transform_rows
from gradiente.layers.preprocessing.image.base_image_layer import is_number

_FACTOR_ERROR = ("The `height_factor` and `width_factor` arguments should be a number (or a list of two numbers) "
                 "in the range (-1.0, 1.0]. ")


def _zoom_range(factor, name):
    values = factor if isinstance(factor, (tuple, list)) else [factor]
    if (isinstance(factor, (tuple, list)) and len(factor) != 2) or not all(is_number(v) for v in values):
        raise ValueError(_FACTOR_ERROR + f"Received: {name}={factor!r}")
    for v in values:
        if v > 1.0 or v <= -1.0:
            raise ValueError(_FACTOR_ERROR + f"Received: {name}={factor!r}")
    if isinstance(factor, (tuple, list)):
        return tuple(sorted(float(v) for v in factor))
    return -abs(float(factor)), abs(float(factor))


class RandomZoom(RandomAffineLayer):
    """Images (batch?, H, W, C) -> same shape, in training each zoomed by a factor drawn per
    image: the source extent is (1 + f) times the output's, f uniform in ``height_factor``
    (a number gives [-|f|, |f|]): positive zooms out, negative zooms in. ``width_factor``
    None keeps the aspect ratio (the height draw is used for both axes)."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = _zoom_range(height_factor, "height_factor")
        if width_factor is not None:
            self.width_lower, self.width_upper = _zoom_range(width_factor, "width_factor")

    def draw_transforms(self, batch, height, width):
        zy = random.uniform((batch,), 1.0 + self.height_lower, 1.0 + self.height_upper, seed=self.generator)
        zx = zy if self.width_factor is None else random.uniform(
            (batch,), 1.0 + self.width_lower, 1.0 + self.width_upper, seed=self.generator)
        x_offset = ops.multiply((width - 1) / 2.0, ops.subtract(1.0, zx))
        y_offset = ops.multiply((height - 1) / 2.0, ops.subtract(1.0, zy))
        return transform_rows([zx, 0.0, x_offset, 0.0, zy, y_offset, 0.0, 0.0])

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor)
        return config
