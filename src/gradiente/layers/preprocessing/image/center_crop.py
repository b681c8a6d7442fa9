"""CenterCrop: the central height x width window of each image."""
from gradiente.layers.preprocessing.image.base_image_layer import BaseImagePreprocessingLayer
from gradiente.layers.preprocessing.image.resizing import check_size, set_spatial
from gradiente.ops.image_crop_pad import crop_images
from gradiente.ops.image_resize import resize


class CenterCrop(BaseImagePreprocessingLayer):
    """Images (batch?, H, W, C) -> (batch?, height, width, C), in training and inference.
    Rows from (H - height) // 2, columns from (W - width) // 2; an image smaller than the
    target on either axis is instead cropped to the target's aspect ratio and resized
    (bilinear), as Keras's smart_resize."""

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        check_size("CenterCrop", height, width)
        self.height, self.width = height, width

    def transform(self, images, training):
        h_axis, w_axis = self._height_width_axes(images.ndim)
        h_diff, w_diff = images.shape[h_axis] - self.height, images.shape[w_axis] - self.width
        if h_diff < 0 or w_diff < 0:
            return resize(images, (self.height, self.width), crop_to_aspect_ratio=True, data_format=self.data_format)
        return crop_images(images, top_cropping=h_diff // 2, left_cropping=w_diff // 2,
                           target_height=self.height, target_width=self.width, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        return set_spatial(self, input_shape, self.height, self.width)

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width)
        return config
