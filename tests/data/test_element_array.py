"""Iterating a Dataset gives arrays that answer ``.numpy()`` as tf.data's tensors do (keras-io's
tutorials print ``text_batch.numpy()[i]`` and plot ``x[0][:, 1].numpy()``); as_numpy_iterator
gives plain arrays."""
import pickle

import numpy as np

from gradiente.data import Dataset


def _batches():
    x = np.arange(24, dtype="float32").reshape(6, 2, 2)
    text = np.array(["a b", "c", "d e f", "g", "h", "i j"])
    return Dataset.from_tensor_slices((x, text, np.arange(6))).batch(4), x, text


def test_iterated_batches_answer_numpy_with_plain_arrays():
    ds, x, text = _batches()
    xb, tb, yb = next(iter(ds))
    assert type(xb.numpy()) is np.ndarray and type(tb.numpy()) is np.ndarray
    np.testing.assert_array_equal(xb.numpy(), x[:4])
    assert tb.numpy()[2] == "d e f"
    # Indexing keeps .numpy(), as a tensor's slice is a tensor (x[0][:, 1].numpy()).
    np.testing.assert_array_equal(xb[0][:, 1].numpy(), x[0][:, 1])
    # A 0-d array reads as a NumPy scalar, as tf.Tensor.numpy() of a scalar.
    label = yb[3].numpy()
    assert isinstance(label, np.integer) and label == 3
    assert int(yb[3]) == 3


def test_element_arrays_behave_and_print_as_ndarrays():
    ds, x, _ = _batches()
    xb = next(iter(ds))[0]
    assert isinstance(xb, np.ndarray)
    assert repr(xb) == repr(x[:4]) and str(xb) == str(x[:4])
    np.testing.assert_array_equal(np.asarray(xb) * 2, x[:4] * 2)
    assert type(np.asarray(xb)) is np.ndarray
    restored = pickle.loads(pickle.dumps(xb))
    np.testing.assert_array_equal(restored, x[:4])


def test_as_numpy_iterator_gives_plain_arrays():
    ds, x, _ = _batches()
    elements = list(ds.map(lambda a, t, y: {"a": a, "y": y}).as_numpy_iterator())
    assert [type(e["a"]) for e in elements] == [np.ndarray, np.ndarray]
    np.testing.assert_array_equal(elements[1]["a"], x[4:])


def test_scalar_elements_stay_hashable_numpy_scalars():
    seen = {value: i for i, value in enumerate(Dataset.range(3))}
    assert list(seen) == [0, 1, 2]
    assert isinstance(next(iter(Dataset.range(3))), np.integer)


def test_dict_and_nested_elements_are_converted_leaf_by_leaf():
    ds = Dataset.from_tensor_slices({"a": np.ones((3, 2)), "b": (np.zeros(3), np.arange(3))}).batch(3)
    element = next(iter(ds))
    assert element["a"].numpy().shape == (3, 2)
    assert element["b"][1].numpy().tolist() == [0, 1, 2]


def test_map_functions_and_transformations_see_plain_arrays():
    seen = []
    ds = Dataset.from_tensor_slices(np.arange(6.0)).batch(3).map(lambda b: seen.append(type(b)) or b * 2)
    first = next(iter(ds.unbatch().batch(2)))
    assert seen and set(seen) == {np.ndarray}
    assert first.numpy().tolist() == [0.0, 2.0]
    zipped = next(iter(Dataset.zip(ds, ds.concatenate(ds))))
    assert zipped[1].numpy().tolist() == [0.0, 2.0, 4.0]
