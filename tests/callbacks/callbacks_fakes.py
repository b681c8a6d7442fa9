"""A stand-in model and a driver that calls a CallbackList's hooks in the order fit does."""
import numpy as np

from gradiente.callbacks import CallbackList


class FakeOptimizer:
    def __init__(self, learning_rate=0.01):
        self._lr = learning_rate

    @property
    def learning_rate(self):
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value):
        self._lr = float(value)


class FakeModel:
    """get_weights/set_weights, stop_training, optimizer.learning_rate and save_weights."""

    def __init__(self, with_save_weights=True):
        self.weights = [np.zeros((2, 3), np.float32), np.zeros(3, np.float32)]
        self.stop_training = False
        self.optimizer = FakeOptimizer()
        self.saved = []
        if not with_save_weights:
            self.save_weights = None

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]

    def save_weights(self, path):
        self.saved.append(path)
        with open(path, "w") as handle:
            handle.write("weights")

    def mark(self, value):
        """Make the weights recognisable: every entry equals ``value``."""
        self.weights = [np.full_like(w, value) for w in self.weights]


def run_fit(callbacks, model, epoch_logs, steps=2, batch_logs=None, verbose=0):
    """Drive ``callbacks`` like fit: ``epoch_logs[i]`` ends epoch i; returns the CallbackList.

    ``model.mark(epoch)`` is applied during each epoch so weights identify their epoch.
    """
    cbs = CallbackList(callbacks, add_history=True, model=model, verbose=verbose,
                       epochs=len(epoch_logs), steps=steps)
    model.stop_training = False
    cbs.on_train_begin()
    for epoch, logs in enumerate(epoch_logs):
        cbs.on_epoch_begin(epoch)
        for batch in range(steps):
            cbs.on_train_batch_begin(batch)
            model.mark(epoch)
            cbs.on_train_batch_end(batch, dict(batch_logs or {"loss": logs.get("loss", 0.0)}))
            if model.stop_training:
                break
        cbs.on_epoch_end(epoch, dict(logs))
        if model.stop_training:
            break
    cbs.on_train_end()
    return cbs
