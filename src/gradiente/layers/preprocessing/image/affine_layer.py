"""The random geometric layers (RandomRotation, RandomZoom, RandomTranslation): each draws
one affine transform per image and samples through ``ops.image.affine_transform``, with
Keras's fill modes (reflect by default), interpolation and fill value."""
from gradiente import ops
from gradiente.layers.preprocessing.image.base_image_layer import RandomImageLayer, check_choice, is_number
from gradiente.ops.image_affine import affine_transform_nhwc
from gradiente.ops.image_layout import to_nhwc

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


class RandomAffineLayer(RandomImageLayer):
    """Subclasses give ``draw_transforms(batch, height, width)``: a (batch, 8) Tensor."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        owner = type(self).__name__
        check_choice(owner, "fill_mode", fill_mode, FILL_MODES)
        check_choice(owner, "interpolation", interpolation, INTERPOLATIONS)
        if not is_number(fill_value):
            raise ValueError(f"{owner}: `fill_value` must be a number. Received: fill_value={fill_value!r}")
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, float(fill_value)

    def transform(self, images, training):
        if not training:
            return images
        x, restore = to_nhwc(images, self.data_format, type(self).__name__)
        batch, height, width = x.shape[:3]
        transforms = ops.cast(self.draw_transforms(batch, height, width), x.dtype)
        return restore(affine_transform_nhwc(x, transforms, interpolation=self.interpolation,
                                             fill_mode=self.fill_mode, fill_value=self.fill_value))

    def draw_transforms(self, batch, height, width):
        raise NotImplementedError(f"{type(self).__name__} must define draw_transforms")

    def get_config(self):
        config = super().get_config()
        config.update(fill_mode=self.fill_mode, interpolation=self.interpolation, fill_value=self.fill_value)
        return config


def transform_rows(columns):
    """(batch, 8) Tensor from eight (batch,) Tensors or numbers, Keras's row order."""
    batch = next(c.shape[0] for c in columns if hasattr(c, "shape"))
    full = [c if hasattr(c, "shape") else ops.full((batch,), c, dtype="float32") for c in columns]
    return ops.stack(full, axis=1)
