"""``LearningRateScheduler``: set the learning rate from a function of the epoch."""
import inspect
import numbers

from gradiente.callbacks.callback import Callback
from gradiente.callbacks.learning_rate import get_learning_rate, set_learning_rate


def _takes_learning_rate(schedule):
    """``schedule(epoch, lr)`` (Keras 2+) or the older ``schedule(epoch)``?"""
    try:
        params = inspect.signature(schedule).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature: assume the current form
        return True
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    variadic = any(p.kind == p.VAR_POSITIONAL for p in params)
    return variadic or len(positional) >= 2


class LearningRateScheduler(Callback):
    """At the start of each epoch, ``lr = schedule(epoch, lr)`` (epoch 0-based).

    ``schedule(epoch)`` with one argument is accepted too. Adds ``learning_rate`` to each
    epoch's logs, so ``History`` records it.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(
                f"LearningRateScheduler: `schedule` must be a function (epoch, lr) -> new lr; "
                f"received {type(schedule).__name__}: {schedule!r}."
            )
        self.schedule = schedule
        self.verbose = verbose
        self._pass_lr = _takes_learning_rate(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        lr = get_learning_rate(self.model, "LearningRateScheduler")
        new_lr = self.schedule(epoch, lr) if self._pass_lr else self.schedule(epoch)
        if isinstance(new_lr, bool) or not isinstance(new_lr, numbers.Real):
            raise ValueError(
                f"LearningRateScheduler: the schedule must return a float; at epoch {epoch} it "
                f"returned {type(new_lr).__name__}: {new_lr!r}."
            )
        set_learning_rate(self.model, new_lr, "LearningRateScheduler")
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(new_lr)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = get_learning_rate(self.model, "LearningRateScheduler")
