"""fit may pass a dict subclass that computes its values only when items()/get() is called;
its len() and iteration report empty until then. Every callback must still see the values."""
import math
import re

from callbacks_fakes import FakeModel
from gradiente.callbacks import CallbackList, CSVLogger, History, ModelCheckpoint, TerminateOnNaN


class LazyLogs(dict):
    reads = 0

    def __init__(self, values):
        super().__init__()
        self._values = values

    def _fill(self):
        if not dict.__len__(self):
            LazyLogs.reads += 1
            super().update(self._values)

    def items(self):
        self._fill()
        return super().items()

    def get(self, key, default=None):
        self._fill()
        return super().get(key, default)

    def __getitem__(self, key):
        self._fill()
        return super().__getitem__(key)


def test_progbar_shows_lazy_values_and_skips_reading_them_between_redraws(capsys, live_display):
    LazyLogs.reads = 0
    steps = 500
    cbs = CallbackList(None, add_progbar=True, verbose=1, epochs=1, steps=steps)
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    for b in range(steps):
        cbs.on_train_batch_end(b, LazyLogs({"loss": 0.25}))
    out = capsys.readouterr().out
    assert re.match(r"^\r  1/500 \[\.{30}\] - ETA: \d+s - loss: 0\.2500", out)
    assert LazyLogs.reads < 10
    cbs.on_epoch_end(0, LazyLogs({"loss": 0.125}))
    assert capsys.readouterr().out.rstrip().endswith("- loss: 0.1250")


def test_other_callbacks_read_lazy_logs(tmp_path):
    model = FakeModel()
    history = History()
    cbs = CallbackList([TerminateOnNaN(), history, CSVLogger(str(tmp_path / "log.csv")),
                        ModelCheckpoint(str(tmp_path / "b{batch}-{loss}.weights.h5"), save_freq=1,
                                        save_weights_only=True)], model=model)
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    cbs.on_train_batch_end(0, LazyLogs({"loss": math.nan}))
    assert model.stop_training
    assert model.saved == [str(tmp_path / "b1-nan.weights.h5")]
    cbs.on_epoch_end(0, LazyLogs({"loss": 2.0}))
    cbs.on_train_end()
    assert history.history == {"loss": [2.0]}
    assert (tmp_path / "log.csv").read_text().split() == ["epoch,loss", "0,2.0"]
