import numpy as np
import pytest

import gradiente
from gradiente.testing import check_gradients
from gradiente.utils.data import PyDataset, Sequence, normalize, to_categorical, train_validation_split


def test_to_categorical_matches_a_loop():
    y = np.array([[2, 0], [1, 3]])
    out = to_categorical(y, num_classes=5)
    expected = np.zeros((2, 2, 5), np.float32)
    for i in range(2):
        for j in range(2):
            expected[i, j, y[i, j]] = 1
    assert out.dtype == np.float32 and np.array_equal(out, expected)


def test_to_categorical_infers_classes_and_drops_trailing_one():
    out = to_categorical([[1], [2], [0]])
    assert out.shape == (3, 3) and out.tolist() == [[0, 1, 0], [0, 0, 1], [1, 0, 0]]
    assert to_categorical(np.array([1.0, 0.0]), dtype="float64").dtype == np.float64
    assert to_categorical(gradiente.convert_to_tensor(np.array([1, 0]))).tolist() == [[0, 1], [1, 0]]
    assert to_categorical(np.array([], dtype=int), num_classes=3).shape == (0, 3)


def test_to_categorical_bad_labels():
    with pytest.raises(ValueError, match=r"label -1 is out of range for num_classes=3; labels must be in \[0, 2\]"):
        to_categorical([0, -1, 2], num_classes=3)
    with pytest.raises(ValueError, match=r"label 3 is out of range for num_classes=3"):
        to_categorical([0, 3], num_classes=3)
    with pytest.raises(ValueError, match="label -2 is out of range"):
        to_categorical([-2, 1])
    with pytest.raises(ValueError, match="whole numbers .* found 1.5"):
        to_categorical([0.0, 1.5])
    with pytest.raises(ValueError, match="whole numbers .* found nan"):
        to_categorical([0.0, np.nan])
    with pytest.raises(ValueError, match="dtype <U3"):
        to_categorical(["cat", "dog"])
    with pytest.raises(ValueError, match="`num_classes` must be a positive int; received 0"):
        to_categorical([0], num_classes=0)
    with pytest.raises(ValueError, match="empty labels"):
        to_categorical([])


def test_normalize_numpy_matches_reference():
    x = np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 0.0], [1.0, -1.0, 2.0]])
    expected = np.array([row / (np.sqrt((row**2).sum()) or 1) for row in x])
    assert np.allclose(normalize(x), expected)
    l1 = normalize(x, order=1)
    assert np.allclose(l1[2], [0.25, -0.25, 0.5]) and np.all(l1[1] == 0)
    cols = normalize(x, axis=0)
    assert np.allclose(np.linalg.norm(cols, axis=0), [1, 1, 1])


def test_normalize_tensor_forward_and_gradient():
    x = np.array([[3.0, 4.0], [1.0, -2.0]])
    out = normalize(gradiente.convert_to_tensor(x))
    assert isinstance(out, gradiente.Tensor)
    assert np.allclose(out.numpy(), x / np.linalg.norm(x, axis=1, keepdims=True))
    w = gradiente.Variable(np.array([[0.3, -1.2, 0.5]]), dtype="float64")
    check_gradients(lambda v: gradiente.ops.sum(normalize(v) * np.array([1.0, 2.0, 3.0])), w, variables=[w])
    w1 = gradiente.Variable(np.array([[0.3, -1.2, 0.5]]), dtype="float64")
    out1 = normalize(w1, order=1)
    assert np.allclose(out1.numpy(), [[0.3 / 2.0, -1.2 / 2.0, 0.5 / 2.0]])


class Squares(PyDataset):
    def __init__(self, n, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x = np.arange(n, dtype=float)
        self.batch_size = batch_size
        self.epochs_ended = 0

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, index):
        part = self.x[index * self.batch_size:(index + 1) * self.batch_size]
        return part, part**2

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_pydataset_batches_and_hooks():
    ds = Squares(5, 2, workers=2)
    assert len(ds) == 3 and ds.num_batches == 3 and ds.workers == 2
    assert ds.use_multiprocessing is False and ds.max_queue_size == 10
    batches = list(ds)
    assert [b[0].tolist() for b in batches] == [[0, 1], [2, 3], [4]]
    assert batches[2][1].tolist() == [16]
    ds.on_epoch_begin()
    ds.on_epoch_end()
    assert ds.epochs_ended == 1
    assert Sequence is PyDataset


def test_pydataset_without_super_init_or_len():
    class Forgetful(PyDataset):
        def __init__(self):
            pass

        def __len__(self):
            return 1

        def __getitem__(self, index):
            return np.zeros(1), np.zeros(1)

    assert Forgetful().workers == 1 and len(list(Forgetful())) == 1

    class NoLength(PyDataset):
        def __getitem__(self, index):
            return index

    with pytest.raises(NotImplementedError, match="NoLength must define __len__"):
        NoLength().num_batches

    class Endless(PyDataset):
        num_batches = None

        def __getitem__(self, index):
            return index

    it = iter(Endless())
    assert [next(it) for _ in range(4)] == [0, 1, 2, 3]
    with pytest.raises(NotImplementedError, match="__getitem__"):
        PyDataset()[0]
    with pytest.raises(TypeError):
        PyDataset(shuffle=True)


def test_train_validation_split_takes_the_last_fraction():
    x = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    (x_tr, y_tr, none_tr), (x_val, y_val, none_val) = train_validation_split((x, y, None), 0.2)
    assert y_tr.tolist() == list(range(8)) and y_val.tolist() == [8, 9]
    assert x_val.tolist() == [[16, 17], [18, 19]] and none_tr is None and none_val is None
    train, val = train_validation_split({"a": x, "b": y}, 0.25)
    # floor(10 * 0.75) = 7
    assert len(train["a"]) == 7 and val["b"].tolist() == [7, 8, 9]


def test_train_validation_split_errors():
    with pytest.raises(ValueError, match=r"Training data contains 1 samples, which is not sufficient"):
        train_validation_split(np.arange(1), 0.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        train_validation_split(np.arange(10), 1.0)
    with pytest.raises(ValueError, match="only supported for arrays .* found function"):
        train_validation_split((np.arange(10), lambda: None), 0.2)
    with pytest.raises(ValueError, match=r"same number of samples; found sizes \[8, 10\]"):
        train_validation_split((np.arange(10), np.arange(8)), 0.2)
