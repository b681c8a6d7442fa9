"""``CallbackList``: one object that forwards each hook to every callback, in order."""
from gradiente import replica_context
from gradiente.callbacks.callback import Callback
from gradiente.callbacks.history import History
from gradiente.callbacks.progbar_logger import ProgbarLogger

# Each batch hook and the names whose override makes a callback need it (the train hooks
# also fire the legacy ``on_batch_*`` aliases).
_BATCH_HOOKS = {
    "on_train_batch_begin": ("on_train_batch_begin", "on_batch_begin"),
    "on_train_batch_end": ("on_train_batch_end", "on_batch_end"),
    "on_test_batch_begin": ("on_test_batch_begin",),
    "on_test_batch_end": ("on_test_batch_end",),
    "on_predict_batch_begin": ("on_predict_batch_begin",),
    "on_predict_batch_end": ("on_predict_batch_end",),
}


def _overrides(callback, names):
    """Does ``callback`` (its class or the instance itself) replace any of these hooks?"""
    for name in names:
        attr = getattr(callback, name)
        if getattr(attr, "__func__", attr) is not getattr(Callback, name):
            return True
    return False


def prints_or_writes(callback):
    """Whether ``callback`` only produces output (the terminal, files): in a data-parallel
    run, process 0 alone runs it."""
    from gradiente.callbacks.backup_and_restore import BackupAndRestore
    from gradiente.callbacks.csv_logger import CSVLogger
    from gradiente.callbacks.model_checkpoint import ModelCheckpoint
    from gradiente.callbacks.tensorboard import TensorBoard

    return isinstance(callback, (ProgbarLogger, ModelCheckpoint, BackupAndRestore, CSVLogger, TensorBoard))


def _as_callback_list(callbacks):
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(
            f"`callbacks` must be a list of Callback instances; received {type(callbacks).__name__}: "
            f"{callbacks!r}."
        )
    out = []
    for cb in callbacks:
        if isinstance(cb, (list, tuple)):
            out.extend(_as_callback_list(cb))
        elif isinstance(cb, type) and issubclass(cb, Callback):
            raise TypeError(
                f"`callbacks` received the class {cb.__name__}, not an instance of it. "
                f"Create one first, e.g. callbacks=[{cb.__name__}()]."
            )
        elif not isinstance(cb, Callback):
            raise TypeError(
                f"Every entry of `callbacks` must be a keras.callbacks.Callback instance; received "
                f"{type(cb).__name__}: {cb!r}. Subclass keras.callbacks.Callback, or wrap functions "
                f"in keras.callbacks.LambdaCallback."
            )
        else:
            out.append(cb)
    return out


class CallbackList(Callback):
    """Calls each hook on every callback in ``callbacks``, in order.

    ``add_history`` appends a ``History`` and ``add_progbar`` puts a ``ProgbarLogger`` first,
    unless the list already holds one. ``params`` (``verbose``, ``epochs``, ``steps``) go to
    every callback's ``set_params``. Batch hooks that no callback overrides are skipped, and
    ``should_call_train_batch_hooks`` (and the test/predict ones) tell the caller whether
    building per-batch ``logs`` is worth it at all.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = _as_callback_list(callbacks)
        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        self._progbar = next((cb for cb in self.callbacks if isinstance(cb, ProgbarLogger)), None)
        if add_history and self._history is None:
            self._history = History()
            self.callbacks.append(self._history)
        if add_progbar and self._progbar is None:
            # First, so the epoch's line is printed before other callbacks print their notes.
            self._progbar = ProgbarLogger()
            self.callbacks.insert(0, self._progbar)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)
        self._index_batch_hooks()
        if not replica_context.is_writer():
            self._leave_output_to_process_zero()

    def _index_batch_hooks(self):
        self._batch_hooks = {
            hook: [getattr(cb, hook) for cb in self.callbacks if _overrides(cb, names)]
            for hook, names in _BATCH_HOOKS.items()
        }
        self.should_call_train_batch_hooks = bool(
            self._batch_hooks["on_train_batch_begin"] or self._batch_hooks["on_train_batch_end"]
        )
        self.should_call_test_batch_hooks = bool(
            self._batch_hooks["on_test_batch_begin"] or self._batch_hooks["on_test_batch_end"]
        )
        self.should_call_predict_batch_hooks = bool(
            self._batch_hooks["on_predict_batch_begin"] or self._batch_hooks["on_predict_batch_end"]
        )

    def _leave_output_to_process_zero(self):
        """On processes other than 0 of a data-parallel run, drop the callbacks that print or
        write files. The ``should_call_*`` flags stay as computed with them, so every process
        builds (and reduces) per-batch logs at the same steps."""
        self.callbacks = [cb for cb in self.callbacks if not prints_or_writes(cb)]
        for hook, fns in self._batch_hooks.items():
            self._batch_hooks[hook] = [fn for fn in fns if not prints_or_writes(getattr(fn, "__self__", None))]

    @property
    def history(self):
        """The ``History`` callback in the list (``None`` when there is none)."""
        return self._history

    def append(self, callback):
        self.callbacks.extend(_as_callback_list(callback))
        self._index_batch_hooks()

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)

    def set_params(self, params):
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def set_model(self, model):
        self._model = model
        for cb in self.callbacks:
            cb.set_model(model)

    def _call_batch_hook(self, hook, batch, logs):
        hooks = self._batch_hooks[hook]
        if hooks:
            logs = {} if logs is None else logs
            for fn in hooks:
                fn(batch, logs)

    # Batch level: only the callbacks that override the hook.
    def on_batch_begin(self, batch, logs=None):
        self._call_batch_hook("on_train_batch_begin", batch, logs)

    def on_batch_end(self, batch, logs=None):
        self._call_batch_hook("on_train_batch_end", batch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call_batch_hook("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call_batch_hook("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call_batch_hook("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call_batch_hook("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call_batch_hook("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call_batch_hook("on_predict_batch_end", batch, logs)

    # Epoch and run level: every callback, with one shared ``logs`` dict, so what one callback
    # adds (ReduceLROnPlateau's ``learning_rate``) is seen by the next (History).
    def on_epoch_begin(self, epoch, logs=None):
        logs = {} if logs is None else logs
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        logs = {} if logs is None else logs
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)

    def on_train_begin(self, logs=None):
        logs = {} if logs is None else logs
        for cb in self.callbacks:
            cb.on_train_begin(logs)

    def on_train_end(self, logs=None):
        logs = {} if logs is None else logs
        for cb in self.callbacks:
            cb.on_train_end(logs)

    def on_test_begin(self, logs=None):
        logs = {} if logs is None else logs
        for cb in self.callbacks:
            cb.on_test_begin(logs)

    def on_test_end(self, logs=None):
        logs = {} if logs is None else logs
        for cb in self.callbacks:
            cb.on_test_end(logs)

    def on_predict_begin(self, logs=None):
        logs = {} if logs is None else logs
        for cb in self.callbacks:
            cb.on_predict_begin(logs)

    def on_predict_end(self, logs=None):
        logs = {} if logs is None else logs
        for cb in self.callbacks:
            cb.on_predict_end(logs)
