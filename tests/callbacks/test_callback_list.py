import numpy as np
import pytest

from callbacks_fakes import FakeModel, run_fit
from gradiente.callbacks import (
    Callback, CallbackList, EarlyStopping, History, LambdaCallback, ModelCheckpoint, ProgbarLogger,
)

ALL_HOOKS = [
    "on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
    "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin",
    "on_test_batch_end", "on_predict_begin", "on_predict_end", "on_predict_batch_begin",
    "on_predict_batch_end", "on_batch_begin", "on_batch_end",
]


class Recorder(Callback):
    """Overrides every hook and records (hook, argument) pairs."""

    def __init__(self):
        super().__init__()
        self.calls = []


def _recording(name):
    def hook(self, *args):
        self.calls.append((name,) + args[:-1] if len(args) == 2 else (name,))
    return hook


for _name in ALL_HOOKS:
    if _name not in ("on_batch_begin", "on_batch_end"):
        setattr(Recorder, _name, _recording(_name))


def test_base_has_every_hook_and_they_do_nothing():
    cb = Callback()
    for name in ALL_HOOKS:
        hook = getattr(cb, name)
        if "batch" in name or "epoch" in name:
            assert hook(0, {}) is None
        else:
            assert hook({}) is None
    model = object()
    cb.set_model(model)
    cb.set_params({"epochs": 3})
    assert cb.model is model and cb.params == {"epochs": 3}


def test_train_batch_hooks_forward_to_legacy_aliases():
    seen = []

    class Legacy(Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch, logs["loss"]))

    cbs = CallbackList([Legacy()])
    assert cbs.should_call_train_batch_hooks
    cbs.on_train_batch_begin(4)
    cbs.on_train_batch_end(4, {"loss": 0.5})
    cbs.on_batch_end(5, {"loss": 0.25})
    assert seen == [("begin", 4), ("end", 4, 0.5), ("end", 5, 0.25)]


def test_dispatches_every_hook_in_order_to_every_callback():
    first, second = Recorder(), Recorder()
    cbs = CallbackList([first, second])
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    cbs.on_train_batch_begin(0)
    cbs.on_train_batch_end(0, {"loss": 1.0})
    cbs.on_test_begin()
    cbs.on_test_batch_begin(0)
    cbs.on_test_batch_end(0)
    cbs.on_test_end()
    cbs.on_epoch_end(0, {"loss": 1.0})
    cbs.on_train_end()
    cbs.on_predict_begin()
    cbs.on_predict_batch_begin(3)
    cbs.on_predict_batch_end(3)
    cbs.on_predict_end()
    expected = [
        ("on_train_begin",), ("on_epoch_begin", 0), ("on_train_batch_begin", 0),
        ("on_train_batch_end", 0), ("on_test_begin",), ("on_test_batch_begin", 0),
        ("on_test_batch_end", 0), ("on_test_end",), ("on_epoch_end", 0), ("on_train_end",),
        ("on_predict_begin",), ("on_predict_batch_begin", 3), ("on_predict_batch_end", 3),
        ("on_predict_end",),
    ]
    assert first.calls == expected and second.calls == expected


