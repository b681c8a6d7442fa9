"""``CSVLogger``: one CSV row of logs per epoch."""
import collections.abc
import csv
import os

import numpy as np

from gradiente.callbacks.callback import Callback
from gradiente.callbacks.logs import logs_dict


def _cell(value):
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (isinstance(value, np.ndarray) and value.ndim == 0):
        return f"[{', '.join(str(v) for v in value)}]"
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


class CSVLogger(Callback):
    """Write ``epoch`` (0-based) and each logs key, sorted, to ``filename`` after every epoch.

    With ``append=True`` rows are added to an existing file (its header is not repeated).
    The file is flushed after each row, so it can be read while training runs.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self._file = None
        self._writer = None
        self._write_header = True

    def on_train_begin(self, logs=None):
        if self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0:
            self._write_header = False
            mode = "a"
        else:
            self._write_header = True
            mode = "a" if self.append else "w"
        self.keys = None
        self._writer = None
        self._file = open(self.filename, mode, newline="", encoding="utf-8")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs_dict(logs)
        if self._file is None:  # driven without on_train_begin: open as fit would
            self.on_train_begin()
        if self.keys is None:
            self.keys = sorted(logs)
            self._writer = csv.DictWriter(
                self._file, fieldnames=["epoch"] + self.keys, delimiter=self.sep,
                extrasaction="ignore",
            )
            if self._write_header:
                self._writer.writeheader()
        row = {"epoch": epoch}
        # A key missing this epoch (e.g. validation skipped) is written as NA.
        row.update((key, _cell(logs[key]) if key in logs else "NA") for key in self.keys)
        self._writer.writerow(row)
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
        self._file = None
        self._writer = None
