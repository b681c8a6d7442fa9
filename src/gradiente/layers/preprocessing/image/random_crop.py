"""RandomCrop: a random height x width window of the batch, in training."""
from gradiente import ops, random
from gradiente.layers.preprocessing.image.base_image_layer import RandomImageLayer
from gradiente.layers.preprocessing.image.resizing import check_size, set_spatial
from gradiente.ops.image_crop_pad import crop_at
from gradiente.ops.image_layout import to_nhwc
from gradiente.ops.image_resize import resize
from gradiente.random.seed_generator import make_default_seed


class RandomCrop(RandomImageLayer):
    """Images (batch?, H, W, C) -> (batch?, height, width, C). In training one window,
    drawn uniformly, for the whole batch (as Keras). At inference, and for images not
    larger than the target on both axes, the largest central window of the target's aspect
    ratio, resized (bilinear), as Keras documents it. (Keras 3's code returns the images
    uncropped at inference, keras-team/keras#21868, which breaks any model whose next layer
    expects the cropped size; we follow the documentation.)"""

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        check_size("RandomCrop", height, width)
        self.height, self.width = height, width
        # As Keras: without a seed the config gets a fixed one (its generator keeps its own
        # default seed), so a layer rebuilt from the config draws reproducibly.
        self.seed = make_default_seed() if seed is None else seed

    def transform(self, images, training):
        h_axis, w_axis = self._height_width_axes(images.ndim)
        height, width = images.shape[h_axis], images.shape[w_axis]
        if not (training and height > self.height and width > self.width):
            return resize(images, (self.height, self.width), crop_to_aspect_ratio=True, data_format=self.data_format)
        top = random.uniform((), 0.0, float(height - self.height + 1), seed=self.generator)
        left = random.uniform((), 0.0, float(width - self.width + 1), seed=self.generator)
        offsets = ops.cast(ops.stack([top, left]), "int32")
        x, restore = to_nhwc(images, self.data_format, "RandomCrop")
        return restore(crop_at(x, offsets, height=self.height, width=self.width))

    def compute_output_shape(self, input_shape):
        return set_spatial(self, input_shape, self.height, self.width)

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width)
        return config