def test_logs_none_becomes_a_dict_shared_by_all_callbacks():
    class Adds(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["extra"] = 7.0

    model = FakeModel()
    cbs = CallbackList([Adds()], add_history=True, model=model)
    cbs.on_train_begin(None)
    cbs.on_epoch_end(0, None)
    assert cbs.history.history == {"extra": [7.0]}


def test_batch_hooks_skipped_when_nobody_overrides_them(monkeypatch):
    class EpochOnly(Callback):
        def on_epoch_end(self, epoch, logs=None):
            pass

    calls = []
    monkeypatch.setattr(Callback, "on_train_batch_end", lambda self, b, logs=None: calls.append(b))
    cbs = CallbackList([EpochOnly(), History()])
    # Override detection happened against the patched base, so still nothing overrides it.
    assert not cbs.should_call_train_batch_hooks
    assert not cbs.should_call_test_batch_hooks and not cbs.should_call_predict_batch_hooks
    for b in range(5):
        cbs.on_train_batch_end(b, {"loss": 1.0})
    assert calls == []


def test_batch_hook_lists_only_hold_overriding_callbacks():
    class TestBatch(Callback):
        def on_test_batch_end(self, batch, logs=None):
            pass

    cbs = CallbackList([TestBatch(), History()])
    assert cbs.should_call_test_batch_hooks
    assert not cbs.should_call_train_batch_hooks
    assert len(cbs._batch_hooks["on_test_batch_end"]) == 1
    assert cbs._batch_hooks["on_train_batch_end"] == []


def test_lambda_callback_instance_hooks_are_detected_and_called():
    seen = []
    cb = LambdaCallback(
        on_train_begin=lambda logs: seen.append("train_begin"),
        on_epoch_end=lambda epoch, logs: seen.append(("epoch_end", epoch, logs["loss"])),
        on_train_batch_end=lambda batch, logs: seen.append(("batch", batch)),
        on_batch_begin=lambda b, l: seen.append(("legacy_begin", b)),
    )
    cbs = CallbackList([cb])
    assert cbs.should_call_train_batch_hooks
    cbs.on_train_begin()
    cbs.on_train_batch_begin(0)
    cbs.on_train_batch_end(0, {})
    cbs.on_epoch_end(2, {"loss": 0.5})
    cbs.on_train_end()
    assert seen == ["train_begin", ("legacy_begin", 0), ("batch", 0), ("epoch_end", 2, 0.5)]


def test_lambda_callback_rejects_unknown_hooks_and_non_callables():
    with pytest.raises(TypeError, match="unknown hook 'on_epoch_finish'"):
        LambdaCallback(on_epoch_finish=print)
    with pytest.raises(TypeError, match="`on_epoch_end` must be a function"):
        LambdaCallback(on_epoch_end=3)
    assert not CallbackList([LambdaCallback(on_epoch_end=None)]).should_call_train_batch_hooks


def test_defaults_added_once_progbar_first_history_last():
    mine = EarlyStopping()
    cbs = CallbackList([mine], add_history=True, add_progbar=True, verbose=1, epochs=1, steps=1)
    assert isinstance(cbs.callbacks[0], ProgbarLogger)
    assert cbs.callbacks[1] is mine
    assert isinstance(cbs.callbacks[-1], History) and cbs.history is cbs.callbacks[-1]
    own_history = History()
    cbs = CallbackList([own_history], add_history=True)
    assert cbs.callbacks == [own_history] and cbs.history is own_history


def test_model_and_params_reach_every_callback():
    model = FakeModel()
    a, b = Recorder(), Recorder()
    cbs = CallbackList([a, b], model=model, verbose=2, epochs=3, steps=5)
    for cb in (a, b):
        assert cb.model is model
        assert cb.params == {"verbose": 2, "epochs": 3, "steps": 5}
    c = Recorder()
    cbs.append(c)
    assert len(cbs) == 3 and list(cbs)[-1] is c


def test_callback_subclass_without_super_init_still_works():
    class NoSuper(Callback):
        def __init__(self):
            self.count = 0

        def on_epoch_end(self, epoch, logs=None):
            self.count += 1
            self.model.stop_training = True

    model = FakeModel()
    cb = NoSuper()
    assert cb.model is None
    run_fit([cb], model, [{"loss": 1.0}, {"loss": 0.5}])
    assert cb.count == 1 and model.stop_training


def test_bad_callbacks_arguments_are_explained():
    with pytest.raises(TypeError, match=r"class EarlyStopping, not an instance.*EarlyStopping\(\)"):
        CallbackList([EarlyStopping])
    with pytest.raises(TypeError, match="must be a keras.callbacks.Callback instance; received function"):
        CallbackList([lambda epoch: None])
    with pytest.raises(TypeError, match="must be a list of Callback instances"):
        CallbackList("early_stopping")
    assert CallbackList(ModelCheckpoint("x.keras")).callbacks[0].filepath == "x.keras"


def test_history_records_floats_per_epoch_and_sets_model_history():
    model = FakeModel()
    logs = [{"loss": np.float32(0.5), "accuracy": np.float64(0.75), "val_loss": np.array(0.6)},
            {"loss": 0.25, "accuracy": 0.875, "val_loss": 0.4}]
    cbs = run_fit([], model, logs)
    history = cbs.history
    assert model.history is history
    assert history.epoch == [0, 1]
    assert history.history == {"loss": [0.5, 0.25], "accuracy": [0.75, 0.875], "val_loss": [0.6, 0.4]}
    assert all(type(v) is float for values in history.history.values() for v in values)
    assert history.params == {"verbose": 0, "epochs": 2, "steps": 2}


def test_lambda_callback_accepts_keras_positional_order():
    seen = []
    cb = LambdaCallback(lambda epoch, logs: seen.append(("begin", epoch)),
                        lambda epoch, logs: seen.append(("end", epoch)))
    cbs = CallbackList([cb])
    cbs.on_epoch_begin(1)
    cbs.on_epoch_end(1)
    assert seen == [("begin", 1), ("end", 1)] and not cbs.should_call_train_batch_hooks
