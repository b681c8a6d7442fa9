"""Devices and meshes (Keras's ``list_devices``, ``get_device_count``, ``DeviceMesh``).

Each process of the MPI world is one device, ``"cpu:<rank>"``: NumPy computes on the CPU,
and a process is the unit that holds a replica of the model.
"""
import math

import numpy as np

from gradiente.distribution.communicator import world


def _check_type(device_type):
    if device_type is not None and str(device_type).lower() != "cpu":
        raise ValueError(
            f"list_devices(device_type={device_type!r}): gradiente computes on CPUs only; each "
            "MPI process is one device, 'cpu:<rank>'. Pass device_type='cpu' or None."
        )


def list_devices(device_type=None):
    """One device per process: ``["cpu:0", ..., "cpu:<n-1>"]``."""
    _check_type(device_type)
    return [f"cpu:{i}" for i in range(world().size)]


def get_device_count(device_type=None):
    """How many devices (processes) there are."""
    _check_type(device_type)
    return world().size


class DeviceMesh:
    """Devices arranged in a named grid: ``DeviceMesh((8,), ["batch"])`` for data parallelism.

    Args:
        shape: the grid's shape; its product is the number of devices.
        axis_names: one name per axis.
        devices: the devices (default: ``list_devices()``).
    """

    def __init__(self, shape, axis_names, devices=None):
        if not shape or not axis_names:
            raise ValueError(f"Shape and axis_names cannot be empty. Received: shape={shape}, "
                             f"axis_names={axis_names}")
        if len(shape) != len(axis_names):
            raise ValueError(f"Shape and axis_names should have same size. Received: shape={shape}, "
                             f"axis_names={axis_names}")
        devices = np.array(list_devices() if devices is None else devices)
        if math.prod(shape) != devices.size:
            raise ValueError(f"Shape does not match the number of devices. Received: shape={shape}; "
                             f"devices.shape={devices.shape}")
        self._shape = shape
        self._axis_names = axis_names
        self._devices = np.reshape(devices, shape)

    @property
    def shape(self):
        return self._shape

    @property
    def axis_names(self):
        return self._axis_names

    @property
    def devices(self):
        return self._devices

    def __repr__(self):
        return f"<{type(self).__name__} shape={self.shape}, axis_names={self.axis_names}>"

    __str__ = __repr__
