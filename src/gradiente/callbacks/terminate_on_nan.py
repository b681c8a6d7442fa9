"""``TerminateOnNaN``: stop training as soon as the loss is NaN or infinite."""
import math

from gradiente.callbacks.callback import Callback


class TerminateOnNaN(Callback):
    """Sets ``model.stop_training`` when a batch reports a NaN or infinite ``loss``."""

    def on_train_batch_end(self, batch, logs=None):
        loss = None if logs is None else logs.get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
