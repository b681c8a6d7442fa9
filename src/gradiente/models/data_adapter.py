"""Data for fit / evaluate / predict: arrays (NumPy, pandas, lists and dicts of them),
Python generators and PyDataset-style sequences, served as (x, y, sample_weight) batches.

Arrays are checked once (equal lengths, not empty, NaN warned about) and cast to the model's
float dtype once, not per batch; each epoch shuffles by one permutation.
"""
import itertools
import math
import sys
import warnings

import numpy as np

from gradiente import backend
from gradiente.autodiff.tensor import Tensor
from gradiente.replica_context import shard_bounds


# What the array's numbers mean to a model: booleans, integers and reals. Strings reach only
# a model whose inputs declare them (string-processing layers).
_NUMERIC_KINDS = "biuf"


def _to_array(value, what, strings=False):
    if isinstance(value, Tensor):
        arr = value.data
    elif hasattr(value, "to_numpy"):  # pandas DataFrame / Series
        arr = value.to_numpy()
    else:
        try:
            arr = np.asarray(value)
        except ValueError as err:  # ragged nested lists
            raise ValueError(f"`{what}` could not be converted to an array: {err}") from None
    kind = arr.dtype.kind
    if kind in _NUMERIC_KINDS or (strings and kind in "USO"):
        return arr
    meaning = {"c": "complex numbers", "U": "strings", "S": "byte strings", "O": "Python objects",
               "M": "dates", "m": "time spans"}.get(kind, "non-numeric values")
    hint = (" Turn strings into numbers first (e.g. a vocabulary lookup or one-hot encoding)."
            if kind in "USO" else " Use real numbers (e.g. np.abs or np.real).")
    raise TypeError(
        f"`{what}` holds {meaning} (dtype {arr.dtype}), but a model takes booleans, integers "
        f"or real floats.{hint}"
    )


def structure(value, what, strings=False):
    """Arrays as a flat list, plus how to hand them to the model (single, list or dict)."""
    if value is None:
        return None, None
    if isinstance(value, dict):
        keys = list(value)
        return [_to_array(value[k], f"{what}[{k!r}]", strings) for k in keys], ("dict", keys)
    if isinstance(value, (list, tuple)) and value and all(
            isinstance(v, (np.ndarray, Tensor)) or hasattr(v, "to_numpy") for v in value):
        return [_to_array(v, f"{what}[{i}]", strings) for i, v in enumerate(value)], ("list", len(value))
    return [_to_array(value, what, strings)], ("single", None)


def accepts_strings(model):
    """Whether the model declares a string input (``keras.Input(..., dtype="string")``)."""
    for t in getattr(model, "inputs", None) or ():
        dtype = getattr(t, "dtype", None)
        kind = getattr(dtype, "kind", None)  # a NumPy dtype; str() of one is slow
        if (kind in ("U", "S", "O")) if kind is not None else dtype in ("string", "str", "object"):
            return True
    # An unbuilt Sequential builds from the first batch: strings may reach a first layer
    # that takes them (TextVectorization, StringLookup, Hashing).
    layers = [] if getattr(model, "inputs", None) else getattr(model, "layers", None) or []
    return bool(layers) and getattr(layers[0], "accepts_strings", False)


def pack(arrays, layout):
    kind, info = layout
    if kind == "single":
        return arrays[0]
    if kind == "list":
        return list(arrays)
    return dict(zip(info, arrays))


_NAN_CONSEQUENCE = {
    "training": "the loss will become NaN. Clean or impute them before training.",
    "validation": "the validation loss will be NaN. Clean or impute them.",
    "evaluation": "the loss will be NaN. Clean or impute them before evaluating.",
    "prediction": "the predictions for those samples will be NaN.",
}


