import pytest

from callbacks_fakes import FakeModel, run_fit
from gradiente.callbacks import LearningRateScheduler, ReduceLROnPlateau


def val(*values, key="val_loss"):
    return [{"loss": 1.0, key: v} for v in values]


def test_reduce_lr_after_patience_and_records_learning_rate():
    model = FakeModel()
    cb = ReduceLROnPlateau(factor=0.5, patience=2)
    cbs = run_fit([cb], model, val(1.0, 1.0, 1.0, 1.0, 1.0))
    # No improvement after epoch 0: reduce after epochs 2 and 4.
    assert cbs.history.history["learning_rate"] == [0.01, 0.01, 0.01, 0.005, 0.005]
    assert model.optimizer.learning_rate == pytest.approx(0.0025)


def test_reduce_lr_min_delta_min_lr_and_cooldown():
    model = FakeModel()
    cb = ReduceLROnPlateau(factor=0.1, patience=1, min_delta=0.05, cooldown=1, min_lr=0.0005)
    # 0.97 is not enough of an improvement (min_delta 0.05).
    run_fit([cb], model, val(1.0, 0.97, 0.96, 0.95, 0.94, 0.93))
    # epoch1: reduce to 1e-3, cooldown 1 -> epoch2 skipped, epoch3: reduce to max(1e-4, 5e-4),
    # epoch 4 cooldown, epoch 5: already at min_lr, stays.
    assert model.optimizer.learning_rate == pytest.approx(0.0005)


def test_reduce_lr_mode_max_and_improvement_resets_wait():
    model = FakeModel()
    cb = ReduceLROnPlateau(monitor="val_accuracy", factor=0.5, patience=2)
    run_fit([cb], model, val(0.5, 0.4, 0.6, 0.5, 0.55, key="val_accuracy"))
    assert cb.mode == "max" and model.optimizer.learning_rate == pytest.approx(0.005)


def test_reduce_lr_verbose_and_bad_arguments(capsys):
    run_fit([ReduceLROnPlateau(patience=0, verbose=1)], FakeModel(), val(1.0, 2.0))
    assert "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.001" in capsys.readouterr().out
    with pytest.raises(ValueError, match="factor=1.0"):
        ReduceLROnPlateau(factor=1.0)
    with pytest.raises(ValueError, match="patience"):
        ReduceLROnPlateau(patience=-2)


def test_reduce_lr_without_optimizer_is_explained():
    model = FakeModel()
    model.optimizer = None
    with pytest.raises(ValueError, match=r"optimizer has a `learning_rate`.*compile"):
        run_fit([ReduceLROnPlateau()], model, val(1.0))


def test_scheduler_two_argument_form():
    model = FakeModel()
    seen = []

    def schedule(epoch, lr):
        seen.append((epoch, lr))
        return lr * 0.5 if epoch > 0 else lr

    cbs = run_fit([LearningRateScheduler(schedule)], model, val(1, 1, 1))
    assert seen == [(0, 0.01), (1, 0.01), (2, 0.005)]
    assert cbs.history.history["learning_rate"] == [0.01, 0.005, 0.0025]


def test_scheduler_one_argument_form_and_verbose(capsys):
    model = FakeModel()
    run_fit([LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1), verbose=1)], model, val(1, 1))
    assert model.optimizer.learning_rate == pytest.approx(0.05)
    assert "Epoch 2: LearningRateScheduler setting learning rate to 0.05." in capsys.readouterr().out


def test_scheduler_rejects_non_numbers():
    with pytest.raises(ValueError, match="must return a float; at epoch 0 it returned str"):
        run_fit([LearningRateScheduler(lambda epoch, lr: "fast")], FakeModel(), val(1))
    with pytest.raises(TypeError, match="must be a function"):
        LearningRateScheduler(0.1)
