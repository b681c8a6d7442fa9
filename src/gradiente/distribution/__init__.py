"""``keras.distribution`` on MPI: data-parallel training over processes and machines.

    import gradiente as keras
    keras.distribution.initialize()
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    ...  # the usual compile / fit / save

run with ``mpiexec -n 4 python train.py``. Without a launcher (or with one process) the
script runs as it would without these two lines. MPI comes from mpi4py
(``pip install gradiente[mpi]``), imported only when several processes were started.
"""
from gradiente.distribution.communicator import initialize
from gradiente.distribution.data_parallel import (
    DataParallel, Distribution, ModelParallel, distribution, set_distribution,
)
from gradiente.distribution.mesh import DeviceMesh, get_device_count, list_devices
from gradiente.distribution.sync import DistributionMismatchError

__all__ = ["initialize", "list_devices", "get_device_count", "DeviceMesh", "Distribution",
           "DataParallel", "ModelParallel", "distribution", "set_distribution",
           "DistributionMismatchError"]
