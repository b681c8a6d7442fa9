import numpy as np
import pytest

from gradiente.saving import registry


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 6)).astype("float32")
    y = (x[:, :1] * 2 - x[:, 1:2]).astype("float32")
    return x, y


@pytest.fixture
def clean_registry():
    """Registrations a test makes are undone after it (those made at import stay)."""
    objects = dict(registry._GLOBAL_CUSTOM_OBJECTS)
    names = dict(registry._GLOBAL_CUSTOM_NAMES)
    yield registry._GLOBAL_CUSTOM_OBJECTS
    registry._GLOBAL_CUSTOM_OBJECTS.clear()
    registry._GLOBAL_CUSTOM_OBJECTS.update(objects)
    registry._GLOBAL_CUSTOM_NAMES.clear()
    registry._GLOBAL_CUSTOM_NAMES.update(names)
