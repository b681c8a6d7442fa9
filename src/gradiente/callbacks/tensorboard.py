"""``TensorBoard``: training curves, learning rate and weight histograms for TensorBoard.

Writes event files under ``log_dir/train`` and ``log_dir/validation`` with Keras's tags
(``epoch_loss``, ``epoch_accuracy``, ``epoch_learning_rate``, ``batch_loss``, ...), so
``tensorboard --logdir logs`` shows them as it shows a Keras run. The files are written
by tensorboardX, an optional extra: ``pip install "gradiente[tensorboard]"``.
"""
import os
import time

import numpy as np

from gradiente.callbacks.callback import Callback
from gradiente.callbacks.logs import logs_dict


def _summary_writer(path):
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        raise ImportError(
            "The TensorBoard callback writes its logs with tensorboardX, which is not installed. "
            'Install it with: pip install "gradiente[tensorboard]" (or pip install tensorboardX); '
            "view the logs with TensorBoard itself (pip install tensorboard)."
        ) from None
    return SummaryWriter(logdir=path)


class TensorBoard(Callback):
    """Log losses and metrics for TensorBoard (Keras's arguments and tags).

    ``log_dir``: where ``train/`` and ``validation/`` go. ``update_freq``: ``"epoch"``,
    ``"batch"`` or an integer n (every n batches, as ``batch_*`` scalars against the number
    of batches trained). ``histogram_freq``: every that many epochs, a histogram of every
    weight (0: none). ``write_graph``: the model's ``summary()`` table, as text at step 0
    (TensorBoard's graph view needs a TensorFlow graph, which gradiente does not build).
    ``write_steps_per_second``: also log training speed. TensorFlow's profiler
    (``profile_batch``), weight images and embedding projections do not exist here: asking
    for them is an error.
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        for name, value, default, instead in (
                ("profile_batch", profile_batch, 0, "profile with python -m cProfile instead"),
                ("write_images", write_images, False, "histogram_freq shows the weights' distributions"),
                ("embeddings_freq", embeddings_freq, 0, "save Embedding weights with model.save instead"),
                ("embeddings_metadata", embeddings_metadata, None, "")):
            if value != default and value is not None and value is not False:
                raise ValueError(f"TensorBoard: {name}={value!r} needs TensorFlow, which gradiente does not "
                                 f"use; leave it at {default!r}" + (f" ({instead})." if instead else "."))
        if not isinstance(histogram_freq, int) or isinstance(histogram_freq, bool) or histogram_freq < 0:
            raise ValueError(f"TensorBoard: `histogram_freq` must be an integer >= 0, received {histogram_freq!r}.")
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (not isinstance(update_freq, int) or isinstance(update_freq, bool)
                                       or update_freq < 1):
            raise ValueError('TensorBoard: `update_freq` must be "epoch", "batch" or a positive integer, '
                             f"received {update_freq!r}.")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = bool(write_graph)
        self.write_steps_per_second = bool(write_steps_per_second)
        self.update_freq = update_freq
        self._writers = {}
        self._train_step = self._epoch_step = 0
        self._epoch_start = time.perf_counter()
        if update_freq != "epoch":
            # Only then does fit need to build logs after every batch.
            self.on_train_batch_end = self._log_batch

    def _writer(self, name):
        if name not in self._writers:
            self._writers[name] = _summary_writer(os.path.join(self.log_dir, name))
        return self._writers[name]

    def on_train_begin(self, logs=None):
        self._train_step = 0
        writer = self._writer("train")
        if self.write_graph and self.model is not None:
            lines = []
            self.model.summary(print_fn=lines.append)
            # Markdown: indented four spaces, the table keeps its columns.
            writer.add_text("model_summary", "\n".join("    " + line for line in lines), 0)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start, self._epoch_step = time.perf_counter(), self._train_step

    def _log_batch(self, batch, logs=None):
        self._train_step += 1
        if self._train_step % self.update_freq == 0:
            writer = self._writer("train")
            for name, value in logs_dict(logs).items():
                self._scalars(writer, "batch_" + name, value, self._train_step)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs_dict(logs)
        if self.update_freq == "epoch":  # batches were not counted one by one
            self._train_step += (self.params or {}).get("steps") or 0
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and "learning_rate" not in train:
            train["learning_rate"] = float(optimizer.learning_rate)
        if self.write_steps_per_second:
            seconds = time.perf_counter() - self._epoch_start
            train["steps_per_second"] = (self._train_step - self._epoch_step) / max(seconds, 1e-9)
        for name, value in train.items():
            self._scalars(self._writer("train"), "epoch_" + name, value, epoch)
        for name, value in logs.items():
            if name.startswith("val_"):
                self._scalars(self._writer("validation"), "epoch_" + name[4:], value, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            writer = self._writer("train")
            for weight in self.model.weights:
                writer.add_histogram(f"{weight.path}/histogram", np.asarray(weight.data, dtype=np.float64), epoch)
        for writer in self._writers.values():
            writer.flush()

    @staticmethod
    def _scalars(writer, tag, value, step):
        """One scalar, or one per entry of an array-valued metric (per-class F1: tag/0, tag/1...)."""
        array = np.asarray(value, dtype=np.float64)
        if array.ndim == 0:
            writer.add_scalar(tag, float(array), step)
        else:
            for i, v in enumerate(array.ravel()):
                writer.add_scalar(f"{tag}/{i}", float(v), step)

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
