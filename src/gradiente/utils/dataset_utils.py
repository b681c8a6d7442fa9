"""What the ``*_dataset_from_directory`` helpers share: listing a class-per-folder tree in
Keras's order, Keras's validation split, labels as arrays; and ``keras.utils.split_dataset``."""
import os

import numpy as np

from gradiente import backend


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True):
    """File paths, labels and class names, as Keras lists them.

    Classes are the subfolders of ``directory`` (sorted, hidden ones skipped) when ``labels``
    is "inferred"; files are found recursively below each, folders in sorted path order and
    files sorted by name within one. ``shuffle`` permutes paths and labels with NumPy's
    ``RandomState(seed)``, as Keras does, so the order and any split equal Keras's.
    """
    if not isinstance(directory, (str, os.PathLike)):
        raise TypeError(f"`directory` must be a path; received {type(directory).__name__}.")
    directory = os.fspath(directory)
    if not os.path.exists(directory):
        raise FileNotFoundError(f"Could not find directory {directory}")
    if not os.path.isdir(directory):
        raise NotADirectoryError(f"`directory` must be a folder, but {directory} is a file.")
    if labels == "inferred":
        subdirs = [name for name in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, name)) and not name.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError(
                    "The `class_names` passed did not match the names of the subdirectories of the "
                    f"target directory. Expected: {subdirs} (or a subset of it), but received: "
                    f"class_names={class_names}")
            subdirs = list(class_names)  # the caller's order
    else:
        subdirs = [""]
        if class_names is not None:
            if labels is None:
                raise ValueError("When `labels=None` (no labels), argument `class_names` cannot be specified.")
            raise ValueError(
                "When argument `labels` is specified, argument `class_names` cannot be specified "
                "(the `class_names` will be the sorted list of labels).")
    paths, found_labels = [], []
    for index, subdir in enumerate(subdirs):
        folder = os.path.join(directory, subdir) if subdir else directory
        for path in _files_below(folder, formats, follow_links):
            paths.append(path)
            found_labels.append(index)
    if labels == "inferred":
        labels_out = np.asarray(found_labels, dtype="int32")
        names = subdirs
    elif labels is None:
        labels_out, names = None, None
    else:
        if len(labels) != len(paths):
            raise ValueError(
                f"Expected the lengths of `labels` to match the number of files in the target "
                f"directory. len(labels) is {len(labels)} while we found {len(paths)} files in "
                f"directory {directory}.")
        labels_out = _label_array(labels)
        names = [str(label) for label in sorted(set(np.asarray(labels).tolist()))]
    if verbose:
        if labels_out is None:
            print(f"Found {len(paths)} files.")
        else:
            print(f"Found {len(paths)} files belonging to {len(names)} classes.")
    if shuffle:
        if seed is None:
            seed = int(backend.rng().integers(1_000_000))
        # Keras shuffles both with a fresh RandomState(seed): the same permutation.
        np.random.RandomState(seed).shuffle(paths)
        if labels_out is not None:
            np.random.RandomState(seed).shuffle(labels_out)
    return paths, labels_out, names


def _files_below(folder, formats, follow_links):
    walk = sorted(os.walk(folder, followlinks=follow_links), key=lambda entry: entry[0])
    for root, _, files in walk:
        for name in sorted(files):
            if name.lower().endswith(formats):
                yield os.path.join(root, name)


def _label_array(labels):
    array = np.asarray(labels)
    if array.ndim != 1 or array.dtype.kind not in "biuf":
        raise ValueError(f"`labels` must be a flat list of numbers, one per file; received an array of "
                         f"shape {array.shape} and dtype {array.dtype}.")
    # Python ints become int32 and floats float32, as tf.data converts them.
    return array.astype("int32" if array.dtype.kind in "biu" else "float32")


def check_labels_arguments(labels, label_mode, class_names):
    """Keras's checks of ``labels``/``label_mode``/``class_names``; returns them as used."""
    if not (labels is None or (isinstance(labels, str) and labels == "inferred")):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(
                "`labels` argument should be a list/tuple of integer labels, of the same size as "
                "the number of files in the target directory. If you wish to infer the labels "
                'from the subdirectory names in the target directory, pass `labels="inferred"`. '
                f"If you wish to get a dataset that only contains the files (no labels), pass "
                f"`labels=None`. Received: labels={labels}")
        if class_names:
            raise ValueError(
                f'You can only pass `class_names` if `labels="inferred"`. Received: labels={labels}, '
                f"and class_names={class_names}")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(
            '`label_mode` argument must be one of "int", "categorical", "binary", or None. '
            f"Received: label_mode={label_mode}")
    if labels is None or label_mode is None:
        return None, None
    return labels, label_mode


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", received: {subset}')
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "If using `validation_split` and shuffling the data, you must provide a `seed` "
            "argument, to make sure that there is no overlap between the training and "
            "validation subset.")


