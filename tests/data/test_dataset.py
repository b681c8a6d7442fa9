import gc
import threading
import time

import numpy as np
import pytest

from gradiente.data import AUTOTUNE, Dataset, TensorSpec


def values(ds):
    return [np.asarray(e).tolist() for e in ds]


def test_from_tensor_slices_structures_and_reiteration():
    x = np.arange(12).reshape(6, 2)
    ds = Dataset.from_tensor_slices((x, {"a": np.arange(6.0), "s": ["p", "q", "r", "s", "t", "u"]}))
    elements = list(ds)
    assert len(elements) == 6 and len(ds) == 6 and int(ds.cardinality()) == 6
    first = elements[0]
    assert isinstance(first, tuple) and isinstance(first[1], dict)
    np.testing.assert_array_equal(first[0], [0, 1])
    assert first[1]["a"] == 0.0 and first[1]["s"] == "p"
    # A second pass starts from the beginning again.
    assert [e[0].tolist() for e in ds] == [e[0].tolist() for e in elements]
    assert ds.cardinality().numpy() == 6


def test_from_tensor_slices_errors():
    with pytest.raises(ValueError, match="same number of rows"):
        Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))
    with pytest.raises(ValueError, match="scalar"):
        Dataset.from_tensor_slices(np.float32(1))
    with pytest.raises(ValueError, match="could not make one array"):
        Dataset.from_tensor_slices([[1, 2], [3]])


def test_map_unpacks_tuples_and_passes_dicts_whole():
    ds = Dataset.from_tensor_slices((np.arange(4), np.arange(4) * 10))
    assert values(ds.map(lambda a, b: a + b)) == [0, 11, 22, 33]
    pairs = ds.map(lambda a, b: [b, a])  # a returned list is a tuple, as in tf.data
    assert [tuple(map(int, e)) for e in pairs] == [(0, 0), (10, 1), (20, 2), (30, 3)]
    d = Dataset.from_tensor_slices({"u": np.arange(3)})
    assert values(d.map(lambda e: e["u"] * 2)) == [0, 2, 4]


def test_parallel_map_keeps_order_and_overlaps():
    def slow(i):
        time.sleep(0.02)
        return i * i

    ds = Dataset.range(16).map(slow, num_parallel_calls=4)
    start = time.perf_counter()
    assert values(ds) == [i * i for i in range(16)]
    assert time.perf_counter() - start < 16 * 0.02 * 0.75  # sequential would take 0.32 s
    assert values(Dataset.range(5).map(lambda i: -i, num_parallel_calls=AUTOTUNE)) == [0, -1, -2, -3, -4]


def test_batch_and_unbatch():
    ds = Dataset.from_tensor_slices((np.arange(7), np.arange(7) * 2.0))
    batches = list(ds.batch(3))
    assert [b[0].tolist() for b in batches] == [[0, 1, 2], [3, 4, 5], [6]]
    assert batches[0][1].dtype == np.float64
    assert len(ds.batch(3)) == 3 and len(ds.batch(3, drop_remainder=True)) == 2
    assert [b[0].tolist() for b in ds.batch(3, drop_remainder=True)] == [[0, 1, 2], [3, 4, 5]]
    assert ds.batch(3).element_spec == (TensorSpec((None,), "int64"), TensorSpec((None,), "float64"))
    assert ds.batch(3, drop_remainder=True).element_spec[0].shape == (3,)
    assert values(ds.batch(3).unbatch().map(lambda a, b: a)) == list(range(7))
    assert int(ds.batch(3).unbatch().cardinality()) == -2
    with pytest.raises(TypeError, match="length is unknown"):
        len(ds.batch(3).unbatch())
    ragged = Dataset.from_tensor_slices(np.arange(4)).map(lambda i: np.zeros(int(i) + 1))
    with pytest.raises(ValueError, match="different shapes in component 0"):
        list(ragged.batch(2))
    with pytest.raises(ValueError, match="batch_size"):
        ds.batch(0)


def test_shuffle_is_a_buffer_not_a_permutation():
    n = 100
    ds = Dataset.range(n)
    assert values(ds.shuffle(1, seed=3)) == list(range(n))  # buffer of one: no change
    for seed in range(20):
        order = values(ds.shuffle(5, seed=seed))
        assert sorted(order) == list(range(n))
        # Output i comes from a buffer holding inputs up to i + 4, so it never runs ahead.
        assert all(v <= i + 4 for i, v in enumerate(order))
        assert order[0] < 5
    full = values(ds.shuffle(1000, seed=0))
    assert sorted(full) == list(range(n)) and full != list(range(n))


