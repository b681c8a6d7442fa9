"""Resizing: images brought to a fixed height and width (``ops.image.resize``)."""
from gradiente.layers.preprocessing.image.base_image_layer import BaseImagePreprocessingLayer
from gradiente.ops.image_resize import INTERPOLATIONS, resize


def check_size(owner, height, width):
    for name, value in (("height", height), ("width", width)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{owner}: `{name}` must be a positive integer. Received: {name}={value!r}")


def set_spatial(owner, shape, height, width):
    shape = list(shape)
    if len(shape) not in (3, 4):
        raise ValueError(f"{owner}: expected images of rank 3 or 4. Received: input_shape={tuple(shape)}")
    h_axis, w_axis = owner._height_width_axes(len(shape))
    shape[h_axis], shape[w_axis] = height, width
    return tuple(shape)


class Resizing(BaseImagePreprocessingLayer):
    """Images (batch?, H, W, C) -> (batch?, height, width, C), in training and inference.
    ``crop_to_aspect_ratio`` takes the largest centred window of the target's aspect ratio
    first; ``pad_to_aspect_ratio`` pads the short side with ``fill_value`` instead.
    Integer images stay integer (rounded, within the input's range), as in Keras."""

    keeps_integer_inputs = True

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        check_size("Resizing", height, width)
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"Resizing: invalid value for argument `interpolation`. Expected one of "
                             f"{INTERPOLATIONS}. Received: interpolation={interpolation!r}")
        if fill_mode != "constant":
            raise ValueError(f"Resizing: only fill_mode='constant' is supported. Received: fill_mode={fill_mode!r}")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Resizing: only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.")
        self.height, self.width, self.interpolation = height, width, interpolation
        self.crop_to_aspect_ratio, self.pad_to_aspect_ratio = bool(crop_to_aspect_ratio), bool(pad_to_aspect_ratio)
        self.fill_mode, self.fill_value, self.antialias = fill_mode, fill_value, bool(antialias)

    def transform(self, images, training):
        return resize(images, (self.height, self.width), interpolation=self.interpolation, antialias=self.antialias,
                      crop_to_aspect_ratio=self.crop_to_aspect_ratio, pad_to_aspect_ratio=self.pad_to_aspect_ratio,
                      fill_mode=self.fill_mode, fill_value=self.fill_value, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        return set_spatial(self, input_shape, self.height, self.width)

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width, interpolation=self.interpolation,
                      crop_to_aspect_ratio=self.crop_to_aspect_ratio, pad_to_aspect_ratio=self.pad_to_aspect_ratio,
                      fill_mode=self.fill_mode, fill_value=self.fill_value, antialias=self.antialias)
        return config
