"""``ReduceLROnPlateau``: lower the learning rate when a metric stops improving."""
from gradiente.callbacks.callback import Callback
from gradiente.callbacks.learning_rate import get_learning_rate, set_learning_rate
from gradiente.callbacks.monitor import read_monitor, resolve_mode


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` after ``patience`` epochs without improvement.

    Args:
        monitor: the logs key to watch.
        factor: new_lr = lr * factor, with 0 < factor < 1.
        patience: epochs without improvement before reducing.
        verbose: 1 prints a line at each reduction.
        mode: ``"min"``, ``"max"`` or ``"auto"``.
        min_delta: smallest change that counts as an improvement.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the learning rate never goes below this.

    Adds ``learning_rate`` to each epoch's logs, so ``History`` records it.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__()
        if not 0 < factor < 1:
            raise ValueError(
                f"ReduceLROnPlateau: `factor` must be between 0 and 1 (exclusive), since the "
                f"learning rate is multiplied by it; received factor={factor}."
            )
        if patience < 0 or cooldown < 0 or min_lr < 0:
            raise ValueError(
                f"ReduceLROnPlateau: `patience`, `cooldown` and `min_lr` must be >= 0; received "
                f"patience={patience}, cooldown={cooldown}, min_lr={min_lr}."
            )
        self.monitor = monitor
        self.factor = float(factor)
        self.patience = patience
        self.verbose = verbose
        self.mode = resolve_mode(monitor, mode, "ReduceLROnPlateau")
        self.min_delta = abs(min_delta)
        self.cooldown = cooldown
        self.min_lr = float(min_lr)
        self._reset()

    def _reset(self):
        self.best = float("inf") if self.mode == "min" else float("-inf")
        self.wait = 0
        self.cooldown_counter = 0

    def _improved(self, current):
        if self.mode == "min":
            return current < self.best - self.min_delta
        return current > self.best + self.min_delta

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = {} if logs is None else logs
        logs["learning_rate"] = get_learning_rate(self.model, "ReduceLROnPlateau")
        current = read_monitor(logs, self.monitor, "ReduceLROnPlateau")
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(current):
            self.best = current
            self.wait = 0
            return
        if self.in_cooldown():
            return
        self.wait += 1
        if self.wait >= self.patience:
            old_lr = logs["learning_rate"]
            if old_lr > self.min_lr:
                new_lr = max(old_lr * self.factor, self.min_lr)
                set_learning_rate(self.model, new_lr, "ReduceLROnPlateau")
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
                self.cooldown_counter = self.cooldown
                self.wait = 0
