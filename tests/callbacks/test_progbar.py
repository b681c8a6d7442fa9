import re

import pytest

from gradiente.callbacks import CallbackList, Progbar
from gradiente.callbacks.progbar import format_eta, format_time_per_unit, format_value

FINAL_V1 = re.compile(
    r"^3/3 \[={30}\] - \d+s \d+(?:us|ms|s)/step - loss: 1\.1145 - accuracy: 0\.3500"
    r" - val_loss: 1\.0921 - val_accuracy: 0\.4000$"
)
LINE_V2 = re.compile(
    r"^3/3 - \d+s - loss: 1\.1145 - accuracy: 0\.3500 - val_loss: 1\.0921 - val_accuracy: 0\.4000"
    r" - \d+(?:us|ms|s)/epoch - \d+(?:us|ms|s)/step$"
)
EPOCH_LOGS = {"loss": 1.1145, "accuracy": 0.35, "val_loss": 1.0921, "val_accuracy": 0.4}

# These tests read the bar as a terminal shows it; test_progbar_fit.py covers widths and logs.
pytestmark = pytest.mark.usefixtures("live_display")


def screen(raw):
    """What a terminal shows: each line keeps only the text after its last carriage return."""
    return [line.rsplit("\r", 1)[-1].rstrip() for line in raw.split("\n")]


def fit_like(verbose, epochs=2, steps=3):
    cbs = CallbackList(None, add_progbar=True, verbose=verbose, epochs=epochs, steps=steps)
    cbs.on_train_begin()
    for epoch in range(epochs):
        cbs.on_epoch_begin(epoch)
        for batch in range(steps):
            cbs.on_train_batch_begin(batch)
            cbs.on_train_batch_end(batch, {"loss": 1.1145, "accuracy": 0.35})
        # Validation inside fit must not draw a bar of its own.
        cbs.on_test_begin()
        cbs.on_test_batch_end(0, {"loss": 9.0})
        cbs.on_test_end({"loss": 9.0})
        cbs.on_epoch_end(epoch, dict(EPOCH_LOGS))
    cbs.on_train_end()


def test_verbose_1_classic_keras_format(capsys):
    fit_like(verbose=1)
    raw = capsys.readouterr().out
    lines = screen(raw)
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert FINAL_V1.match(lines[1]), lines[1]
    assert FINAL_V1.match(lines[3]), lines[3]
    assert lines[4:] == [""]
    assert raw.count("\n") == 4 and "\r" in raw and "9.0" not in raw


def test_verbose_1_intermediate_update_shows_partial_bar_and_eta(capsys):
    bar = Progbar(3, verbose=1)
    bar.update(1, [("loss", 1.1345), ("accuracy", 0.35)])
    out = capsys.readouterr().out
    assert out == "\r1/3 [=========>....................] - ETA: 0s - loss: 1.1345 - accuracy: 0.3500"


def test_verbose_2_one_line_per_epoch(capsys):
    fit_like(verbose=2)
    raw = capsys.readouterr().out
    lines = raw.split("\n")
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and lines[4] == ""
    assert LINE_V2.match(lines[1]) and LINE_V2.match(lines[3]), raw
    assert "\r" not in raw


def test_single_epoch_prints_no_epoch_line(capsys):
    fit_like(verbose=1, epochs=1)
    assert "Epoch" not in capsys.readouterr().out


def test_evaluate_and_predict_bars_have_no_epoch_line(capsys):
    cbs = CallbackList(None, add_progbar=True, verbose=1, epochs=1, steps=4)
    cbs.on_test_begin()
    for b in range(4):
        cbs.on_test_batch_end(b, {"loss": 1.1298, "accuracy": 0.36})
    cbs.on_test_end({"loss": 1.1298, "accuracy": 0.36})
    lines = screen(capsys.readouterr().out)
    assert re.match(r"^4/4 \[={30}\] - \d+s \d+(us|ms|s)/step - loss: 1\.1298 - accuracy: 0\.3600$", lines[0])
    cbs = CallbackList(None, add_progbar=True, verbose=1, epochs=1, steps=1)
    cbs.on_predict_begin()
    cbs.on_predict_batch_end(0, {"outputs": [1, 2]})
    cbs.on_predict_end()
    lines = screen(capsys.readouterr().out)
    assert re.match(r"^1/1 \[={30}\] - \d+s \d+(us|ms|s)/step$", lines[0]), lines


def test_redraws_are_throttled(capsys):
    steps = 1875
    cbs = CallbackList(None, add_progbar=True, verbose=1, epochs=1, steps=steps)
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    for b in range(steps):
        cbs.on_train_batch_end(b, {"loss": 0.5})
    cbs.on_epoch_end(0, {"loss": 0.5})
    raw = capsys.readouterr().out
    # The first update and the final one always draw; a tight loop finishes long before
    # a second interval passes.
    assert raw.count("\r") <= 5
    assert screen(raw)[0].startswith("1875/1875 [==============================]")


def test_unknown_target_counts_up_then_uses_steps_seen(capsys):
    cbs = CallbackList(None, add_progbar=True, verbose=1, epochs=1, steps=None)
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    cbs.on_train_batch_end(0, {"loss": 2.0})
    assert capsys.readouterr().out.startswith("\r      1/Unknown - 0s")
    cbs.on_train_batch_end(1, {"loss": 1.0})
    cbs.on_epoch_end(0, {"loss": 1.0})
    assert screen(capsys.readouterr().out)[0].startswith("2/2 [====")


def test_shorter_redraw_pads_over_the_longer_previous_line(capsys, monkeypatch):
    clock = iter([0.0, 1000.0, 1001.0])
    monkeypatch.setattr("gradiente.callbacks.progbar.time.perf_counter", lambda: next(clock))
    bar = Progbar(10, verbose=1, interval=0)
    bar.update(1, [("loss", 1.0)])  # ETA 9000 s: "2:30:00"
    bar.update(9)  # ETA 111 s: "1:51", three characters shorter
    first, second = capsys.readouterr().out.split("\r")[1:]
    assert "ETA: 2:30:00" in first and "ETA: 1:51 - loss" in second
    assert len(second) == len(first) and second.endswith("   ")


def test_standalone_progbar_averages_non_stateful_values(capsys):
    bar = Progbar(4, verbose=2, stateful_metrics=["acc"])
    bar.update(1, [("loss", 4.0), ("acc", 0.1)])
    bar.update(3, {"loss": 1.0, "acc": 0.2})  # 2 steps at 1.0: mean (4 + 2) / 3
    bar.add(1, [("loss", 2.0), ("acc", 0.5)])
    out = capsys.readouterr().out
    assert out.startswith("4/4 - 0s - loss: 2.0000 - acc: 0.5000 - ")


def test_verbose_0_prints_nothing(capsys):
    bar = Progbar(2, verbose=0)
    bar.update(1, [("loss", 1.0)])
    bar.update(2, [("loss", 1.0)])
    assert capsys.readouterr().out == ""


def test_formatting_helpers():
    assert format_value(1.23456) == "1.2346"
    assert format_value(0.0001234) == "1.2340e-04"
    assert format_value(0) == "0.0000e+00"
    assert format_value("n/a") == "n/a"
    assert format_time_per_unit(2.4, "step") == "2s/step"
    assert format_time_per_unit(0.061, "step") == "61ms/step"
    assert format_time_per_unit(0.000815, "step") == "815us/step"
    assert format_eta(7.9) == "7s" and format_eta(65) == "1:05" and format_eta(3723) == "1:02:03"


def test_bad_target_rejected():
    with pytest.raises(ValueError, match="target"):
        Progbar(-1)
