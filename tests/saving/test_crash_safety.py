"""Crash safety: a process SIGKILLed in the middle of saving never leaves a broken file,
and a killed training run resumes with BackupAndRestore to the same end state."""
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import gradiente as keras
from gradiente.utils.atomic import atomic_write

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")

_SAVER = textwrap.dedent("""
    import sys
    import gradiente as keras
    path = sys.argv[1]
    model = keras.Sequential([keras.layers.Dense(256, input_shape=(400,)), keras.layers.Dense(200)])
    model.compile(optimizer="adam", loss="mse")
    generation = int(sys.argv[2])
    while True:
        generation += 1
        for v in model.weights:
            v.data[...] = generation
        model.save(path)
        print(generation, flush=True)
""")


def _temp_files(folder):
    return [n for n in os.listdir(folder) if n.endswith(".gradiente-tmp")]


def test_sigkill_during_save_never_breaks_the_file(tmp_path):
    script = tmp_path / "saver.py"
    script.write_text(_SAVER)
    target = tmp_path / "model.keras"
    rng = random.Random(1234)
    generation = 0
    kills = 0
    deadline = time.monotonic() + 40
    while kills < 20 and time.monotonic() < deadline:
        child = subprocess.Popen([sys.executable, str(script), str(target), str(generation * 1000)],
                                 stdout=subprocess.PIPE, text=True)
        first = child.stdout.readline()  # one complete save before the first kill
        assert first.strip(), "the saving process did not start"
        time.sleep(rng.uniform(0.0, 0.03))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        kills += 1
        generation += 1
        model = keras.models.load_model(target)  # always loads
        values = {float(v) for w in model.get_weights() for v in np.unique(w)}
        assert len(values) == 1, f"mixed generations in one file: {sorted(values)[:4]}"
        assert int(model.optimizer.iterations.data) == 0
        assert len(_temp_files(tmp_path)) <= 1, _temp_files(tmp_path)
    assert kills >= 10


def test_failed_write_keeps_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "f.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_write(target) as handle:
            handle.write(b"half")
            raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert _temp_files(tmp_path) == []


def test_stale_temp_files_of_dead_processes_are_removed(tmp_path):
    target = tmp_path / "m.keras"
    stale = tmp_path / ".m.keras.999999999-abcd.gradiente-tmp"  # no such pid
    stale.write_bytes(b"partial")
    other = tmp_path / ".other.keras.999999999-abcd.gradiente-tmp"  # another target's: kept
    other.write_bytes(b"partial")
    keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).save(target)
    assert not stale.exists() and other.exists()


_TRAINER = textwrap.dedent("""
    import json, os, signal, sys
    import numpy as np
    import gradiente as keras
    backup, marker, out = sys.argv[1], sys.argv[2], sys.argv[3]
    keras.backend.set_random_seed(11)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 5)).astype("float32")
    y = (x @ rng.normal(size=(5, 1))).astype("float32")
    model = keras.Sequential([keras.layers.Dense(12, activation="relu", input_shape=(5,)),
                              keras.layers.Dropout(0.3), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])

    class Killer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == 3 and batch == 2 and not os.path.exists(marker):
                open(marker, "w").close()
                os.kill(os.getpid(), signal.SIGKILL)

    callbacks = [keras.callbacks.BackupAndRestore(backup)]
    if marker != "-":
        callbacks.append(Killer())
    history = model.fit(x, y, epochs=6, batch_size=16, verbose=0, validation_split=0.2,
                        callbacks=callbacks)
    np.savez(out, *model.get_weights())
    with open(out + ".json", "w") as f:
        json.dump(history.history, f)
""")


def test_backup_and_restore_after_sigkill(tmp_path):
    import json

    script = tmp_path / "trainer.py"
    script.write_text(_TRAINER)
    run = lambda *args: subprocess.run([sys.executable, str(script), *map(str, args)],
                                       capture_output=True, text=True, timeout=120)
    reference = run(tmp_path / "b0", "-", tmp_path / "ref.npz")
    assert reference.returncode == 0, reference.stderr
    marker = tmp_path / "killed"
    first = run(tmp_path / "b1", marker, tmp_path / "res.npz")
    assert first.returncode == -signal.SIGKILL and marker.exists()
    assert os.path.exists(tmp_path / "b1" / "latest.keras")  # epochs 0-2 backed up
    second = run(tmp_path / "b1", marker, tmp_path / "res.npz")
    assert second.returncode == 0, second.stderr
    with np.load(tmp_path / "ref.npz") as a, np.load(tmp_path / "res.npz") as b:
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key])
    ref_history = json.loads((tmp_path / "ref.npz.json").read_text())
    res_history = json.loads((tmp_path / "res.npz.json").read_text())
    assert ref_history == res_history and len(ref_history["loss"]) == 6
    assert not (tmp_path / "b1").exists()  # deleted after the successful run


def test_backup_and_restore_in_process_resume(tmp_path, data):
    """Same check without a subprocess: stop after 2 epochs (an exception), resume."""
    from saving_helpers import small_mlp

    x, y = data

    class Boom(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise KeyboardInterrupt

    model = small_mlp(seed=4)
    keras.backend.set_random_seed(8)
    ref = model.fit(x, y, epochs=4, batch_size=16, verbose=0).history
    model = small_mlp(seed=4)
    keras.backend.set_random_seed(8)
    backup = keras.callbacks.BackupAndRestore(tmp_path / "bk", delete_checkpoint=False)
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=4, batch_size=16, verbose=0, callbacks=[backup, Boom()])
    resumed = small_mlp(seed=4)
    keras.backend.set_random_seed(123)  # anything: the backup's random state wins
    history = resumed.fit(x, y, epochs=4, batch_size=16, verbose=0,
                          callbacks=[keras.callbacks.BackupAndRestore(tmp_path / "bk")]).history
    assert history == ref
    final = small_mlp(seed=4)
    keras.backend.set_random_seed(8)
    final.fit(x, y, epochs=4, batch_size=16, verbose=0)
    for a, b in zip(final.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
