"""Which batches a process sees under data parallelism.

Arrays: every process draws the same permutation and takes its contiguous rows of each
global batch (``ArrayData.shard``; the arithmetic is ``replica_context.shard_bounds``).
Generators and PyDatasets (``ShardedIterable``): with ``auto_shard_dataset`` process r takes
batches r, r + n, r + 2n, ...; without it, each process reads its own source as given. Every
process runs the same number of steps: one that has no batch left while others do takes an
empty step (its share of the global batch is zero rows).
"""
import copy

import numpy as np

from gradiente import backend
from gradiente.autodiff.tensor import Tensor
from gradiente.utils.nest import map_structure


def empty_like(batch):
    """The (x, y, sample_weight) batch with zero rows: a process's share of a step in which
    it has no data."""
    def rows0(a):
        if a is None:
            return None
        return np.asarray(a.data if isinstance(a, Tensor) else a)[:0]

    return tuple(map_structure(rows0, part) for part in batch)


class _Picked:
    """The items of a PyDataset at the given positions, as a sequence."""

    def __init__(self, source, positions):
        self.source, self.positions = source, positions

    def __len__(self):
        return len(self.positions)

    def __getitem__(self, i):
        return self.source[int(self.positions[i])]


class ShardedIterable:
    """A generator or PyDataset (``IterableData``) as this process's share of each step."""

    def __init__(self, data, comm, auto_shard):
        self.data, self.comm, self.auto_shard = data, comm, auto_shard
        self._view = data  # the IterableData whose batches are being read (its target layout)
        if auto_shard and data.is_sequence and len(data.source) < comm.size:
            raise ValueError(
                f"The dataset has {len(data.source)} batch(es), fewer than the {comm.size} "
                "processes that share it: give every process at least one batch."
            )

    def __getattr__(self, name):
        return getattr(self.data, name)

    def steps(self):
        own = self.data.steps()
        if own is None or not self.auto_shard:
            return own
        return -(-own // self.comm.size)

    def align_targets(self, names):
        self.data.align_targets(names)

    def pack_targets(self, yb):
        return self._view.pack_targets(yb)

    def on_epoch_end(self):
        self.data.on_epoch_end()

    def batches(self, shuffle=False, steps=None):
        if self.auto_shard and self.data.is_sequence:
            return self._sequence_share(shuffle, steps)
        return self._agreed(shuffle, steps)

    def _sequence_share(self, shuffle, steps):
        """Positions r, r + n, ... of the one permutation every process draws; as many steps
        on every process, the last possibly empty on some."""
        rank, size = self.comm.rank, self.comm.size
        length = len(self.data.source)
        order = backend.rng().permutation(length) if shuffle else np.arange(length)
        if steps is not None:
            order = order[:steps * size]
        view = copy.copy(self.data)
        view.source, view._steps = _Picked(self.data.source, order[rank::size]), None
        self._view = view
        previous = None
        own = view.batches(shuffle=False)
        for _ in range(-(-len(order) // size)):
            batch = next(own, None)
            if batch is None:
                batch = empty_like(previous)
            previous = batch
            yield batch

    def _agreed(self, shuffle, steps):
        """Batches of a source whose length no process knows: each step all processes say
        whether they still have a batch, and the epoch ends when none has."""
        rank, size = self.comm.rank, self.comm.size
        stride = size if self.auto_shard else 1
        stream = iter(self.data.batches(shuffle=shuffle, steps=None if steps is None else steps * stride))
        flag = np.zeros(1, dtype=np.int64)
        previous, step = None, 0
        while steps is None or step < steps:
            batch = None
            for i in range(stride):  # auto-sharded: keep the rank-th of every n batches
                item = next(stream, None)
                if item is None:
                    break
                if i == rank % stride:
                    batch = item
            flag[0] = batch is not None
            if self.comm.allreduce_sum(flag)[0] == 0:
                return
            if batch is None:
                if previous is None:
                    raise ValueError(f"Process {rank} received no batch from its dataset while "
                                     "other processes did: give every process data.")
                batch = empty_like(previous)
            previous = batch
            step += 1
            yield batch
