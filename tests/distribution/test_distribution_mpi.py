"""Two processes under ``mpiexec -n 2`` train as one process with the same global batch.

scenarios.py runs every case once as a plain process and once under mpiexec (one launch for
all of them); the tests compare the files each process wrote. Three more launches check the
faults: an error on one process, a process killed mid-epoch, and the rerun that resumes.
"""
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "scenarios.py")
SCENARIOS = ["mlp_sgd", "mlp_adam", "cnn_sgd", "lstm_adam", "custom_step", "pydataset", "generator",
             "backup", "bn_sync"]


def _mpiexec():
    if importlib.util.find_spec("mpi4py") is None:
        assert not os.environ.get("CI"), "CI installs the mpi extra: these tests must run there"
        pytest.skip("mpi4py is not installed (pip install gradiente[mpi])")
    found = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    found = found if os.path.exists(found) else shutil.which("mpiexec")
    assert found, "mpi4py is installed but no mpiexec was found next to Python or on PATH"
    return found


def _env(**extra):
    # The plain run must not look launched; one BLAS thread per process on a small machine.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMPI_", "PMI", "PMIX_"))}
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", **extra)
    return env


def _run(args, timeout=180, **env):
    """Run ``args`` in its own process group; on timeout kill the whole group, so a bug that
    hangs the processes fails the test instead of hanging CI."""
    start = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=_env(**env), start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"{args} did not finish in {timeout} s:\n{out[-3000:]}")
    return proc.returncode, out, time.monotonic() - start


def _launch(out, mode, timeout=180, **env):
    return _run([_mpiexec(), "--allow-run-as-root", "--oversubscribe", "-n", "2",
                 sys.executable, SCRIPT, str(out), mode], timeout, **env)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    one, two = tmp_path_factory.mktemp("one"), tmp_path_factory.mktemp("two")
    _mpiexec()
    code, log, _ = _run([sys.executable, SCRIPT, str(one), "all"])
    assert code == 0, log[-3000:]
    code, log2, _ = _launch(two, "all")
    assert code == 0, log2[-3000:]
    return one, two, log2


def _weights(path):
    with np.load(path) as f:
        return [f[k] for k in sorted(f.files, key=lambda k: int(k.split("_")[1]))]


def _json(path):
    with open(path) as f:
        return json.load(f)


@pytest.mark.parametrize("name", SCENARIOS)
def test_two_processes_train_as_one(runs, name):
    one, two, _ = runs
    ref = _weights(one / f"{name}.0.npz")
    rank0, rank1 = _weights(two / f"{name}.0.npz"), _weights(two / f"{name}.1.npz")
    # Every process ends with bit-identical weights (and says so through gathered checksums).
    assert all(np.array_equal(a, b) for a, b in zip(rank0, rank1))
    checksums = _json(two / f"{name}.0.json")["checksums"]
    assert len(checksums) == 2 and checksums[0] == checksums[1]
    # ... equal to one process's with the same global batch, up to summation order.
    for a, b in zip(ref, rank0):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5 * float(np.max(np.abs(a))))
    # The logs are the global batch's: History matches one process's.
    h1, h2 = _json(one / f"{name}.0.json")["history"], _json(two / f"{name}.1.json")["history"]
    assert set(h1) == set(h2) and h1
    if name == "mlp_adam":  # ReduceLROnPlateau decided from the global logs, as one process
        assert h2["learning_rate"] == h1["learning_rate"] and h2["learning_rate"][-1] < h1["learning_rate"][0]
    for key in h1:
        np.testing.assert_allclose(h2[key], h1[key], rtol=1e-5, atol=1e-6)