def test_shuffle_seed_and_reshuffle_each_iteration():
    ds = Dataset.range(50).shuffle(50, seed=7)
    first, second = values(ds), values(ds)
    assert first != second  # reshuffled per pass
    assert values(Dataset.range(50).shuffle(50, seed=7)) == first  # but reproducible
    fixed = Dataset.range(50).shuffle(50, seed=7, reshuffle_each_iteration=False)
    assert values(fixed) == values(fixed)
    repeated = values(Dataset.range(10).shuffle(10, seed=1).repeat(2))
    assert sorted(repeated[:10]) == sorted(repeated[10:]) == list(range(10))
    assert repeated[:10] != repeated[10:]


def test_take_skip_repeat_filter_cardinalities():
    ds = Dataset.range(10)
    assert values(ds.take(3)) == [0, 1, 2] and len(ds.take(3)) == 3 and len(ds.take(30)) == 10
    assert values(ds.skip(8)) == [8, 9] and len(ds.skip(8)) == 2 and len(ds.skip(30)) == 0
    assert values(ds.take(-1)) == list(range(10)) and values(ds.skip(-1)) == []
    assert values(ds.repeat(2)) == list(range(10)) * 2 and len(ds.repeat(2)) == 20
    forever = ds.repeat()
    assert int(forever.cardinality()) == -1 and values(forever.take(12)) == list(range(10)) + [0, 1]
    assert len(forever.take(25)) == 25
    with pytest.raises(TypeError, match="infinite"):
        len(forever)
    assert values(ds.filter(lambda v: v % 3 == 0)) == [0, 3, 6, 9]
    assert int(ds.filter(lambda v: v > 2).cardinality()) == -2
    assert values(Dataset.range(0).repeat()) == []  # no endless loop over nothing
    with pytest.raises(TypeError, match="scalar boolean"):
        list(ds.filter(lambda v: v))


def test_zip_concatenate_shard():
    a, b = Dataset.range(3), Dataset.range(10, 15)
    assert [tuple(map(int, e)) for e in Dataset.zip(a, b)] == [(0, 10), (1, 11), (2, 12)]
    assert len(Dataset.zip((a, b))) == 3
    zipped = list(Dataset.zip({"x": a, "y": b}))
    assert int(zipped[1]["x"]) == 1 and int(zipped[1]["y"]) == 11
    assert values(a.concatenate(b)) == [0, 1, 2, 10, 11, 12, 13, 14] and len(a.concatenate(b)) == 8
    with pytest.raises(TypeError, match="differ in structure"):
        list(a.concatenate(Dataset.zip(a, b)))
    assert values(Dataset.range(10).shard(3, 1)) == [1, 4, 7] and len(Dataset.range(10).shard(3, 1)) == 3
    with pytest.raises(TypeError, match="must be a Dataset"):
        Dataset.zip(a, [1, 2])


def test_cache_reads_the_source_once():
    calls = []

    def record(i):
        calls.append(int(i))
        return i

    ds = Dataset.range(4).map(record).cache()
    assert values(ds.take(2)) == [0, 1]  # an interrupted pass caches nothing
    assert values(ds) == [0, 1, 2, 3] and values(ds) == [0, 1, 2, 3]
    assert calls == [0, 1, 0, 1, 2, 3]
    with pytest.raises(NotImplementedError, match="in-memory"):
        ds.cache("/tmp/somewhere")


def _prefetch_threads():
    return [t for t in threading.enumerate() if t.name == "gradiente-prefetch"]


def test_prefetch_overlaps_work_and_gives_the_same_elements():
    def slow(i):
        time.sleep(0.01)
        return i

    ds = Dataset.range(20).map(slow).prefetch(4)
    assert values(ds) == list(range(20))
    start = time.perf_counter()
    for _ in ds:
        time.sleep(0.01)  # the consumer's own work, overlapped with the producer's
    assert time.perf_counter() - start < 20 * 0.02 * 0.8
    assert not _prefetch_threads()


def test_prefetch_thread_stops_when_iteration_stops_early():
    before = len(_prefetch_threads())
    ds = Dataset.range(10 ** 9).prefetch(2)
    for i, _ in enumerate(ds):
        if i == 3:
            break
    gc.collect()
    deadline = time.monotonic() + 5
    while len(_prefetch_threads()) > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(_prefetch_threads()) == before
    iterator = iter(Dataset.range(10 ** 9).prefetch(AUTOTUNE).prefetch(1))
    next(iterator)
    iterator.close()  # both the outer and the inner producer stop
    deadline = time.monotonic() + 5
    while len(_prefetch_threads()) > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(_prefetch_threads()) == before