class ArrayData:
    """In-memory arrays served as batches; shuffled by a permutation once per epoch."""

    # (index, count) under data parallelism: serve process ``index``'s rows of each batch.
    shard = None

    def __init__(self, model, x, y=None, sample_weight=None, batch_size=32, name="x",
                 purpose="training"):
        self.purpose = purpose
        self.xs, self.x_layout = structure(x, name, accepts_strings(model))
        if self.xs is None:
            raise ValueError(f"No input data: `{name}` is None.")
        self.ys, self.y_layout = structure(y, "y")
        self.sw = None if sample_weight is None else _to_array(sample_weight, "sample_weight")
        self._check_cardinality()
        self.n = len(self.xs[0])
        if self.n == 0:
            raise ValueError("The dataset is empty: x has 0 samples, so there is nothing to train on.")
        self.batch_size = batch_size
        # A layer's NumPy dtype as it is: its ``dtype`` name costs microseconds per predict().
        dtype = getattr(model, "_dtype", None) or backend.standardize_dtype(getattr(model, "dtype", None))
        # Cast float data once, not once per batch.
        self.xs = [a.astype(dtype) if a.dtype.kind == "f" and a.dtype != dtype else a for a in self.xs]
        if self.ys is not None:
            self.ys = [a.astype(dtype) if a.dtype.kind == "f" and a.dtype != dtype else a for a in self.ys]
        self._warn_nan()

    def align_targets(self, names):
        """Order dict targets as the model's outputs (``names``), once; an output missing
        from the dict gets None (allowed for outputs without a loss)."""
        if self.ys is None or self.y_layout[0] != "dict" or not names:
            return
        self.ys = _align(self.ys, self.y_layout[1], names)
        self.y_layout = ("dict", list(names))

    def pack_targets(self, yb):
        """A batch's targets in the structure the user gave (array, list, or dict)."""
        return None if yb is None else pack(yb, self.y_layout)

    def _check_cardinality(self):
        sizes = {"x": [len(a) for a in self.xs]}
        if self.ys is not None:
            sizes["y"] = [len(a) for a in self.ys if a is not None]
        if self.sw is not None:
            sizes["sample_weight"] = [len(self.sw)]
        if len({n for ns in sizes.values() for n in ns}) > 1:
            detail = "\n".join(f"  {k} sizes: {', '.join(map(str, v))}" for k, v in sizes.items())
            raise ValueError(
                f"Data cardinality is ambiguous:\n{detail}\n"
                "Make sure all arrays contain the same number of samples."
            )

    def _warn_nan(self):
        for label, arrays in (("x", self.xs), ("y", [a for a in self.ys or [] if a is not None])):
            for i, a in enumerate(arrays):
                # One pass: NaN and inf survive a sum. A float32 sum that overflows on huge
                # but finite data only costs the exact count below.
                if a.dtype.kind == "f" and a.size and not np.isfinite(np.add.reduce(a, axis=None)):
                    where = label if len(arrays) == 1 else f"{label}[{i}]"
                    bad = int(np.count_nonzero(~np.isfinite(a)))
                    if not bad:
                        continue
                    consequence = _NAN_CONSEQUENCE.get(self.purpose, _NAN_CONSEQUENCE["training"])
                    warnings.warn(
                        f"The {self.purpose} data `{where}` contains {bad} NaN or infinite "
                        f"value(s); {consequence}",
                        UserWarning, stacklevel=4,
                    )

    def split(self, fraction):
        """Split off the last ``fraction`` (before any shuffling) as validation data."""
        split_at = int(math.floor(self.n * (1.0 - fraction)))
        if split_at <= 0 or split_at >= self.n:
            raise ValueError(
                f"Training data contains {self.n} samples, which is not sufficient to split it into "
                f"a validation and training set as specified by `validation_split={fraction}`."
            )
        val = object.__new__(ArrayData)
        val.__dict__.update(self.__dict__)
        val.xs = [a[split_at:] for a in self.xs]
        val.ys = None if self.ys is None else [None if a is None else a[split_at:] for a in self.ys]
        val.sw = None if self.sw is None else self.sw[split_at:]
        val.n = self.n - split_at
        val.purpose = "validation"
        self.xs = [a[:split_at] for a in self.xs]
        self.ys = None if self.ys is None else [None if a is None else a[:split_at] for a in self.ys]
        self.sw = None if self.sw is None else self.sw[:split_at]
        self.n = split_at
        return val

    def steps(self):
        return -(-self.n // self.batch_size)

    def first_batch(self):
        """The first batch (unshuffled), for the checks before training."""
        return next(iter(self.batches(shuffle=False, steps=1)), None)

    def batches(self, shuffle=False, steps=None):
        """Yield (x, y, sample_weight) batches; ``steps`` cycles through the data if needed."""
        order = backend.rng().permutation(self.n) if shuffle else None
        total = self.steps() if steps is None else steps
        b = self.batch_size
        for step in range(total):
            start = (step % self.steps()) * b
            if order is None:
                idx = slice(start, start + b)
            else:
                idx = order[start:start + b]
            if self.shard is not None:
                lo, hi = shard_bounds(min(b, self.n - start), *self.shard)
                idx = slice(start + lo, start + hi) if order is None else idx[lo:hi]
            xb = pack([_rows(a, idx) for a in self.xs], self.x_layout)
            yb = None if self.ys is None else [None if a is None else _rows(a, idx) for a in self.ys]
            swb = None if self.sw is None else _rows(self.sw, idx)
            yield xb, yb, swb


def _rows(array, index):
    """Rows of ``array``: a view for a slice, one gather (np.take, a little faster than
    fancy indexing) for shuffled positions."""
    return array[index] if type(index) is slice else array.take(index, axis=0)


class IterableData:
    """A Python generator/iterator, or a PyDataset-style object (``__len__``, ``__getitem__``)."""

    def __init__(self, source, steps=None):
        self.source = source
        self.is_sequence = hasattr(source, "__getitem__") and hasattr(source, "__len__")
        self.is_dataset = is_dataset(source)
        self._steps = steps
        self._iterator, self._seen = None, 0  # a Dataset's pass that steps_per_epoch continues
        self._pending = []     # a generator's batch that first_batch() read ahead
        self.n = None
        self.names = None      # the model's output names, to order dict targets
        self.y_layout = None   # the structure of the latest batch's targets

    def steps(self):
        if self._steps is not None:
            return self._steps
        if self.is_sequence:
            return len(self.source)
        if self.is_dataset and self.source.cardinality() >= 0:
            return int(self.source.cardinality())
        return None

    def batches(self, shuffle=False, steps=None):
        steps = steps or self.steps()
        if self.is_dataset:
            items = self._dataset_items(steps)
        elif self.is_sequence:
            order = backend.rng().permutation(len(self.source)) if shuffle else np.arange(len(self.source))
            items = (self.source[int(i)] for i in order[:steps])
        else:
            items = self.source
            if self._pending:  # the batch first_batch() took from a one-shot iterator
                items, self._pending = itertools.chain(self._pending, self.source), []
            items = items if steps is None else _take(items, steps)
        for item in items:
            yield self._convert(item)

    def _convert(self, item):
        x, y, sw = _unpack_item(item)
        ys, self.y_layout = structure(y, "y") if y is not None else (None, None)
        if ys is not None and self.y_layout[0] == "dict" and self.names:
            ys = _align(ys, self.y_layout[1], self.names)
            self.y_layout = ("dict", list(self.names))
        return x, ys, sw

    def first_batch(self):
        """The first batch, for the checks and building before training, or None. It is
        never lost, as in Keras: a Dataset or PyDataset is read afresh, and the batch taken
        from a one-shot generator is handed out again first by the next ``batches``."""
        if self.is_dataset:
            item = next(_take(self.source.as_numpy_iterator(), 1), None)
        elif self.is_sequence:
            item = self.source[0] if len(self.source) else None
        else:
            if not self._pending:
                iterator = iter(self.source)
                item = next(iterator, None)
                if item is not None and iterator is self.source:
                    self._pending = [item]
            item = self._pending[0] if self._pending else item
        return None if item is None else self._convert(item)

    def _dataset_items(self, steps):
        """A Dataset's batches. With ``steps_per_epoch`` set, as Keras: each epoch continues
        the previous epoch's pass, and a new pass starts once the dataset is used up (a warning
        if an epoch wanted more). Otherwise (or for a peek) a fresh pass."""
        # Plain arrays (not the ElementArrays a user's loop gets): the step's replay reads them.
        if self._steps is None or steps != self._steps:
            elements = self.source.as_numpy_iterator()
            yield from (elements if steps is None else _take(elements, steps))
            return
        known = int(self.source.cardinality())
        known = known if known >= 0 else None
        if self._iterator is None:
            self._iterator, self._seen = self.source.as_numpy_iterator(), 0
        for _ in range(steps):
            if known is not None and self._seen >= known:
                _warn_ran_out()
                break
            try:
                item = next(self._iterator)
            except StopIteration:
                _warn_ran_out()
                self._iterator = None
                return
            self._seen += 1
            yield item
        if known is not None and self._seen >= known:
            self._iterator = None

    def align_targets(self, names):
        self.names = names

    def pack_targets(self, yb):
        """The latest batch's targets in the structure the source gave."""
        return None if yb is None else pack(yb, self.y_layout)

    def on_epoch_end(self):
        if self.is_sequence and hasattr(self.source, "on_epoch_end"):
            self.source.on_epoch_end()


def _warn_ran_out():
    warnings.warn(
        "Your input ran out of data; interrupting training. Make sure that your dataset or "
        "generator can generate at least `steps_per_epoch * epochs` batches. You may need to "
        "use the `.repeat()` function when building your dataset.", UserWarning, stacklevel=4)


def _take(iterator, n):
    iterator = iter(iterator)
    for _ in range(n):
        try:
            yield next(iterator)
        except StopIteration:
            return


def _unpack_item(item):
    if not isinstance(item, tuple):
        return item, None, None
    if len(item) == 1:
        return item[0], None, None
    if len(item) > 3:
        raise ValueError(
            f"A batch must be x, (x,), (x, y) or (x, y, sample_weight); received a tuple of {len(item)} elements."
        )
    return item[0], item[1], item[2] if len(item) > 2 else None


def _align(ys, keys, names):
    by_key = dict(zip(keys, ys))
    unknown = sorted(set(by_key) - set(names))
    if unknown:
        raise ValueError(
            f"y is a dict with key(s) {unknown} that name no output of the model; its outputs "
            f"are {list(names)}."
        )
    return [by_key.get(n) for n in names]


def is_iterable_source(x):
    return not isinstance(x, (np.ndarray, Tensor, list, tuple, dict)) and not hasattr(x, "to_numpy") and (
        hasattr(x, "__next__") or (hasattr(x, "__getitem__") and hasattr(x, "__len__"))
        or is_dataset(x))


def is_dataset(x):
    """A gradiente.data.Dataset (re-iterable: each epoch is a fresh pass). Looked up in
    sys.modules: without the module imported no Dataset exists, and fit needn't import it."""
    module = sys.modules.get("gradiente.data.dataset")
    return module is not None and isinstance(x, module.Dataset)


def check_verbose(verbose):
    """``"auto"`` (a progress bar), 0 (silent), 1 (a progress bar) or 2 (one line per epoch)."""
    if verbose == "auto":
        return 1
    if isinstance(verbose, bool) or not isinstance(verbose, (int, np.integer)) or verbose not in (0, 1, 2):
        raise ValueError(
            f'`verbose` must be "auto", 0 (silent), 1 (progress bar) or 2 (one line per epoch); '
            f"received verbose={verbose!r}."
        )
    return int(verbose)


def check_validation_split(fraction):
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float, np.integer, np.floating)):
        raise TypeError(
            f"`validation_split` must be a number between 0 and 1 (e.g. 0.2), received "
            f"{type(fraction).__name__}: {fraction!r}."
        )
    if not 0 <= fraction < 1:
        raise ValueError(f"`validation_split` must be in [0, 1), received validation_split={fraction!r}.")
    return float(fraction)


