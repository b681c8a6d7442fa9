"""``keras.ops.image``: Keras 3's image functions. Unlike the other namespaces these are not
at ``keras.ops`` top level in Keras, so they resolve from the implementation modules named
in ``_SOURCES``; a name not built yet says so when used.
"""
from gradiente.ops.namespaces import namespace as _namespace

# Keras 3's names in this namespace, in its alphabetical order.
KERAS_NAMES = (
    "affine_transform", "crop_images", "elastic_transform", "extract_patches",
    "extract_patches_3d", "gaussian_blur", "hsv_to_rgb", "map_coordinates", "pad_images",
    "perspective_transform", "reconstruct_patches", "resize", "rgb_to_grayscale", "rgb_to_hsv",
    "scale_and_translate", "sobel_edges", "ssim",
)
_SOURCES = ("gradiente.ops.image_patches", "gradiente.ops.image_resize", "gradiente.ops.image_affine",
            "gradiente.ops.image_crop_pad", "gradiente.ops.image_color")  # the modules that implement the image ops

__getattr__, __dir__ = _namespace(__name__, KERAS_NAMES, _SOURCES)


def _install():
    """Each implemented image op, answering calls on KerasTensors too (a Functional graph
    records it as an op layer named as Keras names it: resize, crop_images, ...)."""
    import importlib

    from gradiente.ops import symbolic_dispatch

    for source in _SOURCES:
        module = importlib.import_module(source)
        for name in KERAS_NAMES:
            fn = getattr(module, name, None)
            if fn is not None and name not in globals():
                globals()[name] = symbolic_dispatch.wrap(fn, name)


_install()
