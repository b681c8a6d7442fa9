"""``ModelCheckpoint``: save the model (or its weights) during training."""
import math
import os

import numpy as np

from gradiente.callbacks.callback import Callback
from gradiente.callbacks.logs import logs_dict
from gradiente.callbacks.monitor import read_monitor, resolve_mode
from gradiente.utils.atomic import atomic_write


def save_weights_npz(path, weights):
    """Write ``weights`` (a list of arrays) to ``path`` as ``arr_0, arr_1, ...`` in an
    ``.npz``, atomically: a crash never leaves a half-written checkpoint behind."""
    with atomic_write(path) as handle:
        np.savez(handle, *[np.asarray(w) for w in weights])
    return path


class ModelCheckpoint(Callback):
    """Save the model every epoch (or every ``save_freq`` batches), or only when it improves.

    Args:
        filepath: a path, possibly a template filled from the epoch (1-based) and the logs,
            e.g. ``"ckpt-{epoch:02d}-{val_loss:.2f}.keras"``.
        monitor: the logs key compared when ``save_best_only``.
        verbose: 1 prints a line for each save decision.
        save_best_only: save only when ``monitor`` improves on the best seen so far.
        save_weights_only: call ``model.save_weights(path)`` instead of ``model.save(path)``.
        mode: ``"min"``, ``"max"`` or ``"auto"``.
        save_freq: ``"epoch"``, or a number of batches between saves.
        initial_value_threshold: the value ``monitor`` must beat for the first save.

    Until the model has a working ``save``/``save_weights``, the weights of
    ``model.get_weights()`` are written as ``.npz`` (``.npz`` is appended to the name if needed).
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__()
        if save_freq != "epoch" and (
            isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq <= 0
        ):
            raise ValueError(
                f"ModelCheckpoint: `save_freq` must be 'epoch' or a positive number of batches; "
                f"received save_freq={save_freq!r}."
            )
        self.filepath = os.fspath(filepath)
        _check_extension(self.filepath, save_weights_only)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.mode = resolve_mode(monitor, mode, "ModelCheckpoint")
        self.save_freq = save_freq
        if initial_value_threshold is not None:
            self.best = float(initial_value_threshold)
        else:
            self.best = math.inf if self.mode == "min" else -math.inf
        self.last_saved_path = None
        self._current_epoch = 0
        self._batches_since_save = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _improved(self, current):
        return current < self.best if self.mode == "min" else current > self.best

    def _save_model(self, epoch, batch, logs):
        logs = logs_dict(logs)
        filepath = self._get_file_path(epoch, batch, logs)
        if self.save_best_only:
            current = read_monitor(logs, self.monitor, "ModelCheckpoint(save_best_only=True)")
            if current is None:
                return
            if not self._improved(current):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                      f"{current:.5f}, saving model to {filepath}")
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
        self.last_saved_path = self._write(filepath)

    def _get_file_path(self, epoch, batch, logs):
        fields = dict(logs)
        fields["epoch"] = epoch + 1
        if batch is not None and "batch" not in logs:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as err:
            available = ", ".join(fields)
            raise KeyError(
                f"ModelCheckpoint: cannot fill the filepath template {self.filepath!r}: it uses "
                f"{{{err.args[0]}}}, but the only values at this point are: {available}. Use one "
                f"of those names (validation metrics need validation data)."
            ) from None

    def _write(self, filepath):
        directory = os.path.dirname(filepath)
        if directory:
            os.makedirs(directory, exist_ok=True)
        saver = getattr(self.model, "save_weights" if self.save_weights_only else "save", None)
        if saver is not None:
            try:
                saver(filepath)
                return filepath
            except NotImplementedError:
                pass  # Saving has not landed for this model: fall back to raw weights.
        path = filepath if filepath.endswith(".npz") else filepath + ".npz"
        return save_weights_npz(path, self.model.get_weights())


def _check_extension(filepath, save_weights_only):
    # Keras 3 refuses a name its saver would not accept when the callback is made, not at
    # the end of the first epoch; gradiente's NumPy-only formats are allowed beside Keras's.
    if save_weights_only:
        if not filepath.endswith((".weights.h5", ".weights.npz")):
            raise ValueError(
                "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath must end "
                "in `.weights.h5` (Keras's weights format, needs h5py) or `.weights.npz` "
                f"(gradiente's NumPy-only one). Received: filepath={filepath}"
            )
    elif not filepath.endswith((".keras", ".h5")):
        raise ValueError(
            "The filepath given to `ModelCheckpoint` must end in `.keras` (the model format; "
            f"`.h5` for the legacy HDF5 one). Received: filepath={filepath}"
        )
