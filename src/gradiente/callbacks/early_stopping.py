"""``EarlyStopping``: stop ``fit`` when a monitored quantity stops improving."""
from gradiente.callbacks.callback import Callback
from gradiente.callbacks.monitor import read_monitor, resolve_mode


class EarlyStopping(Callback):
    """Stop training after ``patience`` epochs without an improvement of at least ``min_delta``.

    Args:
        monitor: the logs key to watch (``"val_loss"``, ``"val_accuracy"``, ...).
        min_delta: smallest change that counts as an improvement.
        patience: epochs without improvement before stopping.
        verbose: 1 prints a line when it stops or restores weights.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracy/auc-like names).
        baseline: a value the quantity must beat; until it does, epochs count as no improvement.
        restore_best_weights: at the end of training, put back the weights of the best epoch.
        start_from_epoch: epochs to wait before watching at all (warm-up).
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        if patience < 0:
            raise ValueError(f"EarlyStopping: `patience` must be >= 0; received patience={patience}.")
        if start_from_epoch < 0:
            raise ValueError(
                f"EarlyStopping: `start_from_epoch` must be >= 0; received {start_from_epoch}."
            )
        self.monitor = monitor
        self.min_delta = abs(min_delta)
        self.patience = patience
        self.verbose = verbose
        self.mode = resolve_mode(monitor, mode, "EarlyStopping")
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self._reset()

    def _reset(self):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_epoch = 0
        self.best_weights = None

    def _is_improvement(self, value, reference):
        if reference is None:
            return True
        if self.mode == "min":
            return value + self.min_delta < reference
        return value - self.min_delta > reference

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Something to restore even if no epoch ever beats the baseline.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
                return
        # An epoch that improves on the best so far but not on the baseline still counts
        # against patience, so a run that never reaches the baseline does stop.
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        """``logs[monitor]`` as a float, or ``None`` with a warning when it is missing."""
        return read_monitor(logs, self.monitor, "EarlyStopping")
