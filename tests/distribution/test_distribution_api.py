"""keras.distribution in one process: the API, the sharding arithmetic, and that a script
with the two extra lines trains exactly as without them."""
import sys

import numpy as np
import pytest

import gradiente as keras
from gradiente import backend, replica_context
from gradiente.distribution import communicator
from gradiente.distribution.sharding import ShardedIterable
from gradiente.models.data_adapter import ArrayData, IterableData

dist = keras.distribution


@pytest.fixture(autouse=True)
def no_distribution():
    yield
    dist.set_distribution(None)


@pytest.mark.parametrize("rows,count", [(10, 2), (7, 2), (5, 3), (3, 3), (256, 8), (1, 1)])
def test_shards_cover_every_row_once_and_differ_by_at_most_one(rows, count):
    bounds = [replica_context.shard_bounds(rows, i, count) for i in range(count)]
    assert bounds[0][0] == 0 and bounds[-1][1] == rows
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    sizes = [hi - lo for lo, hi in bounds]
    assert max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes, reverse=True)


@pytest.mark.parametrize("shuffle", [False, True])
def test_array_shards_join_to_the_global_batches(shuffle):
    x = np.arange(23, dtype=np.float32).reshape(23, 1)
    model = keras.Sequential([keras.layers.Input((1,)), keras.layers.Dense(1)])

    def batches(shard):
        data = ArrayData(model, x, x[:, 0] * 2, batch_size=8)
        data.shard = shard
        keras.utils.set_random_seed(3)  # every process draws the same permutation
        return [(xb[:, 0], yb[0]) for xb, yb, _ in data.batches(shuffle=shuffle)]

    whole = batches(None)
    parts = [batches((r, 3)) for r in range(3)]
    assert [len(b[0]) for b in whole] == [8, 8, 7]  # the last, short batch is split too
    for k, (xb, yb) in enumerate(whole):
        np.testing.assert_array_equal(np.concatenate([p[k][0] for p in parts]), xb)
        np.testing.assert_array_equal(np.concatenate([p[k][1] for p in parts]), yb)
    assert [len(p[2][0]) for p in parts] == [3, 2, 2]


class _Comm:
    """Process ``rank`` of ``size``; one peer has a batch for ``peer_steps`` steps."""

    def __init__(self, rank, size, peer_steps=10**9):
        self.rank, self.size, self.peer_steps, self.calls = rank, size, peer_steps, 0

    def allreduce_sum(self, array):
        self.calls += 1
        array += self.calls <= self.peer_steps
        return array


class _Items(keras.utils.PyDataset):
    def __init__(self, n):
        super().__init__()
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full((2, 1), i, dtype=np.float32), np.full((2,), i)


def test_pydataset_auto_shard_takes_every_nth_batch_and_pads_with_empty_steps():
    rank1 = ShardedIterable(IterableData(_Items(5)), _Comm(1, 2), auto_shard=True)
    got = [xb[:, 0].tolist() for xb, _, _ in rank1.batches()]
    assert rank1.steps() == 3 and got == [[1.0, 1.0], [3.0, 3.0], []]
    rank0 = ShardedIterable(IterableData(_Items(5)), _Comm(0, 2), auto_shard=True)
    assert [xb[:, 0].tolist() for xb, _, _ in rank0.batches()] == [[0, 0], [2, 2], [4, 4]]
    own = ShardedIterable(IterableData(_Items(3)), _Comm(1, 2), auto_shard=False)
    assert [int(xb[0, 0]) for xb, _, _ in own.batches(steps=3)] == [0, 1, 2]
    # A generator: every other item, and empty steps until the peer (items 0, 2, 4) is done.
    generator = ShardedIterable(IterableData(_Items(5)[i] for i in range(5)), _Comm(1, 2, peer_steps=3),
                                auto_shard=True)
    assert [xb[:, 0].tolist() for xb, _, _ in generator.batches()] == [[1, 1], [3, 3], []]
    with pytest.raises(ValueError, match="fewer than the 4 processes"):
        ShardedIterable(IterableData(_Items(3)), _Comm(0, 4), auto_shard=True)


