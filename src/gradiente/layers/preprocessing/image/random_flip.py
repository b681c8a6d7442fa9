"""RandomFlip: each image mirrored left-right and/or top-bottom with probability 1/2."""
from gradiente import ops, random
from gradiente.layers.preprocessing.image.base_image_layer import RandomImageLayer
from gradiente.ops.image_layout import to_nhwc

HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL = "horizontal", "vertical", "horizontal_and_vertical"
MODES = (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL)


class RandomFlip(RandomImageLayer):
    """Images (batch?, H, W, C) -> same shape. In training one draw per image decides: the
    image is flipped along the axes ``mode`` names ("horizontal" mirrors columns, "vertical"
    rows, "horizontal_and_vertical" both at once) or left as is."""

    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if mode not in MODES:
            raise ValueError(f"RandomFlip: `mode` must be one of {MODES}. Received: mode={mode!r}")
        self.mode = mode

    def transform(self, images, training):
        if not training:
            return images
        x, restore = to_nhwc(images, self.data_format, "RandomFlip")
        flips = ops.less_equal(random.uniform((x.shape[0], 1, 1, 1), seed=self.generator), 0.5)
        if self.mode != VERTICAL:
            x = ops.where(flips, ops.flip(x, axis=2), x)
        if self.mode != HORIZONTAL:
            x = ops.where(flips, ops.flip(x, axis=1), x)
        return restore(x)

    def get_config(self):
        config = super().get_config()
        config["mode"] = self.mode
        return config
