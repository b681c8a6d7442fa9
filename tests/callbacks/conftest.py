import pytest


@pytest.fixture
def live_display(monkeypatch):
    """Make the progress bar treat captured stdout as a terminal of unlimited width."""
    monkeypatch.setattr("gradiente.callbacks.progbar.terminal.live_display", lambda stream: True)
    monkeypatch.setattr("gradiente.callbacks.progbar.terminal.columns", lambda stream: None)
