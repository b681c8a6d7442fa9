import struct

import pytest


def _png_size(path):
    """(width, height) from a PNG's IHDR chunk."""
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    return struct.unpack(">II", head[16:24])


@pytest.fixture
def png_size():
    return _png_size


@pytest.fixture
def mpl():
    return pytest.importorskip("matplotlib")