def check_steps(steps, what):
    """``steps`` must be None or a positive integer."""
    if steps is None:
        return None
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps <= 0:
        raise ValueError(f"`{what}` must be a positive integer (or None for the whole data), received {what}={steps!r}.")
    return int(steps)


def make_data(model, x, y, sample_weight, batch_size, steps=None, name="x", purpose="training",
              steps_name="steps"):
    if is_dataset(x):
        _check_dataset_args(x, y, sample_weight, batch_size, steps, purpose, steps_name)
    if batch_size is None:
        batch_size = 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer, received batch_size={batch_size!r}.")
    steps = check_steps(steps, steps_name)
    if is_iterable_source(x):
        if y is not None:
            raise ValueError("When x is a generator or a PyDataset, y must be None: the batches carry the targets.")
        return IterableData(x, steps)
    return ArrayData(model, x, y, sample_weight, int(batch_size), name, purpose)


def _check_dataset_args(dataset, y, sample_weight, batch_size, steps, purpose, steps_name):
    """What Keras refuses with a dataset, plus an endless one without a number of steps
    (Keras would loop forever)."""
    for value, arg, what in ((y, "y", "the targets"), (sample_weight, "sample_weights", "the sample weights")):
        if value is not None:
            raise ValueError(
                f"When providing `x` as a gradiente.data.Dataset, `{arg}` should not be passed. "
                f"Instead, {what} should be included as part of the gradiente.data.Dataset.")
    # fit hands the validation data its training batch size: only the user's own is refused.
    if batch_size is not None and purpose != "validation":
        raise ValueError(
            f"Do not pass `batch_size` (received batch_size={batch_size!r}) when `x` is a "
            "gradiente.data.Dataset: the dataset's own batches are used; set their size with "
            "`dataset.batch(batch_size)`.")
    if steps is None and dataset.cardinality() == -1:
        raise ValueError(
            f"The dataset is infinite (e.g. made with `.repeat()`), so `{steps_name}` must say "
            f"how many batches make one pass; received {steps_name}=None.")


def check_inputs(model, data):
    """Wrong number of inputs for a multi-input model: say so before training."""
    inputs = getattr(model, "inputs", None)
    if not isinstance(data, ArrayData) or not inputs:
        return
    expected = len(inputs)
    given = len(data.xs)
    if expected != given:
        names = getattr(model, "input_names", None) or []
        raise ValueError(
            f"Model '{model.name}' expects {expected} input(s){' (' + ', '.join(names) + ')' if names else ''}, "
            f"but received {given} input array(s). Pass a list of {expected} arrays, or a dict keyed by input name."
        )
