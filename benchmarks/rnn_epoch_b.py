"""Benchmark (b) of issue 5: one epoch of LSTM(64) -> Dense(10, softmax) on 10,000 synthetic
sequences of 28 steps x 28 features, batch 32, SGD, sparse categorical cross-entropy.

Uses ``model.fit`` when gradiente's Sequential can compile and fit, else a GradientTape loop
doing the same work. When PyTorch is importable, the same model runs in PyTorch in this job
and the ratio is printed.

    python benchmarks/rnn_epoch_b.py [--repeats 3] [--loop] [--threads 1]

Both libraries get the same number of BLAS threads (default 1): on a small shared machine a
second BLAS thread mostly waits for a busy core, which makes timings swing tenfold.
"""
import argparse
import os
import sys
import time


def _threads_from_argv(default="1"):
    if "--threads" in sys.argv[:-1]:
        return sys.argv[sys.argv.index("--threads") + 1]
    return default


# BLAS reads its thread count when NumPy is first imported, so set it before that.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, _threads_from_argv())

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "src"))

SAMPLES, STEPS, FEATURES, UNITS, CLASSES, BATCH, LR = 10_000, 28, 28, 64, 10, 32, 0.01


def data():
    rng = np.random.default_rng(0)
    x = rng.random((SAMPLES, STEPS, FEATURES), dtype=np.float32)
    y = rng.integers(0, CLASSES, SAMPLES)
    return x, y


def gradiente_fit(x, y):
    import gradiente as keras

    model = keras.models.Sequential([
        keras.layers.Input((STEPS, FEATURES)),
        keras.layers.LSTM(UNITS),
        keras.layers.Dense(CLASSES, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.SGD(LR), loss="sparse_categorical_crossentropy")
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    return time.perf_counter() - start


def gradiente_loop(x, y):
    from gradiente import ops
    from gradiente.autodiff.tape import GradientTape
    from gradiente.layers import Dense
    from gradiente.layers.recurrent import LSTM

    lstm, head = LSTM(UNITS), Dense(CLASSES, activation="softmax")
    head(lstm(x[:2]))
    variables = lstm.trainable_weights + head.trainable_weights
    start = time.perf_counter()
    order = np.random.default_rng(1).permutation(SAMPLES)
    for i in range(0, SAMPLES, BATCH):
        idx = order[i:i + BATCH]
        with GradientTape() as tape:
            probs = head(lstm(x[idx]))
            logits = probs._activation[1]  # what a loss on softmax outputs uses
            loss = ops.mean(ops.sparse_softmax_cross_entropy(logits, y[idx]))
        for v, g in zip(variables, tape.gradient(loss, variables)):
            v.data -= LR * g.data
    return time.perf_counter() - start


def torch_epoch(x, y):
    import torch

    torch.manual_seed(0)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(FEATURES, UNITS, batch_first=True)
            self.head = torch.nn.Linear(UNITS, CLASSES)

        def forward(self, inputs):
            out, _ = self.lstm(inputs)
            return self.head(out[:, -1])

    net = Net()
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    start = time.perf_counter()
    order = torch.randperm(SAMPLES)
    for i in range(0, SAMPLES, BATCH):
        idx = order[i:i + BATCH]
        opt.zero_grad()
        loss = loss_fn(net(xt[idx]), yt[idx])
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="epochs timed; the best is reported")
    parser.add_argument("--loop", action="store_true", help="always use the GradientTape loop")
    parser.add_argument("--threads", type=int, default=1, help="BLAS / PyTorch threads for both")
    args = parser.parse_args()
    x, y = data()
    run, how = gradiente_loop, "GradientTape loop"
    if not args.loop:
        try:
            gradiente_fit(x[:64], y[:64])
            run, how = gradiente_fit, "model.fit"
        except Exception as err:  # fit not available yet: measure the same work by hand
            print(f"model.fit unavailable ({type(err).__name__}: {err}); using the GradientTape loop")
    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:
        torch = None
    # Alternate the two and keep each one's best epoch, so a busy machine penalises both alike.
    ours, theirs = [], []
    for _ in range(args.repeats):
        ours.append(timed(run, x, y))
        if torch is not None:
            theirs.append(timed(torch_epoch, x, y))
    best = min(ours)
    print(f"gradiente ({how}): {best[0]:.2f} s/epoch wall, {best[1]:.2f} s CPU")
    if torch is None:
        print("PyTorch not installed: skipping the comparison")
        return
    ref = min(theirs)
    print(f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads): {ref[0]:.2f} s/epoch wall, "
          f"{ref[1]:.2f} s CPU")
    print(f"ratio gradiente / PyTorch: {best[0] / ref[0]:.2f}x wall, {best[1] / ref[1]:.2f}x CPU")


def timed(fn, x, y):
    """(wall seconds, CPU seconds) of one epoch."""
    cpu = time.process_time()
    wall = fn(x, y)
    return wall, time.process_time() - cpu


if __name__ == "__main__":
    main()
