import numpy as np
import pytest

from callbacks_fakes import FakeModel, run_fit
from gradiente.callbacks import EarlyStopping


def losses(*values, key="val_loss"):
    return [{"loss": 1.0, key: v} for v in values]


def test_stops_after_patience_epochs_without_improvement():
    model = FakeModel()
    es = EarlyStopping(patience=2)
    cbs = run_fit([es], model, losses(1.0, 0.8, 0.9, 0.85, 0.7, 0.6))
    # Best at epoch 1; epochs 2 and 3 do not improve -> stop at epoch 3.
    assert cbs.history.epoch == [0, 1, 2, 3]
    assert es.stopped_epoch == 3 and es.best == 0.8 and model.stop_training


def test_patience_zero_stops_at_first_non_improvement_but_never_at_epoch_0():
    model = FakeModel()
    es = EarlyStopping(patience=0, baseline=0.5)
    cbs = run_fit([es], model, losses(1.0, 1.1))
    assert cbs.history.epoch == [0, 1] and es.stopped_epoch == 1


def test_min_delta_requires_a_large_enough_improvement():
    es = EarlyStopping(patience=1, min_delta=0.1)
    cbs = run_fit([es], FakeModel(), losses(1.0, 0.95, 0.5))
    assert cbs.history.epoch == [0, 1] and es.best == 1.0


def test_auto_mode_maximises_accuracy_like_metrics():
    assert EarlyStopping(monitor="val_accuracy").mode == "max"
    assert EarlyStopping(monitor="acc").mode == "max"
    assert EarlyStopping(monitor="val_auc").mode == "max"
    assert EarlyStopping(monitor="val_mae").mode == "min"
    es = EarlyStopping(monitor="val_accuracy", patience=1)
    cbs = run_fit([es], FakeModel(), losses(0.5, 0.7, 0.6, 0.9, key="val_accuracy"))
    assert cbs.history.epoch == [0, 1, 2] and es.best == 0.7


def test_explicit_mode_and_bad_mode():
    es = EarlyStopping(monitor="score", mode="max", patience=0)
    cbs = run_fit([es], FakeModel(), losses(1.0, 2.0, 1.5, key="score"))
    assert cbs.history.epoch == [0, 1, 2]
    with pytest.raises(ValueError, match="`mode` must be 'auto', 'min' or 'max'; received mode='maximum'"):
        EarlyStopping(mode="maximum")
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=-1)


def test_restore_best_weights_at_train_end():
    model = FakeModel()
    es = EarlyStopping(patience=1, restore_best_weights=True, verbose=1)
    run_fit([es], model, losses(1.0, 0.5, 0.7, 0.9))
    # run_fit marks every weight with the epoch number: epoch 1 was the best.
    assert es.best_epoch == 1
    assert all(np.all(w == 1) for w in model.weights)


def test_restore_best_weights_even_without_early_stop():
    model = FakeModel()
    es = EarlyStopping(patience=5, restore_best_weights=True)
    run_fit([es], model, losses(1.0, 0.5, 0.7))
    assert es.stopped_epoch == 0 and all(np.all(w == 1) for w in model.weights)


def test_baseline_never_reached_stops_even_while_improving():
    es = EarlyStopping(patience=2, baseline=0.1)
    cbs = run_fit([es], FakeModel(), losses(1.0, 0.9, 0.8, 0.7, 0.6))
    assert cbs.history.epoch == [0, 1] and es.best == 0.9


def test_start_from_epoch_ignores_warm_up_epochs():
    es = EarlyStopping(patience=0, start_from_epoch=2)
    cbs = run_fit([es], FakeModel(), losses(0.1, 0.9, 1.0, 1.1, 1.2))
    assert cbs.history.epoch == [0, 1, 2, 3] and es.best == 1.0


def test_missing_monitor_warns_and_never_stops():
    es = EarlyStopping(patience=0)
    with pytest.warns(UserWarning, match=r"`val_loss`, which is not in the logs \(available: loss\)"):
        cbs = run_fit([es], FakeModel(), [{"loss": 1.0}, {"loss": 2.0}])
    assert cbs.history.epoch == [0, 1]


def test_nan_counts_as_no_improvement():
    es = EarlyStopping(patience=1, monitor="loss")
    cbs = run_fit([es], FakeModel(), losses(1.0, float("nan"), float("nan"), key="loss"))
    assert cbs.history.epoch == [0, 1] and es.best == 1.0


def test_verbose_messages(capsys):
    es = EarlyStopping(patience=0, verbose=1, restore_best_weights=True)
    run_fit([es], FakeModel(), losses(1.0, 2.0))
    out = capsys.readouterr().out
    assert "Epoch 2: early stopping" in out
    assert "Restoring model weights from the end of the best epoch: 1." in out
