"""Issue 5 benchmark (a): one epoch of a small CNN, gradiente beside PyTorch, same process.

    python benchmarks/conv_epoch_a.py [n_samples] [--profile]

Conv2D(32, 3, relu) -> MaxPooling2D(2) -> Flatten -> Dense(10, softmax) on 10 000 synthetic
28x28x1 images, sparse categorical cross-entropy, SGD lr 0.01, batch 32, after one warm-up
epoch; the median of 3 epochs. gradiente runs through model.fit when Sequential/compile/fit
work, else through a GradientTape loop with a manual SGD update. When PyTorch is importable
the same model runs in PyTorch (eager, in a child process of this job) and the ratio is printed
(target <= 1.0). ``--profile`` prints the top of a cProfile of one gradiente epoch.
"""
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import gradiente as keras  # noqa: E402
from gradiente import layers, ops  # noqa: E402
from gradiente.autodiff import GradientTape  # noqa: E402

BATCH, LR, REPEATS = 32, 0.01, 3


def data(n):
    rng = np.random.default_rng(0)
    return rng.random((n, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, n)


def make_layers():
    keras.utils.set_random_seed(0) if hasattr(keras, "utils") else None
    return [layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2), layers.Flatten(),
            layers.Dense(10, activation="softmax")]


def fit_runner():
    """model.fit, when the models package can compile and fit; else None."""
    try:
        model = keras.models.Sequential([layers.Input((28, 28, 1))] + make_layers())
        model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=LR))
        probe_x, probe_y = data(64)
        model.fit(probe_x, probe_y, batch_size=BATCH, epochs=1, verbose=0)
    except Exception as err:  # the models package is still being written: fall back
        print(f"(model.fit unavailable: {type(err).__name__}: {err}; using a GradientTape loop)")
        return None
    return "model.fit", lambda x, y: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)


def tape_runner():
    stack = make_layers()
    stack_x = np.zeros((1, 28, 28, 1), np.float32)
    for layer in stack:
        stack_x = layer(stack_x)
    weights = [w for layer in stack for w in layer.trainable_weights]

    def epoch(x, y):
        for start in range(0, len(x), BATCH):
            h = x[start:start + BATCH]
            with GradientTape() as tape:
                for layer in stack:
                    h = layer(h)
                logits = h._activation[1]  # the softmax's logits: the fused, stable loss
                loss = ops.mean(ops.sparse_softmax_cross_entropy(logits, y[start:start + BATCH]))
            for w, g in zip(weights, tape.gradient(loss, weights)):
                w.data -= LR * g.data

    return "GradientTape loop", epoch


def torch_epoch():
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                torch.nn.Flatten(), torch.nn.Linear(32 * 13 * 13, 10))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch(x, y):
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        yt = torch.from_numpy(y)
        for start in range(0, len(xt), BATCH):
            opt.zero_grad()
            loss = loss_fn(model(xt[start:start + BATCH]), yt[start:start + BATCH])
            loss.backward()
            opt.step()

    return f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads)", epoch


def timed(epoch, x, y):
    epoch(x[:2000], y[:2000])  # warm-up
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        epoch(x, y)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def torch_in_subprocess(n):
    """PyTorch's epoch time, measured in a child process so that nothing gradiente sets up
    in this one (imports, allocator state) changes PyTorch's figure."""
    import os
    import subprocess

    # The child imports this file, hence gradiente: keep gradiente's allocator tuning out of it.
    env = {**os.environ, "GRADIENTE_MALLOC_TUNING": "0"}
    done = subprocess.run([sys.executable, __file__, str(n), "--torch-only"], capture_output=True,
                          text=True, env=env)
    lines = [line for line in done.stdout.splitlines() if line.startswith("TORCH ")]
    if not lines:
        return None
    _, seconds, label = lines[-1].split(" ", 2)
    return label, float(seconds)


def main():
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 10_000))
    x, y = data(n)
    if "--torch-only" in sys.argv:
        run = torch_epoch()
        if run is not None:
            print(f"TORCH {timed(run[1], x, y)} {run[0]}")
        return
    label, epoch = fit_runner() or tape_runner()
    if "--profile" in sys.argv:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(epoch, x, y)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    ours = timed(epoch, x, y)
    print(f"gradiente ({label}): {ours:.2f} s per epoch of {n} samples")
    torch_run = torch_in_subprocess(n)
    if torch_run is None:
        print("PyTorch not importable: no ratio.")
        return
    torch_label, theirs = torch_run
    print(f"{torch_label}: {theirs:.2f} s per epoch")
    print(f"ratio gradiente / PyTorch: {ours / theirs:.2f} (target <= 1.0)")


if __name__ == "__main__":
    main()
