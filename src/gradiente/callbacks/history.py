"""``History``: the per-epoch record that ``fit`` returns."""
from gradiente.callbacks.callback import Callback
from gradiente.callbacks.logs import logs_dict


def _to_python(value):
    """Logs hold NumPy scalars or 0-d arrays; History keeps plain floats, as Keras does."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


class History(Callback):
    """Records each epoch's logs: ``history`` maps a key (``loss``, ``val_accuracy``, ...) to a
    list of floats, one per epoch; ``epoch`` lists the epoch indices (0-based)."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []
        if self.model is not None:
            self.model.history = self

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in logs_dict(logs).items():
            self.history.setdefault(key, []).append(_to_python(value))
