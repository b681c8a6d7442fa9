"""Crafting damaged and hostile model files, and measuring what loading them costs."""
import io
import json
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

from gradiente.saving import ModelFormatError
from saving_helpers import small_mlp

# Issue 13: a malformed file of a few kilobytes is refused in well under a second and under
# ~100 MB; what these tests measure stays far below (they assert the issue's own bounds).
MAX_EXTRA_BYTES = 100 << 20
MAX_SECONDS = 1.0


def saved_members(tmp_path, model=None):
    """The members of a valid .keras archive of ``model`` (small_mlp by default)."""
    path = tmp_path / "good.keras"
    (model or small_mlp()).save(path)
    with zipfile.ZipFile(path) as zf:
        return path, {name: zf.read(name) for name in zf.namelist()}


def write_archive(path, members):
    """A zip as ``save`` lays it out: JSON deflated, arrays stored."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            method = zipfile.ZIP_DEFLATED if name.endswith(".json") else zipfile.ZIP_STORED
            zf.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data,
                        compress_type=method)
    return path


def npy_header_only(shape, descr="<f4"):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False,
                                               "shape": shape})
    return buf.getvalue()


def with_config(members, change):
    config = json.loads(members["config.json"])
    change(config)
    return {**members, "config.json": json.dumps(config).encode()}


def refused(load, *patterns):
    """Run ``load``: it must raise ModelFormatError naming ``patterns``, in under
    MAX_SECONDS and MAX_EXTRA_BYTES of Python and NumPy allocations."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ModelFormatError) as info:
            load()
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(info.value)
    for pattern in patterns:
        assert pattern in message, message
    assert seconds < MAX_SECONDS, f"{seconds:.2f} s to refuse: {message}"
    assert peak < MAX_EXTRA_BYTES, f"{peak >> 20} MB to refuse: {message}"
    return message
