"""``BackupAndRestore``: a run that is killed resumes from its last completed epoch."""
import contextlib
import os

import numpy as np

from gradiente import backend
from gradiente.callbacks.callback import Callback
from gradiente.callbacks.logs import logs_dict

# Bit generators a backup may name; anything else in a file is refused, never looked up.
_BIT_GENERATORS = {"PCG64": np.random.PCG64, "PCG64DXSM": np.random.PCG64DXSM,
                   "MT19937": np.random.MT19937, "Philox": np.random.Philox,
                   "SFC64": np.random.SFC64}


class BackupAndRestore(Callback):
    """Back up the model, its optimizer, the epoch, the history and the library's random
    state into ``backup_dir`` at the end of every epoch (atomically: a kill mid-write
    keeps the previous backup). When ``fit`` starts and a backup exists, all of it is
    restored and training continues with the first epoch not completed, ending exactly
    as an uninterrupted run would.

    Args:
        backup_dir: folder for the backup (created if needed).
        save_freq: ``"epoch"``, or a number of batches between extra backups; a run
            interrupted after such a backup restarts the interrupted epoch from its
            first batch with the backed-up weights (not bit-exact, unlike epoch backups).
        delete_checkpoint: delete the backup when training finishes.
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: `backup_dir` must be a folder path, received "
                             f"{backup_dir!r}.")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)
                                     or save_freq <= 0):
            raise ValueError("BackupAndRestore: `save_freq` must be 'epoch' or a positive number "
                             f"of batches; received save_freq={save_freq!r}.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = delete_checkpoint
        self._path = os.path.join(self.backup_dir, "latest.keras")
        self._history = {}
        self._epoch = 0
        self._batches = 0

    def on_train_begin(self, logs=None):
        from gradiente.saving.api import restore_training

        os.makedirs(self.backup_dir, exist_ok=True)
        self._history, self._batches = {}, 0
        if not os.path.exists(self._path):
            return
        # restore_training checks every entry of the state (the format error otherwise).
        state = restore_training(self.model, self._path)
        _set_rng_state(state["rng"], self._path)
        self._history = state["history"]
        self.model._resume_state = {"epoch": state["epoch"], "history": self._history}

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches += 1
        if self._batches % self.save_freq == 0:
            self._backup(self._epoch)

    def on_epoch_end(self, epoch, logs=None):
        for key, value in logs_dict(logs).items():
            self._history.setdefault(key, []).append(value)
        self._backup(epoch + 1)

    def _backup(self, next_epoch):
        from gradiente.saving.api import save_model

        state = {"epoch": next_epoch, "history": self._history,
                 "rng": _jsonable_state(backend.rng().bit_generator.state)}
        save_model(self.model, self._path, training_state=state)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._path)
            with contextlib.suppress(OSError):
                os.rmdir(self.backup_dir)  # only if empty: never remove a user's files


def _jsonable_state(state):
    if isinstance(state, dict):
        return {k: _jsonable_state(v) for k, v in state.items()}
    if isinstance(state, np.ndarray):
        return {"__array__": state.tolist(), "dtype": state.dtype.name}
    if isinstance(state, np.generic):
        return state.item()
    return state


def _set_rng_state(state, path):
    from gradiente.saving.errors import ModelFormatError

    if state is None:
        return
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if not isinstance(name, str) or name not in _BIT_GENERATORS:
        raise ModelFormatError(path, "the backup's random state names the unknown bit generator "
                                     f"{str(name)[:40]!r}.")
    generator = backend.rng()
    if generator.bit_generator.state.get("bit_generator") != name:
        generator = np.random.Generator(_BIT_GENERATORS[name]())
    try:
        generator.bit_generator.state = state
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as err:
        raise ModelFormatError(path, f"the backup's random state is invalid ({err}).") from None
    backend._state["rng"] = generator