def test_evaluate_predict_and_output_once(runs):
    one, two, log = runs
    ref, got = _json(one / "mlp_sgd.0.json"), [_json(two / f"mlp_sgd.{r}.json") for r in (0, 1)]
    for g in got:
        np.testing.assert_allclose(g["evaluate"], ref["evaluate"], rtol=1e-5)
    # EarlyStopping decided from the global logs: both stopped after epoch 2, as one process.
    assert [len(g["history"]["loss"]) for g in got + [ref]] == [2, 2, 2]
    expected = np.load(one / "mlp_predict.0.npy")
    for r in (0, 1):  # predict returns the whole result, in order, on every process
        np.testing.assert_allclose(np.load(two / f"mlp_predict.{r}.npy"), expected, rtol=1e-5, atol=1e-7)
    # Both processes ran; only process 0 printed progress and wrote the files.
    assert "MARK fit on process 0" in log and "MARK fit on process 1" in log
    assert log.count("Epoch 1/4") == 1 and log.count("Epoch 2/4") == 1
    with open(two / "mlp.csv") as f:
        assert len(f.read().strip().splitlines()) == 3  # header + 2 epochs
    import gradiente as keras

    saved = keras.saving.load_model(two / "mlp.keras")
    for a, b in zip(saved.get_weights(), _weights(two / "mlp_sgd.0.npz")):
        np.testing.assert_array_equal(a, b)
    assert os.path.exists(two / "mlp_ckpt.keras")
    assert len(os.listdir(two / "tensorboard" / "train")) == 1  # one event file: process 0's


def test_unsynchronized_batch_norm_keeps_each_replicas_statistics(runs):
    import gradiente as keras

    _, two, _ = runs
    rank0, rank1 = _weights(two / "bn_local.0.npz"), _weights(two / "bn_local.1.npz")
    model = keras.saving.load_model(two / "bn_local.keras")
    trainable = {id(v) for v in model.trainable_weights}
    moving = [i for i, v in enumerate(model.weights) if id(v) not in trainable]
    assert len(moving) == 2  # moving_mean, moving_variance
    for i, (a, b) in enumerate(zip(rank0, rank1)):
        # The gradients are summed, so trainable weights agree; statistics are each replica's.
        assert np.array_equal(a, b) != (i in moving)
    for a, b in zip(model.get_weights(), rank0):  # the saved model holds process 0's
        np.testing.assert_array_equal(a, b)


def test_mismatched_scripts_fail_on_every_process(runs):
    _, two, _ = runs
    for r in (0, 1):
        error = _json(two / f"mismatch.{r}.json")["error"]
        assert error and "batch size" in error and "process 1 has 64, process 0 has 32" in error


def test_summed_losses_are_refused_on_every_process(runs):
    _, two, _ = runs
    for r in (0, 1):
        summed, activity = _json(two / f"unsupported.{r}.json")["errors"]
        assert summed and "reduction='sum'" in summed and "sum_over_batch_size" in summed
        assert activity and "activity_regularizer" in activity


def test_error_on_one_process_ends_the_job(tmp_path):
    code, log, seconds = _launch(tmp_path, "raise", timeout=120)
    assert code != 0
    assert "process 1 of 2 failed with ValueError" in log and "label value of 109" in log
    assert seconds < 60


def test_a_process_that_stops_taking_part_ends_the_job(tmp_path):
    code, log, seconds = _launch(tmp_path, "stall", timeout=120, GRADIENTE_DISTRIBUTION_TIMEOUT="3")
    assert code != 0 and "process 0 of 2 waited 3 s for the other processes" in log
    assert seconds < 60


def test_killed_process_then_rerun_resumes(runs, tmp_path):
    _, two, _ = runs
    code, log, seconds = _launch(tmp_path, "kill", timeout=120)
    assert code != 0 and seconds < 60, log[-2000:]
    backup = tmp_path / "backup" / "latest.keras"
    import gradiente as keras

    keras.saving.load_model(backup)  # intact: written atomically by process 0
    code, log, _ = _launch(tmp_path, "resume", timeout=120)
    assert code == 0, log[-3000:]
    uninterrupted = _weights(two / "backup.0.npz")
    for r in (0, 1):
        for a, b in zip(_weights(tmp_path / f"backup.{r}.npz"), uninterrupted):
            np.testing.assert_array_equal(a, b)
    assert not backup.exists()  # deleted at the end of the finished run
