"""The bar fits the terminal's width; off a live display it prints finished lines only."""
import io
import re

import pytest

from gradiente.callbacks import CallbackList, Progbar
from gradiente.callbacks import terminal


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def use_tty(monkeypatch, columns):
    """stdout becomes a terminal of ``columns`` columns (inside the test: pytest's capture
    sets sys.stdout again between a fixture's setup and the test)."""
    stream = FakeTTY()
    monkeypatch.setattr("sys.stdout", stream)
    monkeypatch.setenv("COLUMNS", str(columns))
    return stream


def drawn(raw):
    """Every piece of text written between two carriage returns or newlines."""
    return [piece for piece in re.split(r"[\r\n]", raw) if piece]


def fit_like(logs, epochs=2, steps=1875):
    cbs = CallbackList(None, add_progbar=True, verbose=1, epochs=epochs, steps=steps)
    cbs.on_train_begin()
    for epoch in range(epochs):
        cbs.on_epoch_begin(epoch)
        for batch in range(steps):
            cbs.on_train_batch_end(batch, logs)
        cbs.on_epoch_end(epoch, logs)
    cbs.on_train_end()


def test_80_columns_two_metrics_never_wrap(monkeypatch):
    tty = use_tty(monkeypatch, 80)
    fit_like({"loss": 0.2345, "accuracy": 0.9312})
    pieces = drawn(tty.getvalue())
    assert max(map(len, pieces)) <= 79  # the last column stays free: no wrap
    finals = [p for p in pieces if p.startswith("1875/1875")]
    assert len(finals) == 2 and tty.getvalue().count("\n") == 4  # two "Epoch" lines, two bars
    for line in finals:
        # The bar gave up characters; the metrics kept Keras's four digits.
        assert re.match(r"^1875/1875 \[=+\] - \d+s \d+(us|ms|s)/step - loss: 0\.2345 - accuracy: 0\.9312 *$",
                        line), line
        assert 10 <= line.index("]") - line.index("[") - 1 < 30


def test_full_bar_when_the_terminal_is_wide(monkeypatch):
    tty = use_tty(monkeypatch, 200)
    fit_like({"loss": 0.2345, "accuracy": 0.9312}, epochs=1, steps=3)
    assert re.match(r"^3/3 \[={30}\] - ", drawn(tty.getvalue())[-1])


def test_narrow_terminal_drops_digits_then_cuts(monkeypatch):
    logs = [("loss", 0.23456), ("accuracy", 0.93125), ("val_loss", 0.31)]
    tty = use_tty(monkeypatch, 80)
    Progbar(100, verbose=1).update(100, logs)
    line = drawn(tty.getvalue())[-1]
    assert len(line) <= 79 and "[==========]" in line  # the bar at its shortest
    assert line.endswith(" - loss: 0.2 - accuracy: 0.9 - val_loss: 0.3"), line
    tty.seek(0), tty.truncate()
    monkeypatch.setenv("COLUMNS", "30")
    Progbar(100, verbose=1).update(100, logs)
    assert [len(p) for p in drawn(tty.getvalue())] == [29]


def test_off_a_terminal_only_finished_lines(capsys):
    fit_like({"loss": 0.2345, "accuracy": 0.9312}, steps=500)
    raw = capsys.readouterr().out
    assert "\r" not in raw
    lines = raw.split("\n")
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and lines[4:] == [""]
    for line in (lines[1], lines[3]):
        assert re.match(r"^500/500 \[={30}\] - \d+s \d+(us|ms|s)/step - loss: 0\.2345 - accuracy: 0\.9312$",
                        line)


@pytest.mark.parametrize("seconds_per_step, expected", [(1.0, 0), (10.0, 6)])
def test_off_a_terminal_long_epochs_log_every_30_seconds(capsys, monkeypatch, seconds_per_step, expected):
    steps = 20  # 20 s (no progress lines) or 200 s (a line every 30 s)
    clock = [0.0]
    monkeypatch.setattr("gradiente.callbacks.progbar.time.perf_counter", lambda: clock[0])
    bar = Progbar(steps, verbose=1)
    for step in range(1, steps + 1):
        clock[0] = step * seconds_per_step
        if bar.would_draw(finalize=step == steps):
            bar.update(step, [("loss", 1.0 / step)], finalize=step == steps)
    lines = capsys.readouterr().out.split("\n")
    assert lines[-1] == "" and "\r" not in "".join(lines)
    progress, final = lines[:-2], lines[-2]
    assert len(progress) == expected
    assert all(re.match(r"^ ?\d+/20 \[[=>.]{30}\] - ETA: \d", line) for line in progress), progress
    assert final.startswith("20/20 [") and "ETA" not in final


def test_a_notebook_cell_is_live_and_has_no_width():
    stream = type("OutStream", (io.StringIO,), {"__module__": "ipykernel.iostream"})()
    assert terminal.live_display(stream) and terminal.columns(stream) is None
    assert not terminal.live_display(io.StringIO()) and terminal.columns(io.StringIO()) is None
