"""``gradiente.data.Dataset``: a re-iterable pipeline of NumPy elements, as ``tf.data.Dataset``.

An element is a NumPy array (or scalar), or a tuple or dict of elements. Each transformation
returns a new Dataset; iterating one (``for``, ``iter``, ``as_numpy_iterator``) starts a fresh
pass over its source. Strings stay ``str`` (``numpy.str_``), where tf.data gives ``bytes``.
"""
import itertools

import numpy as np

from gradiente import backend
from gradiente.data import background, batching, shuffling
from gradiente.data.element_array import converting, plain, yielded
from gradiente.data.spec import Cardinality, TensorSpec, conform, signature_from
from gradiente.data.structure import (
    call_unpacked, describe, flatten, normalize, pack, same_structure, to_leaf,
)

AUTOTUNE = background.AUTOTUNE
INFINITE = -1  # tf.data.INFINITE_CARDINALITY
UNKNOWN = -2   # tf.data.UNKNOWN_CARDINALITY


class Dataset:
    """A pipeline of elements. Build one with ``from_tensor_slices`` (or ``range``), the
    ``keras.utils.*_dataset_from_*`` functions, or transformations of another Dataset."""

    def __init__(self, make_iterator, cardinality, varying_first_axis=False):
        self._make_iterator = make_iterator
        self._cardinality = int(cardinality)
        # batch() without drop_remainder: the last batch may be shorter (element_spec says None).
        self._varying_first_axis = varying_first_axis

    # --- sources ---------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """One element per row of ``tensors`` (an array, a list, or a tuple/dict of them):
        arrays ``(n, ...)`` give ``n`` elements of shape ``(...)``."""
        if isinstance(tensors, list) and not tensors:
            raise ValueError("Dataset.from_tensor_slices: received an empty list, which has no rows to slice.")
        template = normalize(tensors, "Dataset.from_tensor_slices")
        leaves = flatten(template)
        if not leaves:
            raise ValueError("Dataset.from_tensor_slices: received an empty structure (no arrays).")
        for leaf in leaves:
            if np.ndim(leaf) == 0:
                raise ValueError(
                    f"Dataset.from_tensor_slices: every component needs at least one axis to slice "
                    f"along; received a scalar in {describe(template)}.")
        lengths = {len(leaf) for leaf in leaves}
        if len(lengths) > 1:
            raise ValueError(
                f"Dataset.from_tensor_slices: all components must have the same number of rows "
                f"(first dimension); received {describe(template)}.")
        n = lengths.pop()

        def rows():
            for i in range(n):
                yield pack(template, (leaf[i] for leaf in leaves))

        return Dataset(rows, n)

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset of one element: ``tensors`` itself."""
        element = normalize(tensors, "Dataset.from_tensors")
        return Dataset(lambda: iter((element,)), 1)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None, output_signature=None,
                       name=None):
        """Elements from ``generator(*args)``, called again for every pass. With
        ``output_signature`` (TensorSpecs in the elements' structure), each leaf is cast to its
        spec's dtype and its shape checked (None matches any size)."""
        if not callable(generator):
            raise TypeError(
                f"Dataset.from_generator: `generator` must be a callable returning an iterator (e.g. "
                f"the generator function itself, not a generator object); received {type(generator).__name__}.")
        if output_signature is None and output_types is not None:
            output_signature = signature_from(output_types, output_shapes)
        call_args = tuple(args or ())

        def generated():
            for i, element in enumerate(generator(*call_args)):
                if isinstance(element, list):
                    element = tuple(element)
                element = normalize(element, f"Dataset.from_generator: element {i}")
                yield element if output_signature is None else conform(element, output_signature, i)

        return Dataset(generated, UNKNOWN)

    @staticmethod
    def range(*args, dtype="int64", name=None):
        """Integers as Python's ``range(start, stop, step)``, as scalars of ``dtype``."""
        numbers = range(*args)
        kind = np.dtype(dtype).type
        return Dataset(lambda: (kind(i) for i in numbers), len(numbers))

    @staticmethod
    def zip(*args, datasets=None, name=None):
        """Elements of several datasets side by side, as a tuple (or dict), until the shortest
        ends. ``Dataset.zip(a, b)`` or ``Dataset.zip((a, b))`` or ``Dataset.zip({"x": a})``."""
        if datasets is None:
            if not args:
                raise TypeError("Dataset.zip: pass the datasets to zip, e.g. Dataset.zip(a, b).")
            datasets = args[0] if len(args) == 1 else args
        elif args:
            raise TypeError("Dataset.zip: pass the datasets positionally or as `datasets=`, not both.")
        members = flatten(datasets) if isinstance(datasets, (tuple, dict)) else [datasets]
        for member in members:
            if not isinstance(member, Dataset):
                raise TypeError(
                    f"Dataset.zip: every member must be a Dataset; received {type(member).__name__}.")

        def zipped():
            for parts in zip(*(m._elements() for m in members)):
                yield pack(datasets, iter(parts))

        counts = [m._cardinality for m in members]
        return Dataset(zipped, _combine_min(counts),
                       any(m._varying_first_axis for m in members))

    # --- transformations ------------------------------------------------------------------
    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Apply ``map_func`` to each element; a tuple element's parts are passed as separate
        arguments. ``num_parallel_calls`` (an int or AUTOTUNE) runs it in that many threads,
        keeping the order."""
        if not callable(map_func):
            raise TypeError(f"Dataset.map: `map_func` must be callable; received {type(map_func).__name__}.")
        workers = _parallelism(num_parallel_calls, "map")

        def apply(*parts):
            result = map_func(*parts)
            if isinstance(result, list):  # tf.data reads a returned list as a tuple
                result = tuple(result)
            return normalize(result, f"the result of {_name_of(map_func)}")

        if workers is None:
            def mapped():
                for element in self._elements():
                    yield call_unpacked(apply, element)
        else:
            def mapped():
                return background.mapped_in_parallel(self._elements(), apply, workers)
        return self._derived(mapped, self._cardinality)

    def filter(self, predicate, name=None):
        """Keep the elements for which ``predicate`` (called as in ``map``) is True."""
        if not callable(predicate):
            raise TypeError(f"Dataset.filter: `predicate` must be callable; received {type(predicate).__name__}.")

        def kept():
            for element in self._elements():
                verdict = to_leaf(call_unpacked(predicate, element), f"the result of {_name_of(predicate)}")
                if np.shape(verdict) != () or np.asarray(verdict).dtype != bool:
                    raise TypeError(
                        f"Dataset.filter: {_name_of(predicate)} must return a scalar boolean; it "
                        f"returned {describe(verdict)}.")
                if verdict:
                    yield element

        return self._derived(kept, UNKNOWN if self._cardinality != 0 else 0)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None,
              name=None):
        """Stack ``batch_size`` consecutive elements into one (leaves get a leading axis); the
        last batch may be smaller unless ``drop_remainder``."""
        size = _positive_int(batch_size, "batch", "batch_size")
        n = self._cardinality
        if n < 0:
            count = n
        else:
            count = n // size if drop_remainder else -(-n // size)
        out = self._derived(lambda: batching.batched(self._elements(), size, drop_remainder), count,
                            varying_first_axis=not drop_remainder)
        out._batch_size = size  # what split_dataset rebatches with, as tf's BatchDataset
        return out

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None, drop_remainder=False,
                     name=None):
        """As ``batch``, for elements whose leaves differ in size: each leaf is padded at the end
        of each axis to ``padded_shapes`` (None or -1: the batch's largest; default all None)
        with ``padding_values`` (default 0, or "" for strings)."""
        size = _positive_int(batch_size, "padded_batch", "batch_size", allow_autotune=False)
        n = self._cardinality
        count = n if n < 0 else (n // size if drop_remainder else -(-n // size))
        return self._derived(
            lambda: batching.padded_batched(self._elements(), size, drop_remainder, padded_shapes, padding_values),
            count, varying_first_axis=not drop_remainder)

    def unbatch(self, name=None):
        """Split each element along its first axis into separate elements."""
        return self._derived(lambda: batching.unbatched(self._elements()), UNKNOWN if self._cardinality != 0 else 0,
                             varying_first_axis=False)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True, name=None):
        """Randomize the order with a buffer of ``buffer_size`` elements: each output is drawn
        from the buffer, which the next input refills. A full permutation only when
        ``buffer_size`` >= the number of elements."""
        size = _positive_int(buffer_size, "shuffle", "buffer_size", allow_autotune=False)
        seeds = shuffling.seed_stream(seed, reshuffle_each_iteration, backend.rng())
        return self._derived(lambda: shuffling.shuffled(self._elements(), size, next(seeds)), self._cardinality)

    def take(self, count, name=None):
        """The first ``count`` elements (all of them for ``count=-1``)."""
        count = _count(count, "take")
        if count == -1:
            return self._derived(self._make_iterator, self._cardinality)
        n = self._cardinality
        known = count if n == INFINITE else (min(n, count) if n >= 0 else UNKNOWN)
        return self._derived(lambda: itertools.islice(self._elements(), count), known)

    def skip(self, count, name=None):
        """All but the first ``count`` elements (none for ``count=-1``)."""
        count = _count(count, "skip")
        n = self._cardinality
        if count == -1:
            return self._derived(lambda: iter(()), 0 if n != INFINITE else INFINITE)
        known = n if n < 0 else max(n - count, 0)
        return self._derived(lambda: itertools.islice(self._elements(), count, None), known)

    def repeat(self, count=None, name=None):
        """The elements ``count`` times over (forever for None or -1); each pass is a fresh
        pass over the source, so a shuffle upstream reshuffles."""
        if count is None:
            count = -1
        count = _count(count, "repeat")
        n = self._cardinality

        def repeated():
            passes = itertools.count() if count == -1 else range(count)
            for _ in passes:
                produced = False
                for element in self._elements():
                    produced = True
                    yield element
                if not produced:  # an empty source repeated forever is still empty
                    return

        if n == 0 or count == 0:
            known = 0
        elif count == -1:
            known = INFINITE
        else:
            known = n * count if n >= 0 else n
        return self._derived(repeated, known)

    def concatenate(self, dataset, name=None):
        """This dataset's elements, then ``dataset``'s (same structure)."""
        if not isinstance(dataset, Dataset):
            raise TypeError(f"Dataset.concatenate: expected a Dataset; received {type(dataset).__name__}.")

        def chained():
            first = None
            for element in self._elements():
                first = element if first is None else first
                yield element
            for element in dataset._elements():
                if first is not None and not same_structure(first, element):
                    raise TypeError(
                        f"Dataset.concatenate: the two datasets' elements differ in structure: "
                        f"{describe(first)} and {describe(element)}.")
                first = None  # checked once
                yield element

        a, b = self._cardinality, dataset._cardinality
        if INFINITE in (a, b):
            known = INFINITE
        elif UNKNOWN in (a, b):
            known = UNKNOWN
        else:
            known = a + b
        return Dataset(chained, known, self._varying_first_axis or dataset._varying_first_axis)

    def cache(self, filename="", name=None):
        """Keep the elements in memory after the first complete pass; later passes read them
        from there (an interrupted first pass caches nothing)."""
        if filename:
            raise NotImplementedError(
                f"Dataset.cache: only the in-memory cache (filename='') is supported; received "
                f"filename={filename!r}.")
        store = []

        def cached():
            if store:
                yield from store[0]
                return
            elements = []
            for element in self._elements():
                elements.append(element)
                yield element
            if not store:
                store.append(elements)

        return self._derived(cached, self._cardinality)

    def prefetch(self, buffer_size, name=None):
        """Prepare up to ``buffer_size`` elements ahead in a background thread (AUTOTUNE picks
        a small number), so producing them overlaps their use."""
        size = background.autotuned_size(_positive_int(buffer_size, "prefetch", "buffer_size"))
        return self._derived(lambda: background.prefetched(self._make_iterator, size), self._cardinality)

    def shard(self, num_shards, index, name=None):
        """Every ``num_shards``-th element, starting at ``index``."""
        num_shards = _positive_int(num_shards, "shard", "num_shards", allow_autotune=False)
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < num_shards:
            raise ValueError(f"Dataset.shard: `index` must be in [0, {num_shards}); received index={index!r}.")
        n = self._cardinality
        known = n if n < 0 else len(range(index, n, num_shards))
        return self._derived(lambda: itertools.islice(self._elements(), index, None, num_shards), known)

    def apply(self, transformation_func):
        """``transformation_func(self)``, for chaining a function that builds on a Dataset."""
        return transformation_func(self)

    # --- reading --------------------------------------------------------------------------
    def __iter__(self):  # arrays that answer .numpy(), as tf.data's tensors (element_array.py)
        return converting(self._make_iterator(), yielded)

    def _elements(self):  # plain arrays, for the transformations built on this dataset
        return iter(self._make_iterator())

    def as_numpy_iterator(self):
        """An iterator over the elements as plain NumPy arrays."""
        return converting(self._make_iterator(), plain)

    def cardinality(self):
        """The number of elements, or ``INFINITE`` (-1) / ``UNKNOWN`` (-2)."""
        return Cardinality(self._cardinality)

    def __len__(self):
        if self._cardinality == INFINITE:
            raise TypeError("The dataset is infinite.")
        if self._cardinality == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return self._cardinality

    def __bool__(self):  # __len__ may raise: a dataset is always truthy, as tf.data's
        return True

    @property
    def element_spec(self):
        """The structure of an element as TensorSpecs, read from the first element."""
        first = next(self._elements(), None)
        if first is None:
            raise ValueError("Dataset.element_spec: the dataset is empty, so it has no element to describe.")
        varying = self._varying_first_axis

        def spec(leaf):
            shape = np.shape(leaf)
            if varying and shape:
                shape = (None,) + shape[1:]
            return TensorSpec(shape, np.asarray(leaf).dtype)

        return pack(first, iter([spec(leaf) for leaf in flatten(first)]))

    def __repr__(self):
        n = self._cardinality
        size = {INFINITE: "infinite", UNKNOWN: "unknown"}.get(n, str(n))
        return f"<{type(self).__name__} cardinality={size}>"

    def _derived(self, make_iterator, cardinality, varying_first_axis=None):
        """A dataset built on this one, keeping what transformations do not change (tf.data
        drops ``class_names`` at the first transformation; we keep it)."""
        varying = self._varying_first_axis if varying_first_axis is None else varying_first_axis
        out = Dataset(make_iterator, cardinality, varying)
        if hasattr(self, "class_names"):
            out.class_names = self.class_names
        return out


def _combine_min(counts):
    finite = [c for c in counts if c >= 0]
    if finite:
        return min(finite) if UNKNOWN not in counts else (0 if min(finite) == 0 else UNKNOWN)
    return UNKNOWN if UNKNOWN in counts else INFINITE


def _name_of(fn):
    return f"the function {getattr(fn, '__name__', type(fn).__name__)!s}"


def _positive_int(value, method, arg, allow_autotune=True):
    if allow_autotune and value == AUTOTUNE and not isinstance(value, bool):
        return AUTOTUNE
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"Dataset.{method}: `{arg}` must be a positive integer; received {arg}={value!r}.")
    return int(value)


def _count(value, method):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < -1:
        raise ValueError(
            f"Dataset.{method}: `count` must be an integer >= 0, or -1 for all; received count={value!r}.")
    return int(value)


def _parallelism(value, method):
    if value is None:
        return None
    if value == AUTOTUNE and not isinstance(value, bool):
        return background.autotuned_size(AUTOTUNE)
    return _positive_int(value, method, "num_parallel_calls", allow_autotune=False)
