"""``keras.utils.text_dataset_from_directory``: a folder of ``.txt`` files as a Dataset of
string batches, read lazily batch by batch."""
import numpy as np

from gradiente.data import AUTOTUNE, Dataset
from gradiente.utils import dataset_utils

ALLOWLIST_FORMATS = (".txt",)


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                batch_size=32, max_length=None, shuffle=True, seed=None,
                                validation_split=None, subset=None, follow_links=False, verbose=True):
    """A Dataset of ``(texts, labels)`` (or texts alone for ``labels=None``/``label_mode=None``).

    Texts: a str array ``(batch,)`` (tf.data gives bytes; files must be UTF-8), cut to
    ``max_length`` bytes as tf.strings.substr cuts. Labels, class order, file order and the
    validation split as ``image_dataset_from_directory``.
    """
    labels, label_mode = dataset_utils.check_labels_arguments(labels, label_mode, class_names)
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, (int, np.integer))
                                   or max_length < 0):
        raise ValueError(f"`max_length` must be a non-negative integer or None. Received: max_length={max_length!r}")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
                                   or batch_size <= 0):
        raise ValueError(f"`batch_size` must be a positive integer or None. Received: batch_size={batch_size!r}")
    if seed is None:
        seed = int(np.random.randint(1_000_000))
    paths, label_array, names = dataset_utils.index_directory(
        directory, labels, ALLOWLIST_FORMATS, class_names=class_names, shuffle=shuffle, seed=seed,
        follow_links=follow_links, verbose=verbose)
    dataset_utils.check_label_values(label_array, label_mode, names)
    loader = _TextLoader(max_length, label_mode, len(names) if names else 0)
    parts = dataset_utils.subset_parts(
        paths, label_array, validation_split, subset, shuffle, verbose,
        lambda which: f"No {which}text files found in directory {directory}. Allowed format: {ALLOWLIST_FORMATS}")
    datasets = []
    for part_paths, part_labels, part_shuffle in parts:
        ds = Dataset.from_tensor_slices(
            np.asarray(part_paths) if part_labels is None else (np.asarray(part_paths), part_labels))
        if part_shuffle:
            ds = ds.shuffle(batch_size * 8 if batch_size is not None else 1024, seed=seed)
        if batch_size is not None:
            ds = ds.batch(batch_size)
        ds = ds.map(loader, num_parallel_calls=AUTOTUNE).prefetch(AUTOTUNE)
        ds.class_names = names
        ds.file_paths = list(part_paths)
        datasets.append(ds)
    return tuple(datasets) if subset == "both" else datasets[0]


def read_text(path, max_length=None):
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"The text file {path} is not UTF-8 ({err}).") from None
    if max_length is not None and len(data) > max_length:
        # Cut bytes as tf.strings.substr does; a character split in two is dropped.
        text = data[:max_length].decode("utf-8", errors="ignore")
    return text


class _TextLoader:
    def __init__(self, max_length, label_mode, num_classes):
        self.max_length, self.label_mode, self.num_classes = max_length, label_mode, num_classes

    def texts(self, paths):
        texts = np.array([read_text(str(p), self.max_length) for p in np.atleast_1d(paths)], dtype=str)
        return texts if np.ndim(paths) else texts[0]

    def __call__(self, paths, labels=None):
        if labels is None:
            return self.texts(paths)
        encoded = dataset_utils.encode_labels(np.atleast_1d(labels), self.label_mode, self.num_classes)
        return self.texts(paths), (encoded if np.ndim(labels) else encoded[0])
