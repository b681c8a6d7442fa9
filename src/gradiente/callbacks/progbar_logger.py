"""``ProgbarLogger``: prints ``fit``/``evaluate``/``predict`` progress in Keras's format."""
from gradiente.callbacks.callback import Callback
from gradiente.callbacks.progbar import Progbar


class ProgbarLogger(Callback):
    """Draws a ``Progbar`` per epoch (``fit``) or per run (``evaluate``, ``predict``).

    Reads ``verbose`` (1: bar, 2: one line per epoch), ``epochs`` and ``steps`` from the params
    the training loop sets. The logs it receives already hold running averages, so every value
    is shown as given. ``Epoch i/n`` is printed only when ``n > 1``, as Keras does.
    """

    def __init__(self, count_mode="steps", stateful_metrics=None):
        super().__init__()
        if count_mode != "steps":
            raise ValueError(
                f"ProgbarLogger: only count_mode='steps' is supported (the bar counts batches); "
                f"received count_mode={count_mode!r}."
            )
        self._extra_stateful = set(stateful_metrics) if stateful_metrics else set()
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self.seen = 0
        self.progbar = None
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = Progbar(
            target=self.target, verbose=self.verbose, stateful_metrics=self._extra_stateful,
            unit_name="step",
        )

    def _update_progbar(self, batch, logs):
        self.seen = batch + 1
        # verbose=2 draws only at the end, from the epoch's logs: nothing to do per batch.
        if self.verbose == 1:
            if self.progbar is None:
                self._reset_progbar()
            # Skipped redraws lose nothing (every value is stateful), and lazily computed
            # logs are then never read.
            if self.progbar.would_draw():
                self.progbar.update(self.seen, self._stateful_items(logs), finalize=False)

    def _stateful_items(self, logs):
        """The logs as ``(name, value)`` pairs, every name marked as shown-as-given."""
        if logs is None:
            return None
        items = list(logs.items())
        self.progbar.stateful_metrics.update(name for name, _ in items)
        return items

    def _finalize_progbar(self, logs):
        if self.progbar is None:
            self._reset_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.seen
        items = self._stateful_items(logs)
        # A run stopped early shows the steps it did, not the planned ones.
        self.progbar.update(self.seen or self.target, items, finalize=True)

    def on_train_begin(self, logs=None):
        # Validation inside fit runs evaluate's hooks: its bar must stay silent.
        self._called_in_fit = True

    def on_train_end(self, logs=None):
        self._called_in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_train_batch_end(self, batch, logs=None):
        self._update_progbar(batch, logs)

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_begin(self, logs=None):
        self._reset_progbar()

    def on_predict_batch_end(self, batch, logs=None):
        # Predict's batch logs carry outputs, not metrics: show the bar alone.
        self._update_progbar(batch, None)

    def on_predict_end(self, logs=None):
        self._finalize_progbar(None)
