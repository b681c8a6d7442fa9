"""Keras's ``Distribution`` objects and the global choice of one (``set_distribution``).

``DataParallel`` replicates the model on every process and splits each global batch among
them; under it ``fit`` / ``evaluate`` / ``predict`` run through ``sync.Replicas``.
``ModelParallel`` (sharding variables) is refused: there is no device memory to split.
"""
import contextlib
import warnings

import numpy as np

from gradiente import replica_context
from gradiente.distribution.communicator import world
from gradiente.distribution.mesh import DeviceMesh, list_devices

DEFAULT_BATCH_DIM_NAME = "batch"

_state = {"distribution": None}


class Distribution:
    """Base of the distribution strategies: a device mesh, the batch axis's name, and
    whether datasets are split among processes automatically."""

    def __init__(self, device_mesh, batch_dim_name=None, auto_shard_dataset=True):
        self._device_mesh = device_mesh
        self._batch_dim_name = batch_dim_name
        self._auto_shard_dataset = auto_shard_dataset
        comm = world()
        self._num_processes, self._process_id = comm.size, comm.rank

    @property
    def num_processes(self):
        return self._num_processes

    @property
    def device_mesh(self):
        return self._device_mesh

    @property
    def batch_dim_name(self):
        return self._batch_dim_name

    @property
    def auto_shard_dataset(self):
        return self._auto_shard_dataset

    @auto_shard_dataset.setter
    def auto_shard_dataset(self, value):
        self._auto_shard_dataset = value

    @contextlib.contextmanager
    def scope(self):
        """Make this the current distribution inside a ``with`` block."""
        previous = distribution()
        set_distribution(self)
        try:
            yield
        finally:
            set_distribution(previous)

    def __repr__(self):
        return f"<{type(self).__name__} device_mesh={self.device_mesh}>"

    __str__ = __repr__


class DataParallel(Distribution):
    """Data parallelism: every process holds the whole model and trains on its share of
    each global batch; gradients are summed, so all replicas take the same step.

    Args:
        device_mesh: a 1-D ``DeviceMesh`` over all processes (or give ``devices``).
        devices: the devices, e.g. ``list_devices()`` (the default).
        auto_shard_dataset: process r takes every n-th batch of a generator or PyDataset;
            False when each process already reads its own part of the data.
    """

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset=True):
        if device_mesh:
            if not isinstance(device_mesh, DeviceMesh):
                raise ValueError("Expect `mesh` to be an instance of `DeviceMesh`. Received: "
                                 f"mesh={device_mesh} (of type {type(device_mesh)})")
            if device_mesh.devices.ndim != 1:
                warnings.warn(f"Expect the input mesh to be 1D, but received mesh.devices.ndim="
                              f"{device_mesh.devices.ndim}. The first axis will be used for "
                              "data-parallel sharding.", stacklevel=2)
            batch_dim = device_mesh.axis_names[0]
        else:
            devices = np.array(list_devices() if not devices else devices)
            device_mesh = DeviceMesh(devices.shape, [DEFAULT_BATCH_DIM_NAME], devices)
            batch_dim = DEFAULT_BATCH_DIM_NAME
        if not isinstance(auto_shard_dataset, bool):
            raise TypeError(f"DataParallel: `auto_shard_dataset` must be True or False, received "
                            f"{auto_shard_dataset!r}.")
        super().__init__(device_mesh, batch_dim, auto_shard_dataset)
        used = sorted(str(d) for d in np.ravel(device_mesh.devices))
        if used != sorted(list_devices()):
            raise ValueError(
                f"DataParallel must span every process, one device each: the mesh holds {used}, "
                f"the MPI world is {list_devices()}. Start as many processes as devices "
                "(`mpiexec -n N`) and leave `devices` out."
            )

    @property
    def num_model_replicas(self):
        return self.device_mesh.devices.size

    @property
    def num_data_shards(self):
        return min(self.num_model_replicas, self.num_processes)

    @property
    def data_shard_id(self):
        return self._process_id


class ModelParallel(Distribution):
    """Refused: gradiente keeps whole variables in each process's memory."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(
            "keras.distribution.ModelParallel (sharding variables across devices) is not "
            "supported by gradiente; use DataParallel, which replicates the model on every process."
        )


def distribution():
    """The current distribution (None when none is set)."""
    return _state["distribution"]


def set_distribution(value):
    """Make ``value`` (a ``DataParallel``, or None) the distribution ``fit`` uses."""
    if value is not None and not isinstance(value, Distribution):
        raise ValueError(f"Expect `value` to be a `Distribution` instance (e.g. DataParallel()) "
                         f"or None. Received: {value!r} of type {type(value).__name__}")
    _state["distribution"] = value
    if value is not None and value.num_processes > 1:
        from gradiente.distribution.sync import Replicas

        replica_context.set_current(Replicas(world(), value))
    else:
        replica_context.set_current(None)  # one process: the ordinary loops, untouched
