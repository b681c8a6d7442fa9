"""Process-wide policy in gradiente.backend: the allocator tuning and its opt-out."""
import sys

import pytest

from gradiente import backend


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_allocator_tuning_applies_on_glibc():
    import ctypes.util

    if "musl" in (ctypes.util.find_library("c") or ""):
        pytest.skip("musl has no mallopt")
    assert backend.tune_allocator() is True


def test_allocator_tuning_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("GRADIENTE_MALLOC_TUNING", "0")
    assert backend.tune_allocator() is False
