import pytest

from gradiente import backend


@pytest.fixture(autouse=True)
def fresh_names():
    """Every test starts with Keras's session counters at zero (dense, model, input_1...)."""
    backend.clear_session()
    backend.set_random_seed(0)
    yield
    backend.clear_session()
