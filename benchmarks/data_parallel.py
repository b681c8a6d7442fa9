"""Issue 16's benchmark: data-parallel fit over MPI, 1 process against 2.

    python benchmarks/data_parallel.py [--model cnn|mlp|both] [--epochs 3] [--samples 10000]

Two models at global batch 256, SGD: the CNN of conv_rnn_epoch.py (Conv2D(32, 3) ->
MaxPooling2D -> Dense(10) on 28x28x1) and the lecture MLP (784-300-100-10). Each runs under
``mpiexec -n 1`` and ``mpiexec -n 2`` (one BLAS thread per process, bound to a core), a
warm-up epoch and then ``--epochs`` timed ones (the median is kept). Printed per model:
samples per second, the scaling efficiency t1 / t2 / 2, and the share of a 2-process step
spent in the gradient Allreduce (including waiting for the slower process: on a loaded
machine that wait dominates), and the Allreduce of the gradient buffer alone (best of 50). Needs mpi4py and mpiexec (``pip install gradiente[mpi]``).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH, LR, CLASSES = 256, 0.01, 10


def worker(model_name, samples, epochs):
    """One process of the run: fit, time epochs, time the Allreduce; process 0 prints JSON."""
    sys.path.insert(0, os.path.join(ROOT, "src"))
    import numpy as np

    import gradiente as keras
    from gradiente import layers
    from gradiente.distribution import communicator

    keras.distribution.initialize()
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    comm = communicator.world()
    in_allreduce = [0.0, 0.0]  # wall and CPU seconds (waiting processes spin: CPU too)
    if comm.size > 1:
        allreduce = comm.allreduce_sum

        def timed_allreduce(array):
            start, cpu = time.perf_counter(), time.process_time()
            out = allreduce(array)
            in_allreduce[0] += time.perf_counter() - start
            in_allreduce[1] += time.process_time() - cpu
            return out

        comm.allreduce_sum = timed_allreduce
    rng = np.random.default_rng(0)
    keras.utils.set_random_seed(0)
    if model_name == "cnn":
        x = rng.random((samples, 28, 28, 1), dtype=np.float32)
        stack = [layers.Input((28, 28, 1)), layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                 layers.Flatten(), layers.Dense(CLASSES, activation="softmax")]
    else:
        x = rng.random((samples, 784), dtype=np.float32)
        stack = [layers.Input((784,)), layers.Dense(300, activation="relu"),
                 layers.Dense(100, activation="relu"), layers.Dense(CLASSES, activation="softmax")]
    y = rng.integers(0, CLASSES, samples)
    net = keras.Sequential(stack)
    net.compile(optimizer=keras.optimizers.SGD(LR), loss="sparse_categorical_crossentropy")
    net.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)  # warm-up: traces the replayed step
    times, shares, compute = [], [], []
    for _ in range(epochs):
        in_allreduce[:] = [0.0, 0.0]
        start, cpu = time.perf_counter(), time.process_time()
        net.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
        times.append(time.perf_counter() - start)
        shares.append(in_allreduce[0] / times[-1])
        # CPU seconds outside the Allreduce: the work itself, little changed by other jobs.
        compute.append(time.process_time() - cpu - in_allreduce[1])
    replayed = getattr(net, "_compiled_step", None) is not None and any(net._compiled_step.replays.values())
    # The Allreduce of one step's gradient buffer alone, best of 50: its cost when neither
    # process waits for the other (what the step would pay on an idle machine).
    buffer = np.zeros(sum(v.data.size for v in net.trainable_weights) + 2, dtype=np.float32)
    alone = []
    for _ in range(50 if comm.size > 1 else 0):
        start = time.perf_counter()
        allreduce(buffer)
        alone.append(time.perf_counter() - start)
    if comm.rank == 0:
        print("RESULT " + json.dumps({"model": model_name, "procs": comm.size, "epoch_s": statistics.median(times),
                                      "comm_share": statistics.median(shares), "replayed": bool(replayed),
                                      "allreduce_alone_ms": 1e3 * min(alone) if alone else None,
                                      "compute_cpu_s": statistics.median(compute),
                                      "gradient_mb": buffer.nbytes / 1e6}),
              flush=True)


def launch(model_name, procs, samples, epochs):
    mpiexec = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if not os.path.exists(mpiexec):
        mpiexec = "mpiexec"
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    args = [mpiexec, "--allow-run-as-root", "--bind-to", "core", "-n", str(procs), sys.executable,
            os.path.abspath(__file__), "--worker", model_name, "--samples", str(samples),
            "--epochs", str(epochs)]
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=1800)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return json.loads(lines[0][len("RESULT "):])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["cnn", "mlp", "both"], default="both")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per run (median kept)")
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.samples, args.epochs)
    print(f"global batch {BATCH}, {args.samples} samples, SGD, 1 BLAS thread per process, "
          f"{os.cpu_count()} CPUs visible, median of {args.epochs} epochs")
    print(f"{'model':<6}{'1 proc s/epoch':>16}{'2 procs s/epoch':>17}{'samples/s 1':>13}"
          f"{'samples/s 2':>13}{'efficiency':>12}{'allreduce share':>17}{'allreduce alone':>17}"
          f"{'est. idle eff.':>16}")
    for name in (["cnn", "mlp"] if args.model == "both" else [args.model]):
        one = launch(name, 1, args.samples, args.epochs)
        two = launch(name, 2, args.samples, args.epochs)
        t1, t2 = one["epoch_s"], two["epoch_s"]
        print(f"{name:<6}{t1:>16.3f}{t2:>17.3f}{args.samples / t1:>13.0f}{args.samples / t2:>13.0f}"
              f"{t1 / t2 / 2:>12.2f}{two['comm_share']:>16.0%}"
              f"{two['allreduce_alone_ms']:>8.2f} ms/{two['gradient_mb']:.2f} MB"
              f"{estimate(one, two, args.samples):>16.2f}"
              + ("" if one["replayed"] and two["replayed"] else "  (step not replayed!)"))
    print("est. idle eff.: a model, not a measurement: one process's CPU seconds per epoch over twice "
          "(a process's CPU seconds outside the Allreduce + steps x the Allreduce alone)")


def estimate(one, two, samples):
    steps = -(-samples // BATCH)
    return one["compute_cpu_s"] / (2 * (two["compute_cpu_s"] + steps * two["allreduce_alone_ms"] / 1e3))


if __name__ == "__main__":
    main()