def training_or_validation_split(samples, labels, validation_split, subset, verbose=True):
    """The last ``int(validation_split * n)`` samples validate, the rest train (Keras's cut)."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    num_train = len(samples) - num_val
    if subset == "training":
        if verbose:
            print(f"Using {num_train} files for training.")
        return samples[:num_train], None if labels is None else labels[:num_train]
    if verbose:
        print(f"Using {num_val} files for validation.")
    return samples[num_train:], None if labels is None else labels[num_train:]


def subset_parts(paths, labels, validation_split, subset, shuffle, verbose, missing):
    """``[(paths, labels, shuffle)]`` for each subset asked for: the one named, or training
    then validation for ``subset="both"``, whose validation half Keras leaves unshuffled.
    ``missing(which)``: the message when a subset gets no file."""
    parts = []
    for part in ("training", "validation") if subset == "both" else (subset,):
        part_paths, part_labels = training_or_validation_split(paths, labels, validation_split,
                                                                part, verbose)
        if not part_paths:
            raise ValueError(missing(f"{part} " if subset == "both" else ""))
        parts.append((part_paths, part_labels, shuffle and not (subset == "both" and part == "validation")))
    return parts


def check_label_values(labels, label_mode, class_names):
    """Keras's one-hot of a label outside [0, num_classes) is silently all zeros: refuse it."""
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            f'When passing `label_mode="binary"`, there must be exactly 2 class_names. Received: '
            f"class_names={class_names}")
    if label_mode != "categorical" or labels is None or not len(labels):
        return
    low, high = labels.min(), labels.max()
    if labels.dtype.kind == "f" or low < 0 or high >= len(class_names):
        raise ValueError(
            f'label_mode="categorical" one-hot encodes integer labels 0..{len(class_names) - 1} (one per '
            f"distinct label), but the labels run from {low} to {high}. Number the classes from 0, or "
            f'use label_mode="int".')


def encode_labels(labels, label_mode, num_classes):
    """A batch of int labels as Keras's label_mode gives them: int32 ``(b,)``, binary float32
    ``(b, 1)``, categorical float32 one-hot ``(b, num_classes)``."""
    if label_mode == "binary":
        return labels.astype("float32")[:, None]
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[labels]
    return labels


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Split a Dataset, an array or a list/tuple of equally long arrays into two Datasets.

    Sizes: an int (samples) or a float fraction in (0, 1) (rounded); a None side takes the
    rest. ``shuffle`` permutes samples first with Python's ``random.Random(seed)``, as Keras.
    A Dataset whose last step is ``batch(n)`` is split by samples and rebatched by ``n``.
    """
    import random

    from gradiente.data import Dataset

    if right_size is None and left_size is None:
        raise ValueError(
            "At least one of the `left_size` or `right_size` must be specified. Received: "
            "left_size=None and right_size=None")
    batch_size = None
    if isinstance(dataset, Dataset):
        # As Keras: a dataset whose last step is batch() is split by samples and rebatched.
        batch_size = getattr(dataset, "_batch_size", None)
        samples = list(dataset.unbatch() if batch_size else dataset)
    elif isinstance(dataset, np.ndarray):
        samples = list(dataset)
    elif isinstance(dataset, (list, tuple)):
        if not dataset:
            raise ValueError("split_dataset: received an empty list/tuple; pass arrays of samples.")
        for i, array in enumerate(dataset):
            if not isinstance(array, np.ndarray):
                raise ValueError(f"Expected a list/tuple of `numpy.ndarray` objects, received {type(array)} at index {i}.")
            if len(array) != len(dataset[0]):
                raise ValueError(
                    f"Received arrays of different lengths: {len(dataset[0])} at index 0 and "
                    f"{len(array)} at index {i}. Please provide arrays of the same length.")
        samples = list(zip(*dataset))
    else:
        raise TypeError(
            "The `dataset` argument must be either a gradiente.data.Dataset, an array or a "
            f"list/tuple of arrays. Received: dataset of type {type(dataset).__name__}")
    if not samples:
        raise ValueError("Received an empty dataset: there is nothing to split.")
    if shuffle:
        if seed is None:
            seed = int(backend.rng().integers(1_000_000))
        random.Random(seed).shuffle(samples)
    left, right = _split_sizes(left_size, right_size, len(samples))
    out = []
    for part in (samples[:left], samples[-right:]):
        first = part[0]
        if isinstance(first, tuple):
            arrays = tuple(_stack(column) for column in zip(*part))
        elif isinstance(first, dict):
            arrays = {k: _stack([s[k] for s in part]) for k in first}
        else:
            arrays = _stack(part)
        split = Dataset.from_tensor_slices(arrays)
        out.append(split.batch(batch_size) if batch_size else split)
    return tuple(out)


def _stack(samples):
    shapes = {np.shape(sample) for sample in samples}
    if len(shapes) > 1:
        raise ValueError(f"All `dataset` samples must have the same shape; found shapes {sorted(shapes)}.")
    return np.stack(samples)


def _split_sizes(left, right, total):
    for name, size in (("left_size", left), ("right_size", right)):
        if size is not None and type(size) not in (int, float):
            raise TypeError(f"Invalid `{name}` Type. Expected: int or float or None, Received: type({name})={type(size)}.")
    if left == 0 and right == 0:
        raise ValueError("Both `left_size` and `right_size` are zero. At least one of the split sizes must be non-zero.")
    for name, size in (("left_size", left), ("right_size", right)):
        if (type(size) is int and not 0 < size < total) or (type(size) is float and not 0 < size < 1):
            raise ValueError(
                f"`{name}` should be either a positive integer smaller than {total}, or a float "
                f"within the range `[0, 1]`. Received: {name}={size}")
    if type(left) is float and type(right) is float and left + right > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must be less than or equal to 1.")
    left = round(left * total) if type(left) is float else left
    right = round(right * total) if type(right) is float else right
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(
            f"The sum of `left_size` and `right_size` should be smaller than the {total}. "
            f"Received: left_size + right_size = {left + right} and total_length = {total}")
    for size, side in ((left, "left"), (right, "right")):
        if size == 0:
            raise ValueError(
                f"With `dataset` of length={total}, `left_size`={left} and `right_size`={right}. "
                f"Resulting {side} side dataset split will be empty. Adjust any of the "
                "aforementioned parameters")
    return int(left), int(right)
