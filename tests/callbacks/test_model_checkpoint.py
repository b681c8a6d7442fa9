import os

import numpy as np
import pytest

from callbacks_fakes import FakeModel, run_fit
from gradiente.callbacks import ModelCheckpoint
from gradiente.callbacks.model_checkpoint import save_weights_npz

LOGS = [{"loss": 1.0, "val_loss": 0.9}, {"loss": 0.8, "val_loss": 0.95}, {"loss": 0.6, "val_loss": 0.5}]


def test_template_names_and_save_weights_only(tmp_path):
    model = FakeModel()
    template = str(tmp_path / "ckpt-{epoch:02d}-{val_loss:.2f}.weights.h5")
    run_fit([ModelCheckpoint(template, save_weights_only=True)], model, LOGS)
    names = [os.path.basename(p) for p in model.saved]
    assert names == ["ckpt-01-0.90.weights.h5", "ckpt-02-0.95.weights.h5", "ckpt-03-0.50.weights.h5"]
    assert all(os.path.exists(p) for p in model.saved)


def test_save_best_only_saves_improvements(tmp_path, capsys):
    model = FakeModel()
    cb = ModelCheckpoint(str(tmp_path / "e{epoch}.weights.h5"), save_best_only=True, save_weights_only=True,
                         verbose=1)
    run_fit([cb], model, LOGS)
    assert [os.path.basename(p) for p in model.saved] == ["e1.weights.h5", "e3.weights.h5"]
    assert cb.best == 0.5
    out = capsys.readouterr().out
    assert "Epoch 1: val_loss improved from inf to 0.90000, saving model to" in out
    assert "Epoch 2: val_loss did not improve from 0.90000" in out


def test_mode_max_and_initial_threshold(tmp_path):
    model = FakeModel()
    logs = [{"val_accuracy": 0.5}, {"val_accuracy": 0.7}, {"val_accuracy": 0.6}]
    cb = ModelCheckpoint(str(tmp_path / "{epoch}.weights.h5"), monitor="val_accuracy", save_best_only=True,
                         save_weights_only=True, initial_value_threshold=0.55)
    run_fit([cb], model, logs)
    assert [os.path.basename(p) for p in model.saved] == ["2.weights.h5"]


def test_falls_back_to_atomic_npz_of_weights_without_model_save(tmp_path):
    model = FakeModel()  # has save_weights but no `save`
    cb = ModelCheckpoint(str(tmp_path / "sub" / "model-{epoch}.keras"))
    run_fit([cb], model, LOGS[:2])
    path = tmp_path / "sub" / "model-2.keras.npz"
    assert cb.last_saved_path == str(path)
    with np.load(path) as archive:
        arrays = [archive[f"arr_{i}"] for i in range(len(archive.files))]
    assert len(arrays) == 2 and all(np.all(a == 1) for a in arrays)
    leftovers = [p for p in os.listdir(tmp_path / "sub") if p.endswith(".tmp")]
    assert leftovers == [] and sorted(os.listdir(tmp_path / "sub")) == ["model-1.keras.npz", "model-2.keras.npz"]


def test_falls_back_when_save_raises_not_implemented(tmp_path):
    class NoSaveYet(FakeModel):
        def save(self, path):
            raise NotImplementedError

    model = NoSaveYet()
    run_fit([ModelCheckpoint(str(tmp_path / "best.keras"))], model, LOGS[:1])
    with np.load(tmp_path / "best.keras.npz") as archive:
        assert archive.files == ["arr_0", "arr_1"]


def test_uses_model_save_when_present(tmp_path):
    class Saves(FakeModel):
        def save(self, path):
            self.saved.append(("full", path))

    model = Saves()
    run_fit([ModelCheckpoint(str(tmp_path / "m.keras"))], model, LOGS[:1])
    assert model.saved == [("full", str(tmp_path / "m.keras"))]


def test_other_save_errors_propagate(tmp_path):
    class Broken(FakeModel):
        def save(self, path):
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        run_fit([ModelCheckpoint(str(tmp_path / "m.keras"))], Broken(), LOGS[:1])


def test_save_freq_in_batches_with_batch_in_name(tmp_path):
    model = FakeModel()
    cb = ModelCheckpoint(str(tmp_path / "e{epoch}-b{batch}.weights.h5"), save_weights_only=True, save_freq=3)
    run_fit([cb], model, LOGS[:2], steps=4)
    # 8 batches: saves after the 3rd (epoch 1 batch 3) and the 6th (epoch 2 batch 2).
    assert [os.path.basename(p) for p in model.saved] == ["e1-b3.weights.h5", "e2-b2.weights.h5"]


def test_unknown_template_key_is_explained(tmp_path):
    cb = ModelCheckpoint(str(tmp_path / "{epoch}-{val_acc:.2f}.keras"))
    with pytest.raises(KeyError, match=r"uses \{val_acc\}, but the only values at this point are: loss, val_loss, epoch"):
        run_fit([cb], FakeModel(), LOGS[:1])


def test_bad_arguments():
    with pytest.raises(ValueError, match="save_freq"):
        ModelCheckpoint("x.keras", save_freq=0)
    with pytest.raises(ValueError, match="save_freq"):
        ModelCheckpoint("x.keras", save_freq="batch")
    with pytest.raises(ValueError, match="mode"):
        ModelCheckpoint("x.keras", mode="up")


def test_save_weights_npz_leaves_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "w.npz"
    save_weights_npz(str(path), [np.ones(2)])

    class Unconvertible:
        def __array__(self, *args, **kwargs):
            raise ValueError("cannot convert")

    with pytest.raises(ValueError, match="cannot convert"):
        save_weights_npz(str(path), [np.zeros(2), Unconvertible()])
    with np.load(path) as archive:
        assert archive["arr_0"].tolist() == [1.0, 1.0]
    assert os.listdir(tmp_path) == ["w.npz"]


def test_file_names_the_saver_would_refuse_are_refused_at_once():
    # As Keras 3: checked when the callback is made, not after the first epoch's training.
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        ModelCheckpoint("w.h5", save_weights_only=True)
    with pytest.raises(ValueError, match=r"must end in `\.keras`"):
        ModelCheckpoint("model.weights.npz")
    for ok in ("m.keras", "m.h5"):
        ModelCheckpoint(ok)
    for ok in ("w.weights.h5", "w.weights.npz"):
        ModelCheckpoint(ok, save_weights_only=True)