def test_prefetch_reraises_the_producers_exception():
    def explode(i):
        if i == 3:
            raise RuntimeError("bad element 3")
        return i

    seen = []
    with pytest.raises(RuntimeError, match="bad element 3"):
        for v in Dataset.range(10).map(explode).prefetch(2):
            seen.append(int(v))
    assert seen == [0, 1, 2]
    with pytest.raises(RuntimeError, match="bad element 3"):
        list(Dataset.range(10).map(explode, num_parallel_calls=3))


def test_argument_errors_are_clear():
    ds = Dataset.range(3)
    with pytest.raises(ValueError, match="buffer_size"):
        ds.shuffle(0)
    with pytest.raises(ValueError, match="count"):
        ds.take(-2)
    with pytest.raises(TypeError, match="callable"):
        ds.map(3)
    with pytest.raises(ValueError, match="num_parallel_calls"):
        ds.map(abs, num_parallel_calls=0)
    with pytest.raises(ValueError, match="empty"):
        Dataset.range(0).element_spec


def test_from_generator_is_called_again_each_pass_and_checks_its_signature():
    def gen(n):
        for i in range(n):
            yield np.arange(i + 1), i % 2

    ds = Dataset.from_generator(gen, args=(3,), output_signature=(TensorSpec((None,), "float32"),
                                                                   TensorSpec((), "int32")))
    first = list(ds)
    assert [e[0].tolist() for e in first] == [[0.0], [0.0, 1.0], [0.0, 1.0, 2.0]]
    assert first[0][0].dtype == np.float32 and first[1][1].dtype == np.int32
    assert len(list(ds)) == 3 and int(ds.cardinality()) == -2  # a fresh generator per pass
    typed = Dataset.from_generator(gen, output_types=("int64", "int64"), args=(2,))
    assert [int(b) for _, b in typed] == [0, 1]
    wrong = Dataset.from_generator(gen, args=(2,), output_signature=(TensorSpec((1,), "float32"),
                                                                      TensorSpec((), "int32")))
    with pytest.raises(ValueError, match=r"element 1 has a component of shape \(2,\).*\(1,\)"):
        list(wrong)
    with pytest.raises(TypeError, match="does not match the structure"):
        list(Dataset.from_generator(gen, args=(1,), output_signature=TensorSpec((None,), "float32")))
    with pytest.raises(TypeError, match="callable"):
        Dataset.from_generator(gen(3))


def test_padded_batch_against_a_loop():
    rng = np.random.default_rng(0)
    seqs = [rng.integers(1, 9, rng.integers(1, 6)) for _ in range(7)]
    words = ["a", "bb", "ccc", "d", "ee", "f", "g"]
    ds = Dataset.from_generator(lambda: iter([(s, w) for s, w in zip(seqs, words)]))
    batches = list(ds.padded_batch(3, padding_values=(-1, "<pad>")))
    assert [len(b[0]) for b in batches] == [3, 3, 1]
    for b, start in zip(batches, (0, 3, 6)):
        group = seqs[start:start + 3]
        width = max(len(s) for s in group)
        want = [list(s) + [-1] * (width - len(s)) for s in group]
        assert b[0].tolist() == want
        assert b[1].tolist() == words[start:start + 3]  # scalars: nothing to pad
    fixed = list(Dataset.from_generator(lambda: iter(seqs)).padded_batch(4, padded_shapes=(6,), drop_remainder=True))
    assert len(fixed) == 1 and fixed[0].shape == (4, 6) and fixed[0][0].tolist() == list(seqs[0]) + [0] * (6 - len(seqs[0]))
    with pytest.raises(ValueError, match=r"do not fit padded shape \(2,\)"):
        list(Dataset.from_generator(lambda: iter(seqs)).padded_batch(2, padded_shapes=[2]))
    with pytest.raises(TypeError, match="must follow the elements' structure"):
        list(ds.padded_batch(2, padded_shapes={"x": [None]}))
    assert len(Dataset.range(7).padded_batch(3)) == 3


def test_python_strings_in_object_arrays_become_a_string_leaf():
    # A pandas text column converts to an object array of str; tf.data makes it a string tensor.
    column = np.array(["fixed", "normal", "reversible"], dtype=object)
    ds = Dataset.from_tensor_slices(({"thal": column, "age": np.arange(3)}, np.arange(3))).batch(2)
    x, _ = next(iter(ds))
    assert x["thal"].dtype.kind == "U" and x["thal"].tolist() == ["fixed", "normal"]
    with pytest.raises(TypeError, match="dtype would be object"):
        Dataset.from_tensor_slices(np.array(["a", 1], dtype=object))