class _PeerComm:
    """A second process whose Allreduce contribution is ``other``."""

    rank, size = 0, 2

    def __init__(self, other):
        self.other = other

    def allreduce_sum(self, array):
        array += self.other
        return array


def test_gradients_are_the_global_batch_mean():
    from gradiente.distribution.sync import Replicas

    variables = [keras.Variable(np.zeros((2, 2), np.float32)), keras.Variable(np.zeros(3, np.float32))]
    mine = [np.full((2, 2), 1.0, np.float32), np.arange(3, dtype=np.float32)]  # mean over 3 rows
    theirs = [np.full((2, 2), 4.0, np.float32), np.ones(3, np.float32)]        # mean over 1 row
    # The peer sends rows x its gradients, its loss sum and its rows, as reduce packs them.
    other = np.concatenate([theirs[0].ravel(), theirs[1], [0.5 * 1, 1]]).astype(np.float32)
    replicas = Replicas(_PeerComm(other), dist.DataParallel())
    grads, loss, rows = replicas.reduce(variables, [g * 3 for g in mine], 3, loss_sum=2.0 * 3)
    assert rows == 4 and loss == pytest.approx((6.0 + 0.5) / 4)
    for g, a, b in zip(grads, mine, theirs):
        np.testing.assert_allclose(g, (3 * a + b) / 4, rtol=1e-6)


def test_one_process_api():
    dist.initialize()
    assert dist.list_devices() == ["cpu:0"] and dist.get_device_count() == 1
    dp = dist.DataParallel()
    assert dp.device_mesh.shape == (1,) and dp.batch_dim_name == "batch" and dp.auto_shard_dataset
    dist.set_distribution(dp)
    assert dist.distribution() is dp and replica_context.current() is None  # the plain loops
    with dist.DataParallel(auto_shard_dataset=False).scope():
        assert dist.distribution().auto_shard_dataset is False
    assert dist.distribution() is dp
    mesh = dist.DeviceMesh((1,), ["data"])
    assert dist.DataParallel(device_mesh=mesh).batch_dim_name == "data"


def test_api_errors():
    with pytest.raises(ValueError, match="launcher started 1 process"):
        dist.initialize(num_processes=2)
    with pytest.raises(ValueError, match="rank 0"):
        dist.initialize(process_id=1)
    with pytest.raises(ValueError, match="should have same size"):
        dist.DeviceMesh((1,), ["a", "b"])
    with pytest.raises(ValueError, match="does not match the number of devices"):
        dist.DeviceMesh((2,), ["batch"])
    with pytest.raises(ValueError, match="span every process"):
        dist.DataParallel(devices=["cpu:0", "cpu:1"])
    with pytest.raises(ValueError, match="CPUs only"):
        dist.list_devices("gpu")
    with pytest.raises(ValueError, match="Distribution"):
        dist.set_distribution("data_parallel")
    with pytest.raises(NotImplementedError, match="ModelParallel"):
        dist.ModelParallel()


def test_missing_mpi4py_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    with pytest.raises(ImportError, match=r"pip install gradiente\[mpi\]"):
        communicator.MPICommunicator()


def test_the_two_lines_change_nothing_in_one_process():
    x = np.random.default_rng(0).random((100, 8), dtype=np.float32)
    y = (x.sum(axis=1) > 4).astype(np.float32)

    def train(distributed):
        keras.utils.set_random_seed(1)
        dist.set_distribution(dist.DataParallel() if distributed else None)
        model = keras.Sequential([keras.layers.Input((8,)), keras.layers.Dense(4, activation="relu"),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
        return model.get_weights(), history.history, backend.rng().random()

    plain, with_lines = train(False), train(True)
    for a, b in zip(plain[0], with_lines[0]):
        np.testing.assert_array_equal(a, b)
    assert plain[1] == with_lines[1] and plain[2] == with_lines[2]
