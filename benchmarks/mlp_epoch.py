"""The lecture's MLP: one epoch of fit() beside hand-written NumPy, in the same process.

    python benchmarks/mlp_epoch.py [n_samples] [rounds]

Prints gradiente's epoch time, the reference's (../shared/bench/mlp_reference.py) and their
ratio (target <= 1.10); then the latency of predict() and model(x) on one sample, and the
wall time of `import gradiente` and its first use of layers and models in a fresh interpreter
(benchmarks/import_time.py looks closer).
"""
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT.parent / "shared" / "bench"))

import gradiente as keras  # noqa: E402
import mlp_reference  # noqa: E402

ROUNDS = 5


def build():
    keras.utils.set_random_seed(0)
    model = keras.models.Sequential([
        keras.layers.Flatten(input_shape=[28, 28]),
        keras.layers.Dense(300, activation="relu"),
        keras.layers.Dense(100, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.01))
    return model


def epoch_seconds(model, x, y, shuffle=True):
    start = time.perf_counter()
    model.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=shuffle)
    return time.perf_counter() - start


def latency_us(fn, repeats=2000):
    for _ in range(50):
        fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def import_seconds(module):
    """Median wall time of ``import module`` in a fresh interpreter, with bytecode cached as
    an installed package has it (the first, compiling, run is not counted)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runs = [float(subprocess.check_output([sys.executable, "-c", code], cwd=ROOT / "src", env=env))
            for _ in range(6)]
    return statistics.median(runs[1:])


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 60000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else ROUNDS
    x, y = mlp_reference.make_data(n, seed=0)
    model = build()
    model.fit(x[:2000], y[:2000], batch_size=32, epochs=1, verbose=0)  # warm-up
    mlp_reference.run(2000)
    # Alternate, several rounds: this machine's speed drifts, so compare the best (least
    # disturbed) run of each, and show the medians beside them. fit shuffles by default; the
    # reference walks the data in order, so fit(shuffle=False) is the same work as it does.
    runs = {"fit": [], "fit(shuffle=False)": [], "reference": []}
    for _ in range(rounds):
        runs["fit"].append(epoch_seconds(model, x, y))
        runs["fit(shuffle=False)"].append(epoch_seconds(model, x, y, shuffle=False))
        runs["reference"].append(mlp_reference.run(n)[0])
    ref = runs["reference"]
    print(f"MLP 784-300-100-10, {n} samples, batch 32, SGD, one epoch, {rounds} alternating rounds")
    for name, times in runs.items():
        line = f"  {name:<22} best {min(times):6.3f} s   median {statistics.median(times):6.3f} s"
        if name != "reference":
            # Paired: each run against the reference run beside it, under the same conditions.
            paired = statistics.median(t / r for t, r in zip(times, ref))
            line += (f"   ratio to NumPy: best {min(times) / min(ref):5.3f}, "
                     f"paired median {paired:5.3f} (target <= 1.10)")
        print(line)
    one = x[:1]
    print(f"  predict(1 sample):      {latency_us(lambda: model.predict(one, verbose=0)):7.1f} us (median; target <= 100)")
    print(f"  model(x) (1 sample):    {latency_us(lambda: model(one)):7.1f} us (median)")
    # Subpackages load on first use: time the import with the lecture's first touch of them.
    first_use = import_seconds("gradiente as keras; keras.Sequential; keras.layers.Dense")
    print(f"  import + layers/models: {first_use:7.3f} s (import numpy alone: {import_seconds('numpy'):.3f} s; target <= 0.25)")


if __name__ == "__main__":
    main()
