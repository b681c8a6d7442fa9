"""``keras.utils.image_dataset_from_directory``: a folder of image files as a Dataset of
batches, decoded lazily (Pillow, in threads) batch by batch."""
import numpy as np

from gradiente.data import AUTOTUNE, Dataset
from gradiente.utils import dataset_utils, image_loading

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 color_mode="rgb", batch_size=32, image_size=(256, 256), shuffle=True,
                                 seed=None, validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, verbose=True):
    """A Dataset of ``(images, labels)`` (or images alone for ``labels=None``/``label_mode=None``).

    ``directory`` holds one subfolder per class (``labels="inferred"``; classes in
    alphanumeric order unless ``class_names`` orders them), or any files with ``labels`` a
    list in file order. Images: float32 ``(batch, height, width, channels)`` (channels first
    for ``data_format="channels_first"``) with values 0..255; labels as ``label_mode`` says
    (int32 ``(batch,)``, float32 ``(batch, 1)`` for "binary", float32 one-hot for
    "categorical"). ``subset="both"`` returns (training, validation). File order, class
    order and the validation split equal Keras's for the same seed (``file_paths``); the
    per-epoch buffer shuffle on top of it uses our own random stream.
    """
    from gradiente.utils.image_utils import _data_format, _pil_image

    _pil_image("image_dataset_from_directory")
    labels, label_mode = dataset_utils.check_labels_arguments(labels, label_mode, class_names)
    if color_mode not in _CHANNELS:
        raise ValueError(f'`color_mode` must be one of {{"rgb", "rgba", "grayscale"}}. Received: color_mode={color_mode}')
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    if not isinstance(image_size, (list, tuple)) or len(image_size) != 2 or not all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0 for s in image_size):
        raise ValueError(f"Invalid `image_size` value. Expected a tuple of 2 integers. Received: image_size={image_size}")
    image_size = (int(image_size[0]), int(image_size[1]))
    interpolation = str(interpolation).lower()
    if interpolation not in image_loading.KERAS_INTERPOLATIONS:
        raise ValueError(
            f"Argument `interpolation` should be one of {image_loading.KERAS_INTERPOLATIONS}. "
            f"Received: interpolation={interpolation}")
    from gradiente.ops.image_resize import INTERPOLATIONS

    if interpolation not in INTERPOLATIONS:
        raise ValueError(
            f"interpolation={interpolation!r} exists only in TensorFlow's tf.image.resize; "
            f"keras.ops.image.resize, which resizes here, offers {INTERPOLATIONS}.")
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set to `True`.")
    data_format = _data_format(data_format)
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
                                   or batch_size <= 0):
        raise ValueError(f"`batch_size` must be a positive integer or None. Received: batch_size={batch_size!r}")
    if seed is None:
        seed = int(np.random.randint(1_000_000))
    paths, label_array, names = dataset_utils.index_directory(
        directory, labels, ALLOWLIST_FORMATS, class_names=class_names, shuffle=shuffle, seed=seed,
        follow_links=follow_links, verbose=verbose)
    dataset_utils.check_label_values(label_array, label_mode, names)
    loader = _BatchLoader(image_size, color_mode, interpolation, crop_to_aspect_ratio,
                          pad_to_aspect_ratio, data_format, label_mode, len(names) if names else 0)
    parts = dataset_utils.subset_parts(
        paths, label_array, validation_split, subset, shuffle, verbose,
        lambda which: f"No {which}images found in directory {directory}. Allowed formats: {ALLOWLIST_FORMATS}")
    datasets = [_make_dataset(part_paths, part_labels, loader, batch_size, part_shuffle, seed, names)
                for part_paths, part_labels, part_shuffle in parts]
    return tuple(datasets) if subset == "both" else datasets[0]


class _BatchLoader:
    """Paths (and int labels) of a batch -> the batch's images (and encoded labels)."""

    def __init__(self, size, color_mode, interpolation, crop, pad, data_format, label_mode, num_classes):
        self.size, self.color_mode, self.interpolation = size, color_mode, interpolation
        self.crop, self.pad, self.data_format = crop, pad, data_format
        self.label_mode, self.num_classes = label_mode, num_classes

    def images(self, paths):
        decoded = [image_loading.decode(str(path), self.color_mode) for path in np.atleast_1d(paths)]
        batch = image_loading.resize_images(decoded, self.size, self.interpolation, self.crop, self.pad)
        if self.data_format == "channels_first":
            batch = np.ascontiguousarray(batch.transpose(0, 3, 1, 2))
        return batch if np.ndim(paths) else batch[0]

    def __call__(self, paths, labels=None):
        if labels is None:
            return self.images(paths)
        encoded = dataset_utils.encode_labels(np.atleast_1d(labels), self.label_mode, self.num_classes)
        return self.images(paths), (encoded if np.ndim(labels) else encoded[0])


def _make_dataset(paths, labels, loader, batch_size, shuffle, seed, names):
    ds = Dataset.from_tensor_slices(np.asarray(paths) if labels is None else (np.asarray(paths), labels))
    if shuffle:
        ds = ds.shuffle(batch_size * 8 if batch_size is not None else 1024, seed=seed)
    if batch_size is not None:
        ds = ds.batch(batch_size)  # batch the paths: one loader call decodes a whole batch
    ds = ds.map(loader, num_parallel_calls=AUTOTUNE).prefetch(AUTOTUNE)
    ds.class_names = names
    ds.file_paths = list(paths)
    return ds
