import pytest


@pytest.fixture(autouse=True)
def _no_real_network_or_home_cache(tmp_path, monkeypatch):
    """Every test caches into its own folder and, unless it serves files itself, points the
    download base at a closed local port: nothing can reach the internet or ~/.gradiente."""
    monkeypatch.setenv("GRADIENTE_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GRADIENTE_DATASETS_URL", "http://127.0.0.1:9/")
