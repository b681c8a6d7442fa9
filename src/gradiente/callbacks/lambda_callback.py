"""``LambdaCallback``: a callback built from plain functions."""
from gradiente.callbacks.callback import Callback

_HOOKS = (
    "on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end",
    "on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end",
    "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
    "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end",
)


class LambdaCallback(Callback):
    """Each keyword names a hook and gives the function to call, with the hook's arguments:
    ``on_epoch_end=lambda epoch, logs: ...``, ``on_train_begin=lambda logs: ...``,
    ``on_train_batch_end=lambda batch, logs: ...``. Hooks not given do nothing."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None, **more_hooks):
        super().__init__()
        hooks = {
            "on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin, "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin, "on_train_batch_end": on_train_batch_end,
        }
        hooks.update(more_hooks)
        for name, fn in hooks.items():
            if name not in _HOOKS:
                raise TypeError(
                    f"LambdaCallback got an unknown hook {name!r}. Valid hooks: {', '.join(_HOOKS)}."
                )
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(
                    f"LambdaCallback: `{name}` must be a function; received "
                    f"{type(fn).__name__}: {fn!r}."
                )
            # An instance attribute shadows the base hook; CallbackList sees it as overridden.
            setattr(self, name, fn)
