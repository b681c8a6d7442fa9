"""Issue 13, "Model files" 5 and 7: a BackupAndRestore backup whose training state is
damaged or crafted gives ModelFormatError naming the entry, bounded in time and memory."""
import json
import zipfile

import numpy as np
import pytest

import gradiente as keras
from gradiente.saving import ModelFormatError
from hostile_helpers import refused, write_archive
from saving_helpers import small_mlp


@pytest.fixture
def backup(tmp_path, data):
    """A real backup after one epoch: (its folder, its members, the training data)."""
    x, y = data
    folder = tmp_path / "backup"
    callback = keras.callbacks.BackupAndRestore(folder, delete_checkpoint=False)
    small_mlp(seed=2).fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[callback])
    with zipfile.ZipFile(folder / "latest.keras") as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    return folder, members, (x, y)


def _resume(folder, data):
    x, y = data
    model = small_mlp(seed=2)
    model.fit(x, y, epochs=2, batch_size=32, verbose=0,
              callbacks=[keras.callbacks.BackupAndRestore(folder)])
    return model


def _with_state(folder, members, change):
    state = json.loads(members["training_state.json"])
    change(state)
    write_archive(folder / "latest.keras",
                  {**members, "training_state.json": json.dumps(state).encode()})


def test_intact_backup_resumes(backup):
    folder, members, data = backup
    write_archive(folder / "latest.keras", members)  # rewritten by the helper, still valid
    _resume(folder, data)
    assert not (folder / "latest.keras").exists()


EPOCH, HISTORY = "`epoch` must be a whole number", "history['loss'] must be a list of numbers"
RNG, GENERATOR = "random state is invalid", "unknown bit generator"


@pytest.mark.parametrize("change, pattern", [
    pytest.param(lambda s: s.pop("epoch"), EPOCH, id="no-epoch"),
    pytest.param(lambda s: s.update(epoch="abc"), EPOCH, id="epoch-abc"),
    pytest.param(lambda s: s.update(epoch=-1), EPOCH, id="epoch-negative"),
    pytest.param(lambda s: s.update(epoch=1.5), EPOCH, id="epoch-float"),
    pytest.param(lambda s: s.update(epoch=True), EPOCH, id="epoch-bool"),
    pytest.param(lambda s: s.update(history=[1, 2]), "`history` must be an object of lists",
                 id="history-list"),
    pytest.param(lambda s: s.update(history={"loss": "abc"}), HISTORY, id="history-string"),
    pytest.param(lambda s: s.update(history={"loss": [{"x": 1}]}), HISTORY, id="history-objects"),
    pytest.param(lambda s: s.update(rng=[1, 2]), "`rng` must be a bit generator state", id="rng-list"),
    pytest.param(lambda s: s["rng"].update(bit_generator=["PCG64"]), GENERATOR, id="generator-list"),
    pytest.param(lambda s: s["rng"].update(bit_generator="os.system"), GENERATOR, id="generator-os.system"),
    pytest.param(lambda s: s["rng"].update(state="abc"), RNG, id="rng-state-string"),
    pytest.param(lambda s: s["rng"]["state"].update(state=2 ** 200), RNG,
                 id="rng-state-overflow"),
])
def test_damaged_training_state_is_a_format_error(backup, change, pattern):
    folder, members, data = backup
    _with_state(folder, members, change)
    refused(lambda: _resume(folder, data), "latest.keras", pattern)


def test_training_state_that_is_not_an_object_is_a_format_error(backup):
    folder, members, data = backup
    write_archive(folder / "latest.keras", {**members, "training_state.json": b"[1, 2]"})
    refused(lambda: _resume(folder, data), "training_state.json is not a JSON object")


@pytest.mark.parametrize("dtype", ["(3000,3000)f8", "(99999999999999999999,)f4", "float64", "O"])
def test_random_state_arrays_only_take_unsigned_words(backup, dtype):
    folder, members, data = backup

    def retype(state):
        state["rng"] = {"bit_generator": "MT19937",
                        "state": {"key": {"__array__": [0, 1], "dtype": dtype}, "pos": 0}}
    _with_state(folder, members, retype)
    # "(3000,3000)f8" made each of the two words a 72 MB block before the state was refused
    refused(lambda: _resume(folder, data), "not that of a bit generator's state")


def test_oversized_random_state_array_is_refused(backup):
    folder, members, data = backup

    def grow(state):
        state["rng"] = {"bit_generator": "MT19937",
                        "state": {"key": {"__array__": [0] * 100_000, "dtype": "uint32"}, "pos": 0}}
    _with_state(folder, members, grow)
    refused(lambda: _resume(folder, data), "expected at most 1024 uint32 words")


def test_huge_training_state_is_refused_before_parsing(backup):
    folder, members, data = backup
    tiny = b"[" + b"{}," * 1_000_000 + b"{}]"  # 3 MB, ~3 KB deflated, ~80 MB once parsed
    write_archive(folder / "latest.keras", {**members, "training_state.json": tiny})
    assert (folder / "latest.keras").stat().st_size < 64 << 10
    refused(lambda: _resume(folder, data), "training_state.json holds about 2000003 JSON values")


def test_backup_without_training_state_is_a_format_error(backup):
    folder, members, data = backup
    write_archive(folder / "latest.keras", {k: v for k, v in members.items() if k != "training_state.json"})
    refused(lambda: _resume(folder, data), "holds no training_state.json")


def test_refused_backup_leaves_the_model_untouched(backup):
    folder, members, data = backup
    _with_state(folder, members, lambda s: s.pop("epoch"))
    model = small_mlp(seed=2)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ModelFormatError):
        model.fit(*data, epochs=2, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(folder)])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
